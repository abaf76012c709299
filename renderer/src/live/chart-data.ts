/**
 * What the charts draw, derived from the live state: x is seconds since the run started, and each
 * series holds at most CHART_WINDOW_POINTS points (a moving window), so a 24-hour run costs the
 * same to draw as a ten-minute one. LTTB decimation then thins the window to the canvas width.
 */
import type { Pulse, ResourceSample } from '../../../preload/contract';

export const CHART_WINDOW_POINTS = 2_000;

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  label: string;
  color: string;
  points: Point[];
}

export interface Guide {
  label: string;
  y: number;
  color: string;
}

function lastN<T>(list: readonly T[], n: number): readonly T[] {
  return list.length > n ? list.slice(list.length - n) : list;
}

export function pulseLatencySeries(pulses: readonly Pulse[], t0: number, n = CHART_WINDOW_POINTS): Point[] {
  return lastN(pulses, n).map((p) => ({ x: (p.plannedAt - t0) / 1000, y: p.latencyMs / 1000 }));
}

export interface ResourceSeries {
  cpu: Point[];
  ram: Point[];
  /** Null when no sample in the window carried a GPU reading. */
  gpu: Point[] | null;
}

export function resourceSeries(
  samples: readonly ResourceSample[],
  t0: number,
  n = CHART_WINDOW_POINTS,
): ResourceSeries {
  const cpu: Point[] = [];
  const ram: Point[] = [];
  const gpu: Point[] = [];
  for (const s of lastN(samples, n)) {
    const x = (s.at - t0) / 1000;
    cpu.push({ x, y: s.host.cpuPct });
    ram.push({ x, y: s.host.ramPct });
    if (s.host.gpuPct !== null) gpu.push({ x, y: s.host.gpuPct });
  }
  return { cpu, ram, gpu: gpu.length > 0 ? gpu : null };
}

/** The x extent shared by every series, so a guide line spans the whole plot. */
export function xExtent(series: readonly Series[]): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    if (first !== undefined && first.x < min) min = first.x;
    if (last !== undefined && last.x > max) max = last.x;
  }
  return Number.isFinite(min) && Number.isFinite(max) ? { min, max: Math.max(max, min + 1) } : null;
}

import { useMemo } from 'react';
import type { LiveRun } from '../run/live-run';
import { pulseLatencySeries, resourceSeries, type Guide, type Series } from './chart-data';
import { TimeChart } from './TimeChart';

const COLORS = {
  latency: '#2563eb',
  cpu: '#2563eb',
  ram: '#7c3aed',
  gpu: '#0d9488',
  warn: '#d97706',
  crit: '#dc2626',
};

export function PulseLatencyChart({ live }: { live: LiveRun }) {
  const t0 = live.run.startedAt;
  const { pulseWarnSec, pulseCritSec } = live.thresholds;
  const series = useMemo<Series[]>(
    () => [{ label: 'pulse latency', color: COLORS.latency, points: pulseLatencySeries(live.pulses, t0) }],
    [live.pulses, t0],
  );
  const guides = useMemo<Guide[]>(
    () => [
      { label: `warning ${pulseWarnSec} s`, y: pulseWarnSec, color: COLORS.warn },
      { label: `critical ${pulseCritSec} s`, y: pulseCritSec, color: COLORS.crit },
    ],
    [pulseWarnSec, pulseCritSec],
  );
  return <TimeChart testId="pulse-chart" title="Pulse latency" series={series} guides={guides} yUnit=" s" />;
}

export function ResourceChart({ live }: { live: LiveRun }) {
  const t0 = live.run.startedAt;
  const { cpuPct, ramPct, gpuPct } = live.guardRails;
  const r = useMemo(() => resourceSeries(live.samples, t0), [live.samples, t0]);
  const hasGpu = r.gpu !== null;
  const series = useMemo<Series[]>(() => {
    const s: Series[] = [
      { label: 'CPU %', color: COLORS.cpu, points: r.cpu },
      { label: 'RAM %', color: COLORS.ram, points: r.ram },
    ];
    if (r.gpu !== null) s.push({ label: 'GPU %', color: COLORS.gpu, points: r.gpu });
    return s;
  }, [r]);
  const guides = useMemo<Guide[]>(() => {
    const g: Guide[] = [
      { label: `CPU rail ${cpuPct}%`, y: cpuPct, color: COLORS.cpu },
      { label: `RAM rail ${ramPct}%`, y: ramPct, color: COLORS.ram },
    ];
    if (hasGpu) g.push({ label: `GPU rail ${gpuPct}%`, y: gpuPct, color: COLORS.gpu });
    return g;
  }, [cpuPct, ramPct, gpuPct, hasGpu]);
  return (
    <TimeChart
      testId="resource-chart"
      title={`Host resources (guard rails sustained over ${live.guardRails.windowSec} s)`}
      series={series}
      guides={guides}
      yUnit="%"
      yMax={100}
    />
  );
}

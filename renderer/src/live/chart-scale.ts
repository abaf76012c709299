/**
 * Axis choices for the time charts, pure so they are tested without a canvas. A fixed 0-6 s axis
 * drew millisecond pulses flat on zero; the y axis now follows the data, and a guide line
 * (the 3 s warning, the 5 s critical) is drawn only when it falls inside the scale and named in
 * a note when it is above. Time ticks fall on whole "nice" steps, so no two labels repeat.
 */
import type { Guide, Series } from './chart-data';

/** Head room above the highest point, so the top point does not sit on the frame. */
const Y_HEADROOM = 1.25;

/** 1, 2 or 5 times a power of ten, at least `v`: a scale a reader can take in at a glance. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface YScale {
  max: number;
  shown: Guide[];
  /** Guides above the scale: named in a note under the chart instead of drawn. */
  above: Guide[];
}

/**
 * The y scale for data that has no natural maximum (latency): the highest point with head room,
 * rounded to a nice number. A guide the data reaches or nearly reaches stays in range.
 */
export function dataYScale(series: readonly Series[], guides: readonly Guide[]): YScale {
  let top = 0;
  for (const s of series) for (const p of s.points) if (p.y > top) top = p.y;
  const max = niceCeil(top * Y_HEADROOM);
  return { max, shown: guides.filter((g) => g.y <= max), above: guides.filter((g) => g.y > max) };
}

/** Whole-second steps a time axis may use. */
const TIME_STEPS_SEC = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600];

/** The smallest whole-second step that keeps the axis within `maxTicks` labels. */
export function timeStepSec(spanSec: number, maxTicks: number): number {
  for (const s of TIME_STEPS_SEC) if (spanSec / s <= maxTicks) return s;
  return Math.ceil(spanSec / maxTicks / 3600) * 3600;
}

/** Points drawn as dots: large when there are few (one point must be seen), small when many. */
export function pointRadius(points: number): number {
  if (points <= 1) return 4;
  if (points <= 120) return 2.5;
  return 1.5;
}

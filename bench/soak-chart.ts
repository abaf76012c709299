/** The soak's memory series: least-squares slope, a text sparkline and a small SVG chart. */

export interface MemPoint {
  wallSec: number;
  /** Simulated hours of the run (its snapshots / 3,600) when the point was taken. */
  simH: number;
  rssMB: number;
  heapMB: number;
  /** V8 heap committed (used + free pages kept), and memory outside it (Buffers, native). */
  heapTotalMB?: number;
  externalMB?: number;
}

/** Least-squares slope of y over x; 0 with fewer than two distinct x. */
export function slope(xy: [number, number][]): number {
  const n = xy.length;
  if (n < 2) return 0;
  const mx = xy.reduce((s, [x]) => s + x, 0) / n;
  const my = xy.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of xy) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

const BARS = '▁▂▃▄▅▆▇█';
/** Buckets a sparkline is drawn with: one per simulated hour of a 24 h soak. */
const SPARK_BUCKETS = 24;

/** The max of each of SPARK_BUCKETS equal slices of simulated time, as bars, with the range. */
export function sparkline(points: MemPoint[], key: 'rssMB' | 'heapMB'): string {
  const end = points.at(-1)?.simH ?? 0;
  if (!points.length || end <= 0) return '(no points)';
  const buckets: number[] = Array.from({ length: SPARK_BUCKETS }, () => NaN);
  for (const p of points) {
    const b = Math.min(SPARK_BUCKETS - 1, Math.floor((p.simH / end) * SPARK_BUCKETS));
    buckets[b] = Number.isNaN(buckets[b]!) ? p[key] : Math.max(buckets[b]!, p[key]);
  }
  const vals = buckets.filter((x) => !Number.isNaN(x));
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const bars = buckets
    .map((v) =>
      Number.isNaN(v) ? ' ' : BARS[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1)) : 0],
    )
    .join('');
  return `${bars} (${Math.round(lo)}-${Math.round(hi)} MB over 0-${end.toFixed(1)} h)`;
}

const W = 640;
const H = 240;
const PAD = 40;

/** RSS and heap against simulated hours, as a self-contained SVG (no script, no external font). */
export function svgChart(points: MemPoint[], title: string): string {
  const maxX = Math.max(1e-9, ...points.map((p) => p.simH));
  const maxY = Math.max(1, ...points.map((p) => Math.max(p.rssMB, p.heapMB))) * 1.1;
  const x = (v: number) => (PAD + (v / maxX) * (W - 2 * PAD)).toFixed(1);
  const y = (v: number) => (H - PAD - (v / maxY) * (H - 2 * PAD)).toFixed(1);
  const line = (key: 'rssMB' | 'heapMB', color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points
      .map((p) => `${x(p.simH)},${y(p[key])}`)
      .join(' ')}"/>`;
  const ticksY = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * maxY));
  const ticksX = [0, 0.25, 0.5, 0.75, 1].map((f) => f * maxX);
  const esc = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="10">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD}" y="14" font-size="12">${esc(title)}</text>`,
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#888"/>`,
    `<line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${H - PAD}" stroke="#888"/>`,
    ...ticksY.map((v) => `<text x="4" y="${y(v)}">${v} MB</text>`),
    ...ticksX.map((v) => `<text x="${x(v)}" y="${H - PAD + 14}">${v.toFixed(1)} h</text>`),
    line('rssMB', '#c0392b'),
    line('heapMB', '#2471a3'),
    `<text x="${W - PAD - 120}" y="${PAD - 8}" fill="#c0392b">RSS</text>`,
    `<text x="${W - PAD - 80}" y="${PAD - 8}" fill="#2471a3">V8 heap used</text>`,
    `<text x="${PAD}" y="${H - 6}">simulated hours (snapshots / 3,600)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

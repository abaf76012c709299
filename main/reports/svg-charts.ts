/**
 * Small inline SVG charts for the HTML report: strings, no library, no script, no style attribute
 * (only presentation attributes and classes), so the report stays self-contained and renders under
 * a CSP that allows no inline style attribute. Every label is escaped; target-chosen labels also
 * have their control and bidi characters spelled out.
 */
import { visible } from './md-escape';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML or SVG, element content or quoted attribute: nothing in it can become markup. */
export function esc(value: unknown): string {
  return visible(String(value ?? '')).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** Chart frame in SVG units; the viewBox scales it to the page width. */
const W = 760;
const H = 240;
const PAD = { left: 64, right: 16, top: 14, bottom: 36 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
/** About this many ticks per axis: enough to read a value, few enough that labels never collide. */
const TARGET_TICKS = 6;
/** Past this many points, markers shrink: a dot per sample would hide the line. */
const DENSE_POINTS = 60;
/** Vertical room (SVG units) one reference-line label needs. */
const LABEL_GAP = 13;

const r1 = (n: number) => Math.round(n * 10) / 10;

/** Ticks at 1, 2 or 5 x 10^k covering [0, max]; the last tick is at or above max. */
export function niceTicks(max: number, target = TARGET_TICKS): number[] {
  const span = max > 0 ? max : 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = 0; v < span + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Time steps (ms) a reader can count in: never finer than the label's resolution. */
const TIME_STEPS = [250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** Elapsed time as m:ss, with tenths when the step is under a second, so no two labels repeat. */
export function elapsedLabel(ms: number, stepMs: number): string {
  const neg = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  const m = Math.floor(a / 60_000);
  const s = (a % 60_000) / 1000;
  const ss = stepMs < 1000 ? s.toFixed(1).padStart(4, '0') : String(Math.floor(s)).padStart(2, '0');
  return `${neg}${m}:${ss}`;
}

export interface TimeAxis {
  from: number;
  to: number;
  ticks: number[];
  step: number;
}

/** An elapsed-time axis over [from, to] (ms from the run start); a zero span is widened to 2 s. */
export function timeAxis(from: number, to: number): TimeAxis {
  let a = from;
  let b = to;
  if (!(b > a)) {
    // One instant: 2 s around it, never reaching before the run's start when it is at or after it.
    a = a >= 1000 ? a - 1000 : Math.min(a, 0);
    b = a + 2000;
  }
  const step = TIME_STEPS.find((s) => (b - a) / s <= TARGET_TICKS + 2) ?? (TIME_STEPS.at(-1) as number);
  const ticks: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b; v += step) ticks.push(v);
  return { from: a, to: b, ticks, step };
}

export interface Series {
  name: string;
  /** CSS class for the line and markers (colour). */
  cls: string;
  points: { x: number; y: number }[];
  /** Discrete events (pulses) get a stem from zero instead of a line joining them. */
  stems?: boolean;
}

export interface RefLine {
  y: number;
  label: string;
  cls: string;
}

export interface LineChartSpec {
  title: string;
  series: Series[];
  lines: RefLine[];
  /** Fixed top of the y axis (100 for percentages); otherwise scaled to the data. */
  yMax?: number;
  yLabel: (v: number, ticks: number[]) => string;
}

/** Milliseconds as ms under 2 s, else seconds: the unit a reader expects at that scale. */
export function msLabel(v: number, ticks: number[]): string {
  const top = ticks.at(-1) ?? v;
  if (top < 2000) return `${r1(v)} ms`;
  return `${r1(v / 1000)} s`;
}

export const pctLabel = (v: number): string => `${r1(v)}%`;

function frame(title: string, body: string[], legend: string[]): string {
  return [
    `<figure class="chart"><figcaption>${esc(title)}</figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    ...body,
    '</svg>',
    legend.length ? `<p class="legend">${legend.join(' ')}</p>` : '',
    '</figure>',
  ].join('\n');
}

const key = (cls: string, text: string) => `<span class="key ${cls}">${esc(text)}</span>`;

/**
 * A line chart over elapsed time with markers at every point (a single point shows), the y axis
 * scaled to the data (so millisecond values do not lie flat on a seconds axis), and reference lines
 * drawn where they fall on the axis and noted in the legend where they do not.
 */
export function lineChart(spec: LineChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  if (!all.length) return frame(spec.title, [emptyNote()], []);
  const xs = all.map((p) => p.x);
  // From the run's start (x = 0), so charts of one report line up and the first label is 0:00.
  const axis = timeAxis(Math.min(0, ...xs), Math.max(...xs));
  const dataMax = Math.max(...all.map((p) => p.y));
  const yTicks = niceTicks(spec.yMax ?? (dataMax > 0 ? dataMax * 1.1 : 1));
  const yTop = spec.yMax ?? (yTicks.at(-1) as number);
  const X = (x: number) => r1(PAD.left + ((x - axis.from) / (axis.to - axis.from)) * PLOT_W);
  const Y = (y: number) => r1(PAD.top + PLOT_H - (Math.min(Math.max(y, 0), yTop) / yTop) * PLOT_H);
  const body: string[] = [axesBox()];
  for (const t of yTicks) {
    if (t > yTop) continue;
    body.push(
      `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${Y(t)}" y2="${Y(t)}"/>`,
      `<text class="tick" x="${PAD.left - 6}" y="${Y(t) + 4}" text-anchor="end">${esc(spec.yLabel(t, yTicks))}</text>`,
    );
  }
  body.push(...xTicks(axis, X));
  const legend = spec.series.map((s) =>
    key(s.cls, `${s.name} (${s.points.length} point${s.points.length === 1 ? '' : 's'})`),
  );
  let lastLabelY = -Infinity;
  const refKeys = new Map<RefLine, string>();
  for (const l of [...spec.lines].sort((a, b) => b.y - a.y)) {
    if (l.y <= yTop) {
      // Labels of close lines would overprint: the lower one goes under its line instead.
      const above = Y(l.y) - 4;
      const labelY = above - lastLabelY < LABEL_GAP ? Y(l.y) + 12 : above;
      lastLabelY = labelY;
      body.push(
        `<line class="ref ${l.cls}" x1="${PAD.left}" x2="${W - PAD.right}" y1="${Y(l.y)}" y2="${Y(l.y)}"/>`,
        `<text class="ref-label ${l.cls}" x="${W - PAD.right - 4}" y="${labelY}" text-anchor="end">${esc(l.label)}</text>`,
      );
      refKeys.set(l, key(l.cls, l.label));
    } else refKeys.set(l, key(l.cls, `${l.label}: above this axis (top ${spec.yLabel(yTop, yTicks)})`));
  }
  for (const l of spec.lines) legend.push(refKeys.get(l) as string);
  const dot = all.length > DENSE_POINTS ? 1.5 : 3.5;
  for (const s of spec.series) {
    if (s.stems)
      for (const p of s.points)
        body.push(`<line class="stem ${s.cls}" x1="${X(p.x)}" x2="${X(p.x)}" y1="${Y(0)}" y2="${Y(p.y)}"/>`);
    else if (s.points.length > 1)
      body.push(
        `<polyline class="series ${s.cls}" fill="none" points="${s.points.map((p) => `${X(p.x)},${Y(p.y)}`).join(' ')}"/>`,
      );
    for (const p of s.points) body.push(`<circle class="dot ${s.cls}" cx="${X(p.x)}" cy="${Y(p.y)}" r="${dot}"/>`);
  }
  return frame(spec.title, body, legend);
}

function axesBox(): string {
  return `<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${PLOT_W}" height="${PLOT_H}"/>`;
}

function xTicks(axis: TimeAxis, X: (x: number) => number): string[] {
  const out: string[] = [];
  for (const t of axis.ticks)
    out.push(
      `<line class="tickmark" x1="${X(t)}" x2="${X(t)}" y1="${PAD.top + PLOT_H}" y2="${PAD.top + PLOT_H + 5}"/>`,
      `<text class="tick" x="${X(t)}" y="${PAD.top + PLOT_H + 18}" text-anchor="middle">${elapsedLabel(t, axis.step)}</text>`,
    );
  out.push(
    `<text class="axis-title" x="${PAD.left + PLOT_W / 2}" y="${H - 3}" text-anchor="middle">elapsed since the run started (m:ss)</text>`,
  );
  return out;
}

function emptyNote(): string {
  return `<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">no data recorded</text>`;
}

export interface Bar {
  label: string;
  value: number;
  cls: string;
}

/** Horizontal bars on a fixed 0..max axis, one row per item, the value printed at the bar's end. */
export function barChart(title: string, bars: Bar[], max: number, lines: RefLine[] = []): string {
  const row = 26;
  const left = 170;
  const h = PAD.top + Math.max(bars.length, 1) * row + 34;
  const plotW = W - left - 60;
  const X = (v: number) => r1(left + (Math.min(Math.max(v, 0), max) / max) * plotW);
  const body: string[] = [];
  const ticks = niceTicks(max, 5).filter((t) => t <= max);
  const bottom = PAD.top + bars.length * row;
  for (const t of ticks)
    body.push(
      `<line class="grid" x1="${X(t)}" x2="${X(t)}" y1="${PAD.top}" y2="${bottom}"/>`,
      `<text class="tick" x="${X(t)}" y="${bottom + 16}" text-anchor="middle">${t}</text>`,
    );
  bars.forEach((b, i) => {
    const y = PAD.top + i * row;
    const label = b.label.length > 24 ? `${b.label.slice(0, 23)}…` : b.label;
    body.push(
      `<text class="bar-label" x="${left - 8}" y="${y + 17}" text-anchor="end"><title>${esc(b.label)}</title>${esc(label)}</text>`,
      `<rect class="bar ${b.cls}" x="${left}" y="${y + 4}" width="${Math.max(r1(X(b.value) - left), 1)}" height="${row - 8}"/>`,
      `<text class="bar-value" x="${X(b.value) + 6}" y="${y + 17}">${esc(r1(b.value))}</text>`,
    );
  });
  for (const l of lines)
    body.push(
      `<line class="ref ${l.cls}" x1="${X(l.y)}" x2="${X(l.y)}" y1="${PAD.top - 4}" y2="${bottom}"/>`,
    );
  if (!bars.length) body.push(`<text class="empty" x="${W / 2}" y="${PAD.top + 18}" text-anchor="middle">no scores</text>`);
  const svg = frame(title, body, lines.map((l) => key(l.cls, l.label)));
  return svg.replace(`viewBox="0 0 ${W} ${H}"`, `viewBox="0 0 ${W} ${h}"`);
}

/**
 * Snapshot slots on a timeline: a run of present slots is one green block, a run of missing ones
 * one red block, so a thousand slots still make a compact drawing.
 */
export function coverageChart(title: string, expected: number, present: ReadonlySet<number>, cadenceMs: number): string {
  const h = 90;
  const body: string[] = [];
  if (expected <= 0) return frame(title, [emptyNote()], []).replace(`0 0 ${W} ${H}`, `0 0 ${W} ${h}`);
  const X = (slot: number) => r1(PAD.left + (slot / expected) * PLOT_W);
  let start = 0;
  for (let i = 1; i <= expected; i++) {
    const here = present.has(start);
    if (i < expected && present.has(i) === here) continue;
    body.push(
      `<rect class="slot ${here ? 'present' : 'missing'}" x="${X(start)}" y="${PAD.top}" width="${Math.max(r1(X(i) - X(start)) - 0.5, 0.5)}" height="30"><title>slots ${start}-${i - 1}: ${here ? 'present' : 'missing'}</title></rect>`,
    );
    start = i;
  }
  const axis = timeAxis(0, expected * cadenceMs);
  for (const t of axis.ticks) {
    const x = r1(PAD.left + (t / (expected * cadenceMs)) * PLOT_W);
    body.push(`<text class="tick" x="${x}" y="${PAD.top + 48}" text-anchor="middle">${elapsedLabel(t, axis.step)}</text>`);
  }
  const missing = expected - [...present].filter((s) => s >= 0 && s < expected).length;
  const legend = [key('present', `present (${expected - missing})`), key('missing', `missing (${missing})`)];
  return frame(title, body, legend).replace(`0 0 ${W} ${H}`, `0 0 ${W} ${h}`);
}

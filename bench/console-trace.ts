/**
 * Where the console's frame time goes: summarises a Chromium performance trace written by
 * `BENCH_CONSOLE_TRACE=<file> npx tsx bench/console.ts` (playwright's default trace categories,
 * which include the V8 sampling profiler).
 *
 *   npx tsx bench/console-trace.ts <trace.json>
 *
 * Prints, for the page's main thread (CrRendererMain): busy time per top-level task kind and per
 * renderer phase (script, style, layout, paint, GC), then self time per JS function from the CPU
 * profile samples, grouped by where the code lives (react-dom, chart.js, the console's own
 * modules). Phase totals nest (a FunctionCall inside a TimerFire counts in both); the self-time
 * table does not.
 */
import fs from 'node:fs';

interface Frame {
  functionName: string;
  url?: string;
  lineNumber: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: {
    name?: string;
    data?: {
      cpuProfile?: {
        nodes?: { id: number; parent?: number; callFrame: Frame }[];
        samples?: number[];
      };
      timeDeltas?: number[];
    };
  };
  id?: string;
}

const PHASES = [
  'RunTask',
  'FunctionCall',
  'TimerFire',
  'FireAnimationFrame',
  'EventDispatch',
  'v8.callFunction',
  'UpdateLayoutTree',
  'Layout',
  'PrePaint',
  'Paint',
  'Layerize',
  'Commit',
  'RasterTask',
  'MinorGC',
  'MajorGC',
  'V8.GC_SCAVENGER',
  'V8.GC_MARK_COMPACTOR',
  'ParseHTML',
  'HitTest',
  'ScheduleStyleRecalculation',
];

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npx tsx bench/console-trace.ts <trace.json>');
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as TraceEvent[] | { traceEvents: TraceEvent[] };
  const events = Array.isArray(raw) ? raw : raw.traceEvents;
  const mains = events.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  );
  const counts = new Map<string, number>();
  for (const e of events) {
    const k = `${e.pid}:${e.tid}`;
    if (mains.some((m) => m.pid === e.pid && m.tid === e.tid)) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (busiest === undefined) throw new Error('no CrRendererMain thread in the trace');
  const [pid, tid] = busiest.split(':').map(Number);
  const mine = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X');
  const t0 = Math.min(...mine.map((e) => e.ts));
  const t1 = Math.max(...mine.map((e) => e.ts + (e.dur ?? 0)));
  const spanMs = (t1 - t0) / 1000;
  console.log(`trace ${file}: main thread ${busiest}, ${fmt(spanMs)} ms spanned`);

  const byName = new Map<string, { ms: number; n: number; max: number }>();
  for (const e of mine) {
    const cur = byName.get(e.name) ?? { ms: 0, n: 0, max: 0 };
    const ms = (e.dur ?? 0) / 1000;
    byName.set(e.name, { ms: cur.ms + ms, n: cur.n + 1, max: Math.max(cur.max, ms) });
  }
  console.log('\nphase                      total ms  % of span   count   max ms');
  for (const name of PHASES) {
    const v = byName.get(name);
    if (v === undefined) continue;
    console.log(
      `${name.padEnd(26)} ${fmt(v.ms).padStart(8)} ${fmt((100 * v.ms) / spanMs).padStart(9)}% ${String(v.n).padStart(7)} ${fmt(v.max).padStart(8)}`,
    );
  }
  const tasks = mine.filter((e) => e.name === 'RunTask').map((e) => (e.dur ?? 0) / 1000);
  const long = tasks.filter((d) => d > 16);
  console.log(`\ntasks over 16 ms: ${long.length} (longest ${fmt(Math.max(0, ...tasks))} ms)`);
  selfTime(events, pid as number);
}

/** Self time per function from the sampling profiler's ProfileChunk events of the page's process. */
function selfTime(events: TraceEvent[], pid: number): void {
  const nodes = new Map<number, Frame>();
  const parents = new Map<number, number>();
  const self = new Map<number, number>();
  for (const e of events) {
    if (e.pid !== pid || e.name !== 'ProfileChunk') continue;
    const profile = e.args?.data?.cpuProfile;
    for (const n of profile?.nodes ?? []) {
      nodes.set(n.id, n.callFrame);
      if (n.parent !== undefined) parents.set(n.id, n.parent);
    }
    const samples = profile?.samples ?? [];
    const deltas = e.args?.data?.timeDeltas ?? [];
    samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0) / 1000));
  }
  if (self.size === 0) {
    console.log('\n(no CPU profile samples in the trace)');
    return;
  }
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const label = (f: Frame) =>
    `${f.functionName || '(anonymous)'} ${(f.url ?? '').split('/').pop() ?? ''}:${f.lineNumber + 1}`;
  for (const [id, ms] of self) {
    const f = nodes.get(id);
    if (f === undefined) continue;
    byFn.set(label(f), (byFn.get(label(f)) ?? 0) + ms);
    const area = f.url ? (f.url.split('/').pop() ?? '') : f.functionName;
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    // Inclusive: each distinct function on the sampled stack once.
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parents.get(n)) {
      const g = nodes.get(n);
      if (g === undefined) break;
      const l = label(g);
      if (!seen.has(l)) inclusive.set(l, (inclusive.get(l) ?? 0) + ms);
      seen.add(l);
    }
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`\nCPU profile: ${fmt(total)} ms sampled; by script (or built-in bucket):`);
  for (const [k, ms] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`  ${fmt(ms).padStart(8)} ms  ${k}`);
  console.log('top functions by self time:');
  for (const [k, ms] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`  ${fmt(ms).padStart(8)} ms  ${k}`);
  console.log('top functions by inclusive time:');
  for (const [k, ms] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${fmt(ms).padStart(8)} ms  ${k}`);
}

const fmt = (x: number): string => x.toFixed(1);

main();

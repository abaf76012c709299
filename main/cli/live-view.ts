/**
 * The CLI's live view of a run. On a TTY: the run's lines scroll, and a status block at the bottom
 * (elapsed/remaining bar, targets alive, last pulse, TES so far, host CPU and RAM, chaos progress)
 * is rewritten in place about once a second with cursor-up and erase-down. Not on a TTY: the plain
 * append-only lines of run-view.ts, plus a heartbeat line when nothing was printed for a while, so
 * minutes between seed bursts are never silent.
 */
import type { RunStreamEvent } from '../model/api';
import type { RunOutput } from '../run/output';
import type { Io } from './common';
import { formatDuration } from './format';
import { LiveState } from './live-state';
import { cliRunView, type RunClock } from './run-view';
import { bar, palette, truncateLine, type Palette } from './term';

/** The status block is redrawn this often: often enough to feel live, rarely enough to be cheap. */
export const REDRAW_MS = 1000;
/** Not on a TTY, a heartbeat line follows this much silence (a CI log shows the run is alive). */
export const HEARTBEAT_MS = 10_000;
const BAR_CELLS = 24;

/** The raw terminal the TTY view draws on. */
export interface Screen {
  write(s: string): void;
  columns(): number;
}

export interface LiveViewOptions {
  json: boolean;
  /** A screen when stdout is a TTY; null for plain lines. */
  screen: Screen | null;
  colour: boolean;
}

export function liveView(io: Io, run: RunClock, opts: LiveViewOptions): RunOutput {
  if (opts.json) return cliRunView(io, run, true);
  if (opts.screen) return new TtyView(io, run, opts.screen, palette(opts.colour));
  return plainWithHeartbeat(io, run);
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v)}%`);

function plainWithHeartbeat(io: Io, run: RunClock): RunOutput {
  const state = new LiveState();
  let last = Date.now();
  const counted: Io = {
    out: (s) => {
      last = Date.now();
      io.out(s);
    },
    err: io.err,
  };
  const lines = cliRunView(counted, run, false);
  let timer: NodeJS.Timeout | null = null;
  return {
    name: 'cli',
    start: (meta) => {
      lines.start(meta);
      timer = setInterval(() => {
        if (Date.now() - last < HEARTBEAT_MS) return;
        const a = state.alive();
        const p = state.lastPulse;
        counted.out(
          `[${formatDuration(run.elapsedMs)}/${formatDuration(run.plan.run.maxDurationSec * 1000)}] running: targets alive ${a ? `${a.alive}/${a.of}` : 'n/a'}, host cpu ${pct(state.cpuPct)} ram ${pct(state.ramPct)}${p ? `, last pulse ${formatDuration(Date.now() - p.completedAt)} ago` : ''}`,
        );
      }, REDRAW_MS);
      timer.unref();
    },
    add: (e: RunStreamEvent) => {
      state.apply(e);
      lines.add(e);
    },
    stop: async (end) => {
      if (timer) clearInterval(timer);
      await lines.stop(end);
    },
  };
}

class TtyView implements RunOutput {
  readonly name = 'cli';
  private readonly state = new LiveState();
  private readonly lines: RunOutput;
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    io: Io,
    private readonly run: RunClock,
    private readonly screen: Screen,
    private readonly c: Palette,
  ) {
    // The run's lines (run-view.ts's text) scroll above the status block.
    const scroll: Io = { out: (s) => this.print(s), err: (s) => this.print(s) };
    this.lines = cliRunView(scroll, run, false);
  }

  start(meta: Parameters<RunOutput['start']>[0]): void {
    this.lines.start(meta);
    this.redraw('');
    this.timer = setInterval(() => this.redraw(''), REDRAW_MS);
    this.timer.unref();
  }

  add(e: RunStreamEvent): void {
    this.state.apply(e);
    this.lines.add(e);
  }

  async stop(end: Parameters<RunOutput['stop']>[0]): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.lines.stop(end);
    this.screen.write(this.erase());
    this.drawn = 0;
    this.stopped = true;
  }

  private print(line: string): void {
    if (this.stopped) return this.screen.write(`${line}\n`);
    this.redraw(`${truncateLine(this.colourLine(line), this.screen.columns())}\n`);
  }

  /** One write: erase the old block, print what scrolls, draw the new block. */
  private redraw(scrolled: string): void {
    if (this.stopped) return;
    const block = this.block();
    this.screen.write(`${this.erase()}${scrolled}${block.map((l) => `${l}\n`).join('')}`);
    this.drawn = block.length;
  }

  private erase(): string {
    return this.drawn > 0 ? `\x1b[${this.drawn}A\r\x1b[J` : '';
  }

  private colourLine(line: string): string {
    const c = this.c;
    return line
      .replace(/ GREEN /, ` ${c.green('GREEN')} `)
      .replace(/ YELLOW /, ` ${c.yellow('YELLOW')} `)
      .replace(/ RED /, ` ${c.red('RED')} `)
      .replace(/ ANOMALY (critical|warning|info) /, (_m, sev: string) => {
        const paint = sev === 'critical' ? c.red : sev === 'warning' ? c.yellow : c.cyan;
        return ` ${paint(`ANOMALY ${sev}`)} `;
      });
  }

  private block(): string[] {
    const { c, state: s } = this;
    const width = this.screen.columns();
    const elapsed = this.run.elapsedMs;
    const max = this.run.plan.run.maxDurationSec * 1000;
    const f = max > 0 ? elapsed / max : 0;
    const head = `${c.cyan(bar(f, BAR_CELLS))} ${formatDuration(elapsed)} / ${formatDuration(max)} ${String(Math.min(100, Math.round(f * 100))).padStart(3)}%  ${formatDuration(Math.max(0, max - elapsed))} left at most`;
    const a = s.alive();
    const p = s.lastPulse;
    const status = p
      ? (p.status === 'GREEN' ? c.green : p.status === 'YELLOW' ? c.yellow : c.red)(p.status)
      : '';
    const pulse = p
      ? `last pulse #${p.seq} ${p.phase === 'during' && p.burst ? `burst ${p.burst}` : p.phase} ${status} ${p.latencyClass} ${(p.latencyMs / 1000).toFixed(2)} s`
      : 'no pulse yet';
    const lines = [
      head,
      `targets alive ${a ? `${a.alive}/${a.of}` : 'n/a'}  ${pulse}  TES so far ${s.tes === null ? 'n/a' : s.tes.toFixed(1)}`,
      `host CPU ${pct(s.cpuPct)}  RAM ${pct(s.ramPct)}  anomalies ${s.anomalies ? c.yellow(String(s.anomalies)) : '0'}`,
    ];
    if (s.chaos)
      lines.push(
        `chaos wave ${s.chaos.wave}/${s.chaos.waves}  scenarios ${s.chaos.done}/${s.chaos.scenarios} done, ${s.chaos.recovered} recovered`,
      );
    // Lines are never wider than the terminal: a wrapped line would break the cursor-up count.
    return lines.map((l) => truncateLine(l, width - 1));
  }
}

/**
 * --csv FILE: a time series, one row per pulse and per resource sample, streamed as recorded.
 * `elapsed_ms` counts from the run's start; empty cells are values a row's kind does not have.
 */
import type { RunStreamEvent } from '../../model/api';
import type { RunMeta, RunOutput } from '../../run/output';
import { LineFile } from './stream-file';

export const CSV_COLUMNS = [
  'elapsed_ms',
  'time',
  'kind',
  'seq',
  'phase',
  'burst',
  'latency_ms',
  'class',
  'status',
  'tes',
  'targets_alive',
  'targets',
  'rtt_max_ms',
  'cpu_pct',
  'ram_pct',
  'gpu_pct',
  'load1',
  'engine_cpu_pct',
] as const;

type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

/** RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled. */
function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class CsvOutput implements RunOutput {
  readonly name: string;
  private out: LineFile | null = null;
  private startedAt = 0;

  constructor(readonly file: string) {
    this.name = `csv ${file}`;
  }

  start(meta: RunMeta): void {
    this.startedAt = meta.startedAt;
    this.out = new LineFile(this.file);
    this.out.write(CSV_COLUMNS.join(','));
  }

  add(e: RunStreamEvent): void {
    if (e.type === 'pulse') {
      const p = e.pulse;
      const rtts = p.targets.map((t) => t.rttMs).filter((x): x is number => x !== null);
      this.row(p.completedAt, {
        kind: 'pulse',
        seq: p.seq,
        phase: p.phase,
        burst: p.burst,
        latency_ms: Math.round(p.latencyMs),
        class: p.latencyClass,
        status: p.status,
        tes: p.tes,
        targets_alive: p.targets.filter((t) => t.alive).length,
        targets: p.targets.length,
        rtt_max_ms: rtts.length ? Math.max(...rtts) : null,
        cpu_pct: p.host?.cpuPct ?? null,
        ram_pct: p.host?.ramPct ?? null,
        gpu_pct: p.host?.gpuPct ?? null,
        load1: p.host?.load1 ?? null,
      });
    } else if (e.type === 'sample') {
      const s = e.sample;
      this.row(s.at, {
        kind: 'sample',
        targets: s.targets.length,
        cpu_pct: s.host.cpuPct,
        ram_pct: s.host.ramPct,
        gpu_pct: s.host.gpuPct,
        load1: s.host.load1,
        engine_cpu_pct: s.engineCpuPct,
      });
    }
  }

  async stop(): Promise<void> {
    const out = this.out;
    this.out = null;
    await out?.close();
  }

  private row(at: number, r: Row): void {
    const full: Row = { ...r, elapsed_ms: at - this.startedAt, time: new Date(at).toISOString() };
    this.out?.write(CSV_COLUMNS.map((c) => cell(full[c])).join(','));
  }
}

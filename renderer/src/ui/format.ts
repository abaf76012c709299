/** Display formatting shared by every screen. */

/** 3725000 -> "1:02:05"; under an hour "2:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function formatPct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(digits)}%`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Share of the planned duration that has passed, clamped to 0..100. */
export function progressPct(elapsedMs: number, maxDurationSec: number): number {
  if (!(maxDurationSec > 0)) return 0;
  return Math.min(100, Math.max(0, (elapsedMs / (maxDurationSec * 1000)) * 100));
}

/** "1 file", "2 files", "0 files"; `many` for irregular plurals ("1 anomaly", "2 anomalies"). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Time since the run started, as the CLI prints it: "+0:13", "+1:02:05". */
export function formatElapsed(at: number, startedAt: number): string {
  return `+${formatDuration(at - startedAt)}`;
}

/** A plan's time limit in a list: "45 s" under a minute and a half ("up to 0 min" said nothing), else minutes. */
export function formatLimit(sec: number): string {
  return sec < 90 ? `${Math.round(sec)} s` : `${Math.round(sec / 60)} min`;
}

/**
 * Fixed-rate health checks (pings through the target's input) for the baseline, the monitor that
 * runs during the waves and the command-burst scenario. Sends are open-loop: each goes out at
 * t0 + k x interval whether or not the previous one was answered, so a slow target cannot slow the
 * sender. Each answered ping is recorded twice into a LatencyRecorder: raw, and corrected for
 * coordinated omission against the fixed interval (both are reported).
 */
import type { Target } from '../../lab/target';
import type { LatencyRecorder } from '../../scoring/histogram';

export interface PingRun {
  sent: number;
  answered: number;
  /** Pings the target did not answer (stopped, busy past the timeout, or exited). */
  unanswered: number;
  /** Round trips in ms, in send order, answered pings only. */
  rttMs: number[];
  /** Summed lateness of our own sends against the fixed schedule (the engine's own stalls). */
  sendLagMs: number;
}

export interface PingOptions {
  ratePerSec: number;
  /** Stop after this many sends, or at `untilMs` (Date.now()), whichever is first. */
  count?: number;
  untilMs?: number;
  /** Per-ping answer timeout. */
  timeoutMs: number;
  recorder?: LatencyRecorder;
  stop?: () => boolean;
}

export async function pingAtFixedRate(target: Target, o: PingOptions): Promise<PingRun> {
  const intervalMs = 1000 / o.ratePerSec;
  const out: PingRun = { sent: 0, answered: 0, unanswered: 0, rttMs: [], sendLagMs: 0 };
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  const wallEnd = o.untilMs ?? Infinity;
  for (let k = 0; ; k++) {
    if (o.count !== undefined && k >= o.count) break;
    const due = t0 + k * intervalMs;
    const wait = due - performance.now();
    if (Date.now() + Math.max(0, wait) >= wallEnd || o.stop?.()) break;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else out.sendLagMs += -wait;
    out.sent++;
    const slot = k;
    pending.push(
      target.health(o.timeoutMs).then(
        (h) => {
          if (h.responsive === true && h.rttMs !== null) {
            out.answered++;
            out.rttMs[slot] = h.rttMs;
            o.recorder?.recordCorrected(h.rttMs * 1000, intervalMs * 1000);
          } else out.unanswered++;
        },
        () => {
          out.unanswered++;
        },
      ),
    );
  }
  await Promise.all(pending);
  out.rttMs = out.rttMs.filter((x) => x !== undefined);
  out.sendLagMs = Math.round(out.sendLagMs);
  return out;
}

import { memo, useMemo } from 'react';
import type { Pulse } from '../../../preload/contract';
import { formatDateTime, formatSeconds, plural } from '../ui/format';
import { PULSE_HEALTH_IS_NOT_THE_VERDICT, pulseHealth } from './pulse-health';

function pulseTitle(p: Pulse): string {
  const lines = [
    `#${p.seq} ${p.phase}${p.burst > 0 ? ` burst ${p.burst}` : ''} — ${p.latencyClass}, ${p.status}`,
    `latency ${formatSeconds(p.latencyMs)} (start lag ${p.startLagMs} ms)`,
    `planned ${formatDateTime(p.plannedAt)}`,
  ];
  if (p.tes !== null)
    lines.push(`TES ${p.tes.toFixed(1)}${p.tesDelta !== null ? ` (Δ ${p.tesDelta.toFixed(1)})` : ''}`);
  for (const r of p.reasons) lines.push(`• ${r}`);
  return lines.join('\n');
}

const PulseCell = memo(function PulseCell({ pulse }: { pulse: Pulse }) {
  return (
    <span
      className={`pulse-cell lat-${pulse.latencyClass}`}
      data-testid="pulse-cell"
      data-class={pulse.latencyClass}
      data-status={pulse.status}
      data-seq={pulse.seq}
      data-latency-ms={pulse.latencyMs}
      title={pulseTitle(pulse)}
    />
  );
});

/**
 * Cells drawn at most: a 24-hour run holds 10,000+ pulses, and one element each made every frame
 * slow (bench/console.ts). The counts still cover every pulse; older cells are summarised.
 */
export const MAX_PULSE_CELLS = 600;

/** One cell per recent pulse, coloured by latency class; the overall status is the latest pulse's. */
export const PulseStrip = memo(function PulseStrip({ pulses }: { pulses: Pulse[] }) {
  const latest = pulses[pulses.length - 1];
  const status = latest?.status ?? 'GREEN';
  const health = useMemo(() => pulseHealth(pulses), [pulses]);
  const counts = useMemo(() => {
    const c = { ok: 0, warning: 0, critical: 0, skipped: 0 };
    for (const p of pulses) c[p.latencyClass] += 1;
    return c;
  }, [pulses]);
  const hidden = Math.max(0, pulses.length - MAX_PULSE_CELLS);
  const shown = hidden ? pulses.slice(hidden) : pulses;
  return (
    <section
      className="panel"
      data-testid="pulse-strip"
      data-status={latest ? status : 'NONE'}
      data-pulses={pulses.length}
    >
      <h3>
        Pulse health{' '}
        {latest ? (
          <span className={`status status-${status}`} data-testid="pulse-status">
            {status}
          </span>
        ) : (
          <span className="muted">no pulse yet</span>
        )}
        <span className="muted small">
          {' '}
          {plural(pulses.length, 'pulse')} · ok {counts.ok} · warning {counts.warning} · critical{' '}
          {counts.critical} · skipped {counts.skipped}
        </span>
      </h3>
      <div className="pulse-cells">
        {hidden ? (
          <span className="muted small" data-testid="pulse-cells-hidden">
            {plural(hidden, 'earlier pulse')} counted above, not drawn ·{' '}
          </span>
        ) : null}
        {shown.map((p) => (
          <PulseCell key={p.seq} pulse={p} />
        ))}
      </div>
      {health.why !== null ? (
        <p className="small" data-testid="pulse-health-why">
          {health.earlier ? 'Last not GREEN: ' : ''}
          {health.why}
        </p>
      ) : null}
      <p className="muted small" data-testid="pulse-health-note">
        {PULSE_HEALTH_IS_NOT_THE_VERDICT}
      </p>
    </section>
  );
});

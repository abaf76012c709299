import { memo } from 'react';
import type { Coverage, Snapshot } from '../../../preload/contract';
import { formatDateTime, formatDuration, formatPct } from '../ui/format';
import { MAX_SLOT_CELLS, coverageSlots } from './coverage-slots';

export const CoverageTimeline = memo(function CoverageTimeline({
  coverage,
  snapshots,
}: {
  coverage: Coverage | null;
  snapshots: Snapshot[];
}) {
  const slots = coverageSlots(coverage, snapshots);
  const missing = slots.filter((s) => s.state === 'missing').length;
  const drawn = slots.length > MAX_SLOT_CELLS ? slots.slice(slots.length - MAX_SLOT_CELLS) : slots;
  return (
    <section
      className="panel offscreen-skip"
      data-testid="coverage-timeline"
      data-expected={coverage?.expected ?? 0}
      data-present={coverage?.present ?? snapshots.length}
      data-missing={missing}
    >
      <h3>
        Snapshot coverage{' '}
        <span className={coverage && coverage.missing.length > 0 ? 'bad' : 'good'}>
          {coverage
            ? `${coverage.present}/${coverage.expected} (${formatPct(coverage.pct)})`
            : 'no snapshot yet'}
        </span>
        {coverage ? <span className="muted small"> every {formatDuration(coverage.cadenceMs)}</span> : null}
      </h3>
      <div className="slot-cells">
        {drawn.map((s) => (
          <span
            key={s.slot}
            className={`slot-cell slot-${s.state}`}
            data-testid="coverage-slot"
            data-state={s.state}
            title={`slot ${s.slot}: ${s.state}`}
          />
        ))}
      </div>
      {coverage && coverage.missing.length > 0 ? (
        <ul className="small gaps">
          {coverage.missing.map((g, i) => (
            <li key={i}>
              gap {formatDateTime(g.from)} → {formatDateTime(g.to)} ({formatDuration(g.gapMs)},{' '}
              {g.missingSlots} missing)
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
});

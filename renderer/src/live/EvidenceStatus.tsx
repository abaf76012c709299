import type { LiveRun } from '../run/live-run';
import { useNow } from '../ui/useNow';
import { lastFileIo, probeClock, railViews } from './evidence-status';

/** The probe clock, the guard rails' progress toward tripping, and the last file-I/O figure. */
export function EvidenceStatus({ live }: { live: LiveRun }) {
  const now = useNow(live.run.status !== 'ended');
  const clock = probeClock(live, now);
  const rails = railViews(live);
  const io = lastFileIo(live);
  return (
    <section className="panel evidence-status" data-testid="evidence-status">
      <div data-testid="probe-clock" data-started-at={clock.startedAt ?? ''}>
        [{clock.text}]
      </div>
      {rails.map((r) => (
        <div key={r.metric} className="progress-row" data-testid="guard-rail" data-metric={r.metric}>
          <span>{r.text}</span>
          <progress max={100} value={r.pct} aria-label={`guard rail ${r.metric} toward tripping`} />
        </div>
      ))}
      <div data-testid="file-io">File I/O: {io ?? 'not measured yet'}</div>
    </section>
  );
}

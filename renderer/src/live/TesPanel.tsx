import type { TesScore } from '../../../preload/contract';

const PENALTY_KEYS = ['stability', 'velocity', 'footprint', 'compliance', 'coherence'] as const;

function penalties(t: TesScore): string {
  const parts = PENALTY_KEYS.filter((k) => t.penalties[k] > 0).map(
    (k) => `${k} −${t.penalties[k].toFixed(1)}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** TES for the probe first, then each agent, with drift class (seed 000 §4) and what cost points. */
export function TesPanel({ tes }: { tes: TesScore[] }) {
  const rows = [...tes].sort((a, b) =>
    a.subject === 'probe' ? -1 : b.subject === 'probe' ? 1 : a.subject.localeCompare(b.subject),
  );
  return (
    <section className="panel" data-testid="tes-panel">
      <h3>TES</h3>
      {rows.length === 0 ? (
        <p className="muted">No score yet.</p>
      ) : (
        <table className="dense">
          <thead>
            <tr>
              <th>Subject</th>
              <th>Score</th>
              <th>Drift</th>
              <th>Outcome</th>
              <th>Penalties</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr
                key={t.subject}
                data-testid="tes-row"
                data-subject={t.subject}
                data-drift={t.drift}
                className={t.subject === 'probe' ? 'strong' : undefined}
              >
                <td className="nowrap">{t.subject}</td>
                <td className="num">{t.score.toFixed(1)}</td>
                <td>
                  <span className={`badge drift-${t.drift}`}>{t.drift}</span>
                </td>
                <td>{t.outcome}</td>
                <td className="small">
                  {t.variant} · {penalties(t)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

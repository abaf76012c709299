import type { IntegrityCheck } from '../../../preload/contract';
import { formatDateTime } from '../ui/format';

const short = (h: string | null) => (h === null ? '—' : h.slice(0, 16));

function sentinelState(s: {
  sha256: string | null;
  baseline: string | null;
}): 'same' | 'changed' | 'missing' {
  if (s.sha256 === null) return 'missing';
  return s.sha256 === s.baseline ? 'same' : 'changed';
}

/** Governance hash against its baseline, each sentinel, and every file that changed. */
export function IntegrityPanel({ integrity }: { integrity: IntegrityCheck | null }) {
  if (integrity === null) {
    return (
      <section className="panel" data-testid="integrity-panel" data-ok="unknown">
        <h3>Integrity</h3>
        <p className="muted">No check yet.</p>
      </section>
    );
  }
  const govSame = integrity.governanceHash === integrity.baselineGovernanceHash;
  return (
    <section className="panel" data-testid="integrity-panel" data-ok={String(integrity.ok)}>
      <h3>
        Integrity{' '}
        <span className={integrity.ok ? 'badge good-bg' : 'badge bad-bg'}>
          {integrity.ok ? 'unchanged' : 'CHANGED'}
        </span>
        <span className="muted small"> checked {formatDateTime(integrity.at)}</span>
      </h3>
      <dl className="kv">
        <dt>Governance hash</dt>
        <dd>
          <code title={integrity.governanceHash ?? 'no governance folder'}>
            {short(integrity.governanceHash)}
          </code>{' '}
          {integrity.governanceHash === null && integrity.baselineGovernanceHash === null ? (
            <span className="muted">no governance folder</span>
          ) : govSame ? (
            <span className="good">matches baseline</span>
          ) : (
            <span className="bad">baseline {short(integrity.baselineGovernanceHash)}</span>
          )}
        </dd>
      </dl>
      {integrity.sentinels.length > 0 ? (
        <table className="dense">
          <thead>
            <tr>
              <th>Sentinel</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {integrity.sentinels.map((s) => {
              const st = sentinelState(s);
              return (
                <tr key={s.path} data-testid="sentinel-row" data-state={st}>
                  <td>
                    <code>{s.path}</code>
                  </td>
                  <td className={st === 'same' ? 'good' : 'bad'}>{st}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {integrity.changed.length > 0 ? (
        <div data-testid="integrity-changed">
          <strong className="bad">Changed files</strong>
          <ul className="small">
            {integrity.changed.map((f) => (
              <li key={f}>
                <code>{f}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

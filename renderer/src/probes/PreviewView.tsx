import type { RunPreview } from '../../../preload/contract';
import { formatDuration } from '../ui/format';

/** Exactly what will run, field by field, as the host resolved it. */
export function PreviewView({ preview }: { preview: RunPreview }) {
  const c = preview.cadences;
  const g = preview.guardRails;
  return (
    <div
      className="preview"
      data-testid="preview"
      data-plan-id={preview.planId}
      data-plan-hash={preview.planHash}
    >
      <h3>
        {preview.title} <span className="badge kind">{preview.kind}</span>
      </h3>
      <dl className="kv">
        <dt>Plan</dt>
        <dd>
          <code>{preview.planId}</code> · hash{' '}
          <code title={preview.planHash}>{preview.planHash.slice(0, 16)}</code>
        </dd>
        <dt>Max duration</dt>
        <dd data-testid="preview-duration">
          {formatDuration(preview.maxDurationSec * 1000)} ({preview.maxDurationSec} s)
        </dd>
        <dt>Pulses</dt>
        <dd>
          every {c.pulseEverySec} s; {c.burstCount} bursts {c.burstSpacingSec} s apart; {c.pulsesAfter} after
        </dd>
        <dt>Snapshots</dt>
        <dd>
          every {c.snapshotEverySec} s; resource sample every {c.sampleEveryMs} ms
        </dd>
        <dt>Guard rails</dt>
        <dd data-testid="preview-guard-rails">
          CPU {g.cpuPct}% · RAM {g.ramPct}% · GPU {g.gpuPct}% sustained over {g.windowSec} s
        </dd>
        <dt>Governance</dt>
        <dd>
          {preview.governance.folder === null ? (
            <span className="muted">no governance folder</span>
          ) : (
            <code>{preview.governance.folder}</code>
          )}
          {preview.governance.sentinels.length > 0 ? (
            <ul className="plain">
              {preview.governance.sentinels.map((s) => (
                <li key={s}>
                  sentinel <code>{s}</code>
                </li>
              ))}
            </ul>
          ) : null}
        </dd>
        <dt>Allowlist</dt>
        <dd data-testid="preview-allowlist">
          {preview.allowlist.length === 0 ? (
            <span className="muted">empty</span>
          ) : (
            preview.allowlist.map((a) => (
              <code key={a} className="chip">
                {a}
              </code>
            ))
          )}
        </dd>
      </dl>
      <table className="dense" data-testid="preview-targets">
        <thead>
          <tr>
            <th>Target</th>
            <th>Kind</th>
            <th>Command</th>
            <th>Args</th>
            <th>Count</th>
            <th>Resolved executable</th>
          </tr>
        </thead>
        <tbody>
          {preview.targets.map((t) => (
            <tr key={t.id} data-testid="preview-target" data-target-id={t.id}>
              <td>{t.id}</td>
              <td>{t.kind}</td>
              <td>
                <code>{t.command}</code>
              </td>
              <td>
                {t.args.map((a, i) => (
                  <code key={i} className="chip">
                    {a}
                  </code>
                ))}
              </td>
              <td className="num">{t.count}</td>
              <td>
                <code>{t.resolved}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {preview.lines.length > 0 ? (
        <details>
          <summary>As printed by the CLI</summary>
          <pre className="plain-lines">{preview.lines.join('\n')}</pre>
        </details>
      ) : null}
    </div>
  );
}

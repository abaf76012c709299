import type { RunPreview } from '../../../preload/contract';
import { formatDuration, plural } from '../ui/format';
import { escapeForDisplay as esc, shellQuote } from '../../../main/util/escape';
import './preview.css';

type Target = RunPreview['targets'][number];

/**
 * Exactly what will run, as the host resolved it: the targets (resolved command line, folder,
 * env the plan sets), the same escaped lines the CLI prints and the native dialog shows (the one
 * rendering a person confirms), and on the page the same field by field. Every value a plan chose
 * goes through esc/shellQuote, so control and bidi characters show as escapes. In the confirm
 * dialog the field list is left out: it repeats the lines, and it pushed the targets below the fold.
 */
export function PreviewView({ preview, inDialog = false }: { preview: RunPreview; inDialog?: boolean }) {
  return (
    <div
      className="preview"
      data-testid="preview"
      data-plan-id={preview.planId}
      data-plan-hash={preview.planHash}
    >
      <h3>
        {esc(preview.title)} <span className="badge kind">{preview.kind}</span>
      </h3>
      {preview.warnings.length > 0 ? (
        <ul className="plain warnings" data-testid="preview-warnings" role="alert">
          {preview.warnings.map((w) => (
            <li key={w}>
              <strong>{esc(w)}</strong>
            </li>
          ))}
        </ul>
      ) : null}
      {inDialog ? <TargetsTable targets={preview.targets} /> : null}
      <pre className="plain-lines" data-testid="preview-lines">
        {preview.lines.map(esc).join('\n')}
      </pre>
      {inDialog ? null : (
        <>
          <Fields preview={preview} />
          <TargetsTable targets={preview.targets} />
          <p data-testid="preview-containment">
            Containment: <span>{esc(`${preview.containment.label} (${preview.containment.detail})`)}</span>
          </p>
        </>
      )}
    </div>
  );
}

/** One row per target; long paths wrap inside their cell, so every column (env too) is in view. */
function TargetsTable({ targets }: { targets: Target[] }) {
  return (
    <table className="dense preview-targets" data-testid="preview-targets">
      <thead>
        <tr>
          <th>Target</th>
          <th className="num">Count</th>
          <th>Runs (resolved, shell-quoted)</th>
          <th>Working folder</th>
          <th>Env set by the plan</th>
        </tr>
      </thead>
      <tbody>
        {targets.map((t) => (
          <tr key={t.id} data-testid="preview-target" data-target-id={t.id}>
            <td>
              {esc(t.id)} <span className="muted small">{t.kind}</span>
            </td>
            <td className="num">{t.count}</td>
            <td>
              <code>{esc(t.resolved)}</code>
            </td>
            <td>
              <code>{esc(t.cwd)}</code>
            </td>
            <td data-testid="preview-target-env">
              {Object.keys(t.env).length === 0 ? (
                <span className="muted">none (base env only)</span>
              ) : (
                Object.entries(t.env).map(([k, v]) => (
                  <code key={k} className="chip">
                    {esc(k)}={shellQuote(v)}
                  </code>
                ))
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Fields({ preview }: { preview: RunPreview }) {
  const c = preview.cadences;
  const g = preview.guardRails;
  return (
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
        every {c.pulseEverySec} s; {plural(c.burstCount, 'burst')} {c.burstSpacingSec} s apart;{' '}
        {c.pulsesAfter} after
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
          <code>{esc(preview.governance.folder)}</code>
        )}
        {preview.governance.sentinels.length > 0 ? (
          <ul className="plain">
            {preview.governance.sentinels.map((s) => (
              <li key={s}>
                sentinel <code>{esc(s)}</code>
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
              {shellQuote(a)}
            </code>
          ))
        )}
      </dd>
    </dl>
  );
}

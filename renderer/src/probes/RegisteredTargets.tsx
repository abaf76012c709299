/**
 * What Settings registers, beside the plan editor: the names a plan may use as a target's
 * `command` (and in its allowlist), and whether `image: "registered"` has a kernel to boot.
 */
import { useLabQuery } from '../api/queries';

export function RegisteredTargets() {
  const settings = useLabQuery('settings.get', {});
  const s = settings.data;
  if (!s) return null;
  return (
    <details className="registered small" data-testid="registered-targets">
      <summary>
        Registered in Settings: {s.agents.length} agent(s)
        {s.labKernel.kernel ? ', a lab kernel' : ''}
      </summary>
      {s.agents.length === 0 ? (
        <p className="muted">No agents registered: add them in Settings to name them here.</p>
      ) : (
        <ul>
          {s.agents.map((a, i) => (
            <li key={`${a.name}-${i}`} data-testid="registered-agent">
              <code>&quot;command&quot;: &quot;{a.name}&quot;</code> runs <code>{a.command}</code> (list{' '}
              <code>{a.name}</code> in the allowlist)
            </li>
          ))}
        </ul>
      )}
      <p className="muted">
        {s.labKernel.kernel ? (
          <>
            A lab-kernel target with <code>&quot;image&quot;: &quot;registered&quot;</code> boots{' '}
            <code>{s.labKernel.kernel}</code>
            {s.labKernel.initrd ? (
              <>
                {' '}
                with <code>{s.labKernel.initrd}</code>
              </>
            ) : null}
            .
          </>
        ) : (
          <>
            No lab kernel registered: <code>&quot;image&quot;: &quot;registered&quot;</code> is refused.
          </>
        )}
      </p>
    </details>
  );
}

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Settings } from '../../../preload/contract';
import { labKey, useLabMutation, useLabQuery } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';

const emptyToNull = (s: string) => (s.trim() === '' ? null : s.trim());

export function SettingsScreen() {
  const queryClient = useQueryClient();
  const settings = useLabQuery('settings.get', {});
  const [draft, setDraft] = useState<Settings | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useLabMutation('settings.set', {
    onSuccess: (s) => {
      queryClient.setQueryData(labKey('settings.get', {}), s);
      setDraft(s);
      setSaved(true);
    },
  });

  useEffect(() => {
    if (settings.data !== undefined && draft === null) setDraft(settings.data);
  }, [settings.data, draft]);

  const edit = (patch: Partial<Settings>) => {
    setSaved(false);
    setDraft((d) => (d === null ? d : { ...d, ...patch }));
  };

  return (
    <div className="screen settings">
      <h2>Settings</h2>
      <ErrorBanner error={settings.error} title="settings.get" />
      <Working active={settings.isPending} />
      {draft === null ? null : (
        <form
          className="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({
              reportFolder: draft.reportFolder,
              agents: draft.agents.filter((a) => a.name.trim() !== '' || a.command.trim() !== ''),
              labKernel: {
                kernel: emptyToNull(draft.labKernel.kernel ?? ''),
                initrd: emptyToNull(draft.labKernel.initrd ?? ''),
              },
            });
          }}
        >
          <fieldset>
            <legend>Reports</legend>
            <label>
              Report folder
              <input
                data-testid="settings-report-folder"
                value={draft.reportFolder}
                onChange={(e) => edit({ reportFolder: e.target.value })}
                spellCheck={false}
              />
            </label>
            <EffectiveFolder effective={settings.data?.effective} />
          </fieldset>
          <fieldset data-testid="settings-agents">
            <legend>Registered agents</legend>
            <p className="muted small">
              A plan names an agent here as a target&apos;s <code>command</code> and in its allowlist; the
              command is an executable path or a name on PATH.
            </p>
            {draft.agents.map((a, i) => (
              <div className="agent-row" key={i} data-testid="settings-agent-row">
                <input
                  aria-label="agent name"
                  placeholder="name"
                  value={a.name}
                  data-testid={`settings-agent-name-${i}`}
                  onChange={(e) =>
                    edit({
                      agents: draft.agents.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)),
                    })
                  }
                />
                <input
                  aria-label="agent command"
                  placeholder="command"
                  className="wide"
                  value={a.command}
                  spellCheck={false}
                  data-testid={`settings-agent-command-${i}`}
                  onChange={(e) =>
                    edit({
                      agents: draft.agents.map((x, j) => (j === i ? { ...x, command: e.target.value } : x)),
                    })
                  }
                />
                <button
                  type="button"
                  onClick={() => edit({ agents: draft.agents.filter((_, j) => j !== i) })}
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              data-testid="settings-agent-add"
              onClick={() => edit({ agents: [...draft.agents, { name: '', command: '' }] })}
            >
              Add agent
            </button>
          </fieldset>
          <fieldset>
            <legend>Lab kernel</legend>
            <p className="muted small">
              Booted by lab-kernel targets with <code>&quot;image&quot;: &quot;registered&quot;</code>; plans
              without it boot the bundled kernel.
            </p>
            <label>
              Kernel image
              <input
                data-testid="settings-kernel"
                value={draft.labKernel.kernel ?? ''}
                placeholder="(none registered)"
                spellCheck={false}
                onChange={(e) => edit({ labKernel: { ...draft.labKernel, kernel: e.target.value } })}
              />
            </label>
            <label>
              Initrd
              <input
                data-testid="settings-initrd"
                value={draft.labKernel.initrd ?? ''}
                placeholder="(none registered)"
                spellCheck={false}
                onChange={(e) => edit({ labKernel: { ...draft.labKernel, initrd: e.target.value } })}
              />
            </label>
          </fieldset>
          <div className="button-row">
            <button type="submit" className="primary" data-testid="settings-save" disabled={save.isPending}>
              Save settings
            </button>
            <Working active={save.isPending} />
            {saved ? (
              <span className="good" data-testid="settings-saved">
                Saved.
              </span>
            ) : null}
          </div>
          <ErrorBanner error={save.error} title="settings.set" />
        </form>
      )}
    </div>
  );
}

/** Where reports go now: the folder above, unless the console was started with --reports. */
function EffectiveFolder({ effective }: { effective: Settings['effective'] }) {
  if (!effective) return null;
  return (
    <p className="muted small" data-testid="settings-effective-folder">
      Reports go to <code>{effective.reportFolder}</code>
      {effective.overriddenBy ? (
        <strong className="warn" data-testid="settings-folder-overridden">
          {' '}
          (overridden by {effective.overriddenBy}: the folder above applies without it)
        </strong>
      ) : (
        ' (the CLI, this console and History share it; a change applies at once)'
      )}
    </p>
  );
}

/**
 * One plan (or a new one, when planId is null): its text in an editor, schema problems shown inline as the person types (debounced
 * `plans.check`), Save, and "Review and start", which shows the host's preview of exactly what
 * will run before anything starts.
 */
import { keepPreviousData, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { InvokeInput, RunPreview, StartAnswer } from '../../../preload/contract';
import { labKey, useLabMutation, useLabQuery } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { ConfirmDialog } from './ConfirmDialog';
import { PreviewView } from './PreviewView';
import { RegisteredTargets } from './RegisteredTargets';
import { NEW_PLAN_TEXT } from './new-plan';
import { useDebounced } from './useDebounced';

/** Typing pauses this long before the text is checked. */
const CHECK_DEBOUNCE_MS = 300;

type PlanRef = InvokeInput<'runs.preview'>['plan'];
type Challenge = Extract<StartAnswer, { kind: 'challenge' }>;

export function PlanEditor({
  planId,
  onSaved,
  onStarted,
}: {
  planId: string | null;
  onSaved: (id: string) => void;
  onStarted: (runId: string) => void;
}) {
  const queryClient = useQueryClient();
  const plan = useLabQuery(
    'plans.get',
    { id: planId ?? '' },
    { staleTime: Infinity, enabled: planId !== null },
  );
  const [text, setText] = useState<string | null>(planId === null ? NEW_PLAN_TEXT : null);
  const [reviewed, setReviewed] = useState<{ ref: PlanRef; preview: RunPreview } | null>(null);
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (plan.data !== undefined && text === null) setText(plan.data.text);
  }, [plan.data, text]);

  const current = text ?? '';
  const dirty = planId === null || (plan.data !== undefined && text !== null && text !== plan.data.text);
  const debounced = useDebounced(current, CHECK_DEBOUNCE_MS);
  const check = useLabQuery(
    'plans.check',
    { text: debounced },
    // Not the empty string the debounce still holds for a moment after a plan loads: checking it
    // flashed "expected object, received null" under a valid plan.
    {
      enabled: text !== null && !(debounced === '' && current !== ''),
      placeholderData: keepPreviousData,
      staleTime: Infinity,
      gcTime: 30_000,
    },
  );

  const save = useLabMutation('plans.save', {
    onSuccess: (summary, input) => {
      // What was saved is what the editor holds: make it the clean state without a refetch race.
      queryClient.setQueryData(labKey('plans.get', { id: summary.id }), { summary, text: input.text });
      void queryClient.invalidateQueries({ queryKey: ['plans.list'] });
      setNotice(`Saved as ${summary.id} (${summary.path}).`);
      if (summary.id !== planId) onSaved(summary.id);
    },
  });
  const preview = useLabMutation('runs.preview');
  const start = useLabMutation('runs.requestStart', {
    onSuccess: (answer) => {
      if (answer.kind === 'started') onStarted(answer.runId);
      else if (answer.kind === 'declined') setNotice('The start was declined: nothing ran.');
      else setChallenge(answer);
    },
  });

  const planRef: PlanRef = dirty || planId === null ? { text: current } : { id: planId };
  const review = () => {
    setNotice(null);
    start.reset();
    preview.mutate({ plan: planRef }, { onSuccess: (p) => setReviewed({ ref: planRef, preview: p }) });
  };

  return (
    <div className="plan-editor-wrap">
      <ErrorBanner error={plan.error} title="plans.get" />
      <div className="editor-head">
        <h2>{planId === null ? 'New plan' : (plan.data?.summary.title ?? planId)}</h2>
        {plan.data ? <span className="muted small">{plan.data.summary.path}</span> : null}
        {dirty ? <span className="badge warn-bg">unsaved edits</span> : null}
      </div>
      <textarea
        className="plan-editor"
        data-testid="plan-editor"
        value={current}
        disabled={text === null}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        aria-label="plan text"
        onChange={(e) => {
          setText(e.target.value);
          setReviewed(null);
        }}
      />
      <PlanIssues
        check={check.data}
        error={check.error}
        checking={check.isFetching || debounced !== current}
      />
      <RegisteredTargets />
      <div className="button-row">
        <button
          type="button"
          data-testid="plan-save"
          disabled={text === null || save.isPending}
          onClick={() => save.mutate({ text: current })}
        >
          Save
        </button>
        <button
          type="button"
          className="primary"
          data-testid="review-start"
          disabled={text === null || preview.isPending}
          onClick={review}
        >
          Review and start
        </button>
        <Working active={save.isPending || preview.isPending || (planId !== null && plan.isPending)} />
      </div>
      <ErrorBanner error={save.error} title="plans.save" />
      <ErrorBanner error={preview.error} title="runs.preview" />
      {notice ? (
        <p
          className="notice"
          data-testid={notice.startsWith('The start was declined') ? 'start-declined' : 'plan-notice'}
        >
          {notice}
        </p>
      ) : null}
      {reviewed ? (
        <section className="panel review">
          <PreviewView preview={reviewed.preview} />
          <div className="button-row">
            <button
              type="button"
              className="danger"
              data-testid="start-button"
              disabled={start.isPending}
              onClick={() => start.mutate({ plan: reviewed.ref })}
            >
              Start
            </button>
            <Working active={start.isPending} label="waiting for confirmation…" />
          </div>
          <ErrorBanner error={start.error} title="runs.requestStart" />
        </section>
      ) : null}
      {challenge ? (
        <ConfirmDialog
          challenge={challenge}
          onCancel={() => setChallenge(null)}
          onStarted={(runId) => {
            setChallenge(null);
            onStarted(runId);
          }}
        />
      ) : null}
    </div>
  );
}

function PlanIssues({
  check,
  error,
  checking,
}: {
  check: { valid: boolean; issues: { path: string; code: string; message: string }[] } | undefined;
  error: unknown;
  checking: boolean;
}) {
  return (
    <div
      className="plan-issues"
      data-testid="plan-issues"
      data-valid={check ? String(check.valid) : 'unknown'}
      data-count={check?.issues.length ?? 0}
    >
      <ErrorBanner error={error} title="plans.check" />
      {check === undefined ? (
        <span className="muted small">checking…</span>
      ) : check.issues.length === 0 ? (
        <span className="good small">{check.valid ? 'The plan is valid.' : 'The plan is not valid.'}</span>
      ) : (
        <ul className="issues">
          {check.issues.map((i, n) => (
            <li key={n} data-testid="plan-issue" data-path={i.path} data-code={i.code}>
              <code>{i.path || '(root)'}</code> <code className="error-code">{i.code}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
      {checking ? <span className="muted small"> (checking)</span> : null}
    </div>
  );
}

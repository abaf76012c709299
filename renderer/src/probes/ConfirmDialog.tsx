/**
 * Browser mode's confirmation: the person types the plan id, and the server checks it. An in-page
 * modal, because the page cannot show a native dialog the host would trust.
 */
import { useEffect, useRef, useState } from 'react';
import type { StartAnswer } from '../../../preload/contract';
import { useLabMutation } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { useNow } from '../ui/useNow';
import { PreviewView } from './PreviewView';

type Challenge = Extract<StartAnswer, { kind: 'challenge' }>;

export function ConfirmDialog({
  challenge,
  onStarted,
  onCancel,
}: {
  challenge: Challenge;
  onStarted: (runId: string) => void;
  onCancel: () => void;
}) {
  const [typed, setTyped] = useState('');
  const answer = useLabMutation('runs.answerChallenge', { onSuccess: (r) => onStarted(r.runId) });
  const input = useRef<HTMLInputElement | null>(null);
  const now = useNow(true);
  const secondsLeft = Math.max(0, Math.round((challenge.expiresAt - now) / 1000));

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);

  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        data-testid="confirm-dialog"
      >
        <h2 id="confirm-title">Confirm the start</h2>
        <div className="modal-body">
          <PreviewView preview={challenge.preview} />
        </div>
        <form
          className="confirm-form"
          onSubmit={(e) => {
            e.preventDefault();
            answer.mutate({ challengeId: challenge.challengeId, typedPlanId: typed });
          }}
        >
          <label>
            <span>
              Type the plan id <code data-testid="confirm-plan-id">{challenge.planId}</code> to start it
            </span>
            <input
              ref={input}
              data-testid="confirm-input"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              maxLength={128}
            />
          </label>
          <span className={secondsLeft > 0 ? 'muted small' : 'bad small'} data-testid="confirm-expiry">
            {secondsLeft > 0 ? `expires in ${secondsLeft} s` : 'expired: cancel and start again'}
          </span>
          <ErrorBanner error={answer.error} title="runs.answerChallenge" />
          <div className="button-row">
            <button
              type="submit"
              className="danger"
              data-testid="confirm-submit"
              disabled={typed.length === 0 || answer.isPending}
            >
              Start the run
            </button>
            <button type="button" data-testid="confirm-cancel" onClick={onCancel}>
              Cancel
            </button>
            <Working active={answer.isPending} />
          </div>
        </form>
      </div>
    </div>
  );
}

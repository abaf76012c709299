/**
 * Browser mode's confirmation: the person types the plan id, and the server checks it. An in-page
 * modal, because the page cannot show a native dialog the host would trust. What will run comes
 * first and fills the dialog; when it is taller than the screen, Start stays disabled until its
 * end has been scrolled into view, so nobody confirms a run whose targets they never saw.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { StartAnswer } from '../../../preload/contract';
import { useLabMutation } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { useNow } from '../ui/useNow';
import { PreviewView } from './PreviewView';

type Challenge = Extract<StartAnswer, { kind: 'challenge' }>;

/** Sub-pixel rounding leaves scrollTop a pixel or two short of the end on some zoom levels. */
const SEEN_SLACK_PX = 4;

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
  const body = useRef<HTMLDivElement | null>(null);
  const [seenAll, setSeenAll] = useState(false);
  const checkSeen = useCallback(() => {
    const b = body.current;
    if (b && b.scrollTop + b.clientHeight >= b.scrollHeight - SEEN_SLACK_PX) setSeenAll(true);
  }, []);
  // Content that fits counts as seen at once; a resize (a larger window) can also bring the end in.
  useLayoutEffect(checkSeen, [checkSeen]);
  useEffect(() => {
    window.addEventListener('resize', checkSeen);
    return () => window.removeEventListener('resize', checkSeen);
  }, [checkSeen]);
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
        <div
          className="modal-body"
          ref={body}
          onScroll={checkSeen}
          tabIndex={0}
          aria-label="what will run"
          data-testid="confirm-body"
          data-seen-all={String(seenAll)}
        >
          <PreviewView preview={challenge.preview} inDialog />
        </div>
        <form
          className="confirm-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!seenAll) return;
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
          {seenAll ? null : (
            <span className="confirm-gate small" data-testid="confirm-gate">
              Scroll what will run (above) to its end to enable Start.
            </span>
          )}
          <ErrorBanner error={answer.error} title="runs.answerChallenge" />
          <div className="button-row">
            <button
              type="submit"
              className="danger"
              data-testid="confirm-submit"
              disabled={!seenAll || typed.length === 0 || answer.isPending}
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

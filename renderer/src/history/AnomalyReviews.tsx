/**
 * Seed 000 §5 in History: each anomaly of a report with what the report says around it (the pulse
 * that caught it, the governance hash then, the snapshot fields that changed), the reviews recorded
 * so far (only those verify accepted), and a form to record one. Every text here comes from the
 * report or a reviewer and is rendered as text, never as HTML.
 */
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ReviewEntry, ReviewVerdict, VerifyResult } from '../../../preload/contract';
import { labKey, useLabMutation } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import './review-form.css';

interface Context {
  id: string;
  code: string;
  severity: string;
  caughtBy: { seq: number; phase: string; latencyMs: number } | null;
  governance: { ok: boolean; hash: string | null; pulseSeq: number | null } | null;
  changes: { field: string; before: unknown; after: unknown }[];
}

/** The server's limit (NOTE_MAX_CHARS in main/reports/review-addendum.ts), enforced here as you type. */
const NOTE_MAX = 2000;
/** Room for a paragraph: the note is the reviewer's reasoning, which a one-line input clipped. */
const NOTE_ROWS = 4;

const VERDICTS: { value: ReviewVerdict; label: string }[] = [
  { value: 'expected', label: 'expected' },
  { value: 'needs-work', label: 'needs work' },
  { value: 'false-alarm', label: 'false alarm' },
];

/** The report JSON's per-anomaly section, or nothing for a report written before it existed. */
function contexts(json: unknown): Context[] {
  const list = (json as { anomalyReview?: unknown } | null)?.anomalyReview;
  return Array.isArray(list) ? (list as Context[]) : [];
}

export function AnomalyReviews({
  reportPath,
  json,
  verification,
}: {
  reportPath: string;
  json: unknown;
  verification: VerifyResult;
}) {
  const items = contexts(json);
  const reviews = verification.reviews?.ok ? verification.reviews.list : [];
  return (
    <div className="anomaly-reviews" data-testid="anomaly-reviews">
      <h4>Anomaly review (seed 000 §5)</h4>
      {verification.reviews && !verification.reviews.ok ? (
        <p className="bad" data-testid="reviews-invalid">
          Reviews do not verify: {verification.reviews.detail}
        </p>
      ) : null}
      {items.length === 0 ? <p className="muted">No anomaly in this run.</p> : null}
      {items.map((c) => (
        <div key={c.id} className="anomaly-review" data-testid="anomaly-review" data-anomaly={c.id}>
          <div>
            <strong>{c.id}</strong> <span className="badge">{c.severity}</span> <code>{c.code}</code>
          </div>
          <div className="small">
            {c.caughtBy
              ? `caught by pulse ${c.caughtBy.seq} (${c.caughtBy.phase}, ${c.caughtBy.latencyMs} ms)`
              : 'no pulse after it'}
            {' · governance '}
            {c.governance ? (
              <span className={c.governance.ok ? 'good' : 'bad'}>{c.governance.ok ? 'ok' : 'CHANGED'}</span>
            ) : (
              'not checked'
            )}
            {' · '}
            {c.changes.length} snapshot field(s) changed
            {c.changes.length ? `: ${c.changes.map((x) => x.field).join(', ')}` : ''}
          </div>
          <ReviewList reviews={reviews.filter((r) => r.anomaly === c.id)} />
          <ReviewForm reportPath={reportPath} anomaly={c.id} />
        </div>
      ))}
      <div className="anomaly-review" data-testid="anomaly-review" data-anomaly="run">
        <strong>The run as a whole</strong>
        <ReviewList reviews={reviews.filter((r) => r.anomaly === null)} />
        <ReviewForm reportPath={reportPath} anomaly={null} />
      </div>
    </div>
  );
}

function ReviewList({ reviews }: { reviews: ReviewEntry[] }) {
  if (!reviews.length) return <div className="muted small">not reviewed yet</div>;
  return (
    <ul className="plain small">
      {reviews.map((r) => (
        <li key={r.seq} data-testid="review-entry">
          <span className="badge">{r.verdict}</span> by {r.by}, {new Date(r.at).toLocaleString()} (ledger
          record {r.seq}): <span className="review-note-text">{r.note}</span>
        </li>
      ))}
    </ul>
  );
}

function ReviewForm({ reportPath, anomaly }: { reportPath: string; anomaly: string | null }) {
  const [verdict, setVerdict] = useState<ReviewVerdict>('expected');
  const [note, setNote] = useState('');
  const queryClient = useQueryClient();
  const review = useLabMutation('reports.review', {
    onSuccess: (answer) => {
      setNote('');
      queryClient.setQueryData(labKey('reports.open', { reportPath }), (old: unknown) =>
        old ? { ...(old as object), verification: answer.verification } : old,
      );
      void queryClient.invalidateQueries({ queryKey: labKey('reports.list') });
    },
  });
  return (
    <form
      className="review-form"
      data-testid="review-form"
      onSubmit={(e) => {
        e.preventDefault();
        review.mutate({ reportPath, anomaly, verdict, note });
      }}
    >
      <label className="review-note-label">
        <span>
          Note{' '}
          <span className="muted small">what you checked and concluded, up to {NOTE_MAX} characters</span>
        </span>
        <textarea
          aria-label="note"
          data-testid="review-note"
          rows={NOTE_ROWS}
          placeholder="e.g. pulse 3 was slow while worker-2 restarted; the restart was planned"
          maxLength={NOTE_MAX}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          onKeyDown={(e) => {
            // Enter makes a new line in a note; Ctrl/Cmd+Enter records it, as in most review tools.
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
          }}
        />
      </label>
      <div className="button-row">
        <label className="review-verdict-label">
          Verdict{' '}
          <select
            aria-label="verdict"
            data-testid="review-verdict"
            value={verdict}
            onChange={(e) => setVerdict(e.target.value as ReviewVerdict)}
          >
            {VERDICTS.map((v) => (
              <option key={v.value} value={v.value}>
                {v.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="review-record" disabled={review.isPending || note.trim() === ''}>
          Record review
        </button>
        <span className="muted small">
          {note.length} / {NOTE_MAX}
        </span>
      </div>
      <Working active={review.isPending} label="recording…" />
      <ErrorBanner error={review.error} title="reports.review" />
    </form>
  );
}

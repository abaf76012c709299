import { useState } from 'react';
import type { PlanSummary } from '../../../preload/contract';
import { useLabQuery } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatLimit } from '../ui/format';
import { Working } from '../ui/Working';
import { PlanEditor } from './PlanEditor';

export function ProbesScreen({
  planId,
  onSelect,
  onStarted,
}: {
  planId: string | null;
  onSelect: (id: string) => void;
  onStarted: (runId: string) => void;
}) {
  const plans = useLabQuery('plans.list', {});
  // A new plan is a draft until it is saved; then it has an id and an address like any other.
  const [drafting, setDrafting] = useState(false);
  const select = (id: string) => {
    setDrafting(false);
    onSelect(id);
  };
  return (
    <div className="screen probes">
      <aside className="plan-list">
        <div className="screen-head">
          <h2>Probes</h2>
          <button type="button" data-testid="plan-new" onClick={() => setDrafting(true)} disabled={drafting}>
            New plan
          </button>
        </div>
        <ErrorBanner error={plans.error} title="plans.list" />
        <Working active={plans.isFetching} />
        <ul className="plain">
          {(plans.data ?? []).map((p) => (
            <PlanItem key={p.id} plan={p} selected={!drafting && p.id === planId} onSelect={select} />
          ))}
        </ul>
        {plans.data && plans.data.length === 0 ? <p className="muted">No plans found.</p> : null}
      </aside>
      <section className="plan-detail">
        {drafting ? (
          <PlanEditor key="(new)" planId={null} onSaved={select} onStarted={onStarted} />
        ) : planId === null ? (
          <p className="muted">Select a plan to read, edit, review and start it, or write a new one.</p>
        ) : (
          <PlanEditor key={planId} planId={planId} onSaved={select} onStarted={onStarted} />
        )}
      </section>
    </div>
  );
}

function PlanItem({
  plan,
  selected,
  onSelect,
}: {
  plan: PlanSummary;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  return (
    <li>
      <button
        type="button"
        className={`plan-item${selected ? ' selected' : ''}`}
        data-testid={`plan-item-${plan.id}`}
        aria-pressed={selected}
        onClick={() => onSelect(plan.id)}
        title={plan.description}
      >
        <span className="plan-title">{plan.title}</span>
        <span className={`badge kind kind-${plan.kind}`} data-testid="plan-kind">
          {plan.kind}
        </span>
        <span className="muted small">
          {plan.id} · {plan.source} · up to {formatLimit(plan.maxDurationSec)}
        </span>
      </button>
    </li>
  );
}

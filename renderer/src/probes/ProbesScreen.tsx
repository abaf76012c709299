import type { PlanSummary } from '../../../preload/contract';
import { useLabQuery } from '../api/queries';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Working } from '../ui/Working';
import { PlanEditor } from './PlanEditor';

export function ProbesScreen({ planId, onSelect, onStarted }: { planId: string | null; onSelect: (id: string) => void; onStarted: (runId: string) => void }) {
  const plans = useLabQuery('plans.list', {});
  return (
    <div className="screen probes">
      <aside className="plan-list">
        <h2>Probes</h2>
        <ErrorBanner error={plans.error} title="plans.list" />
        <Working active={plans.isFetching} />
        <ul className="plain">
          {(plans.data ?? []).map((p) => (
            <PlanItem key={p.id} plan={p} selected={p.id === planId} onSelect={onSelect} />
          ))}
        </ul>
        {plans.data && plans.data.length === 0 ? <p className="muted">No plans found.</p> : null}
      </aside>
      <section className="plan-detail">
        {planId === null ? (
          <p className="muted">Select a plan to read, edit, review and start it.</p>
        ) : (
          <PlanEditor key={planId} planId={planId} onSaved={onSelect} onStarted={onStarted} />
        )}
      </section>
    </div>
  );
}

function PlanItem({ plan, selected, onSelect }: { plan: PlanSummary; selected: boolean; onSelect: (id: string) => void }) {
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
          {plan.id} · {plan.source} · up to {Math.round(plan.maxDurationSec / 60)} min
        </span>
      </button>
    </li>
  );
}

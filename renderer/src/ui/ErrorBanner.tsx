import type { CodedErrorDto } from '../../../preload/contract';
import { toErrorDto } from '../api/queries';

/** An engine or transport error exactly as given: code, message and every issue. */
export function ErrorBanner(props: { error: unknown; title?: string; onDismiss?: () => void }) {
  if (props.error === null || props.error === undefined) return null;
  const e: CodedErrorDto = toErrorDto(props.error);
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-code={e.code}>
      <div>
        {props.title ? <strong>{props.title}: </strong> : null}
        <code className="error-code">{e.code}</code> <span className="error-message">{e.message}</span>
        {props.onDismiss ? (
          <button type="button" className="link-button" onClick={props.onDismiss}>
            dismiss
          </button>
        ) : null}
      </div>
      {e.issues && e.issues.length > 0 ? (
        <ul className="issues">
          {e.issues.map((i, n) => (
            <li key={n}>
              <code>{i.path || '(root)'}</code> <code>{i.code}</code> {i.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * Agent output, one pane per target. Output is untrusted: it is drawn as a text node inside a
 * <pre>, never parsed as HTML and never linkified, so a hostile link is just characters. After a
 * redraw the drawn characters are acknowledged to the host in one `output.ack` per target.
 * The agents' `@lab {…}` protocol lines are hidden by default (a toggle shows them): they are for
 * the host, and a heartbeat every second buried what the agent itself wrote.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { getConnection, getLab } from '../api/lab';
import { call } from '../api/queries';
import { OutputStore, tailChunks, type OutputChunk } from '../run/output-buffer';
import { chunkHeads, hideProtocolLines } from '../run/protocol-lines';
import { ErrorBanner } from '../ui/ErrorBanner';
import { frameJobKey, frameJobs } from '../ui/frame-jobs';
import { plural } from '../ui/format';
import type { TargetState } from '../../../preload/contract';

/**
 * Drawn characters are acknowledged at most this often: one small request per target per tick
 * instead of one per frame, still well under the host's pause watermark at flood rates.
 */
const ACK_EVERY_MS = 100;

/**
 * Panes redraw at most this often, on an animation frame. Measured with a flooding agent in a
 * software-rendered window, redrawing every frame kept the main thread ~90% busy with painting;
 * at this rate the flood costs a small fraction of it and still reads as live.
 */
const OUTPUT_REDRAW_MS = 200;
/** After OUTPUT_REDRAW_MS, a redraw in the page's frame jobs (never in the same frame as a chart). */
function frameSchedule(): (cb: () => void) => void {
  const key = frameJobKey('output');
  return (cb) => void window.setTimeout(() => frameJobs().run(key, cb), OUTPUT_REDRAW_MS);
}

/** Output for one run; reseeded from the host's tails each time its state is (re)fetched. */
export function useOutputStore(
  runId: string,
  tails: { targetId: string; tail: string }[] | null,
  fetchedAt: number,
): OutputStore {
  const [store] = useState(() => new OutputStore(frameSchedule()));
  const seededAt = useRef(0);
  useEffect(
    () =>
      getLab().onOutput((b) => {
        if (b.runId === runId) store.append(b.targetId, b.data);
      }),
    [runId, store],
  );
  useEffect(() => {
    if (tails !== null && fetchedAt !== seededAt.current) {
      seededAt.current = fetchedAt;
      store.seed(tails);
    }
  }, [tails, fetchedAt, store]);
  return store;
}

/** Memoised: the live state's flushes re-render the screen four times a second; output has its own clock. */
export const OutputPanes = memo(function OutputPanes({
  runId,
  store,
  targets,
}: {
  runId: string;
  store: OutputStore;
  targets: TargetState[];
}) {
  const version = useSyncExternalStore(store.subscribe, store.getVersion);
  const [ackError, setAckError] = useState<unknown>(null);
  const [showProtocol, setShowProtocol] = useState(false);

  const drawn = useRef(new Map<string, number>());

  // Runs after each redraw: what was appended up to now has been drawn.
  useEffect(() => {
    for (const { targetId, chars } of store.takeUnacked())
      drawn.current.set(targetId, (drawn.current.get(targetId) ?? 0) + chars);
  }, [version, store]);

  useEffect(() => {
    const flush = () => {
      for (const [targetId, chars] of drawn.current)
        call('output.ack', { runId, targetId, chars }).catch(setAckError);
      drawn.current.clear();
    };
    const timer = window.setInterval(flush, ACK_EVERY_MS);
    return () => {
      window.clearInterval(timer);
      flush();
    };
  }, [runId]);

  const connection = getConnection();
  const { outputDropped } = useSyncExternalStore(connection.subscribe, connection.get);
  const ids = [...new Set([...targets.map((t) => t.targetId), ...store.shownTargetIds()])];
  const stateOf = new Map(targets.map((t) => [t.targetId, t]));
  return (
    <section className="panel output-section offscreen-skip">
      <h3>
        Agent output{' '}
        <label className="small muted inline-toggle">
          <input
            type="checkbox"
            data-testid="show-protocol"
            checked={showProtocol}
            onChange={(e) => setShowProtocol(e.currentTarget.checked)}
          />{' '}
          show <code>@lab</code> protocol lines
        </label>
      </h3>
      <ErrorBanner error={ackError} title="output.ack" onDismiss={() => setAckError(null)} />
      {outputDropped !== null && outputDropped.runIds.includes(runId) ? (
        <p className="notice small" data-testid="output-dropped">
          This console fell behind and the server dropped {outputDropped.chars.toLocaleString()} characters of
          output; the panes were redrawn from the host&apos;s retained tails.
        </p>
      ) : null}
      {ids.length === 0 ? <p className="muted">No target has written anything yet.</p> : null}
      <div className="output-grid">
        {ids.map((id) => (
          <OutputPane
            key={id}
            targetId={id}
            target={stateOf.get(id)}
            chunks={store.shownChunks(id)}
            dropped={store.shownDropped(id)}
            showProtocol={showProtocol}
          />
        ))}
      </div>
    </section>
  );
});

/** Memoised: a quiet pane is not redrawn when another pane gets output. */
const OutputPane = memo(function OutputPane({
  targetId,
  target,
  chunks,
  dropped,
  showProtocol,
}: {
  targetId: string;
  target: TargetState | undefined;
  chunks: readonly OutputChunk[];
  dropped: number;
  showProtocol: boolean;
}) {
  // Following the live end, only the newest text is drawn; scrolled up, everything retained is.
  const [follow, setFollow] = useState(true);
  const drawn = follow ? tailChunks(chunks) : chunks;
  const skipped = chunks.length - drawn.length;
  const heads = showProtocol ? null : chunkHeads(chunks.map((c) => c.text));
  const shown = drawn.map((c, i) => (heads === null ? c.text : withoutProtocol(c, heads[skipped + i] ?? '')));
  const onlyProtocol = heads !== null && drawn.length > 0 && shown.every((t) => t.trim() === '');
  const ref = useRef<HTMLPreElement | null>(null);
  const stick = useRef(true);
  /** Distance from the bottom when the reader left the live end: kept while older text is drawn in above. */
  const fromBottom = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null) return;
    // Off screen (content-visibility skips the panel), reading scrollHeight would force the layout
    // the browser is skipping: the pane is scrolled to its end when it comes into view instead.
    if (stick.current) {
      if (onScreen(el)) el.scrollTop = el.scrollHeight;
    } else if (fromBottom.current !== null) el.scrollTop = el.scrollHeight - fromBottom.current;
    fromBottom.current = null;
  }, [chunks, showProtocol, follow]);
  useEffect(() => {
    const el = ref.current;
    if (el === null || typeof IntersectionObserver === 'undefined') return;
    const seen = new IntersectionObserver((entries) => {
      if (stick.current && entries.some((e) => e.isIntersecting)) el.scrollTop = el.scrollHeight;
    });
    seen.observe(el);
    return () => seen.disconnect();
  }, []);
  return (
    <div className="output-pane">
      <div className="output-title">
        <strong>{targetId}</strong>
        {target ? (
          <span
            className={`badge target-${target.state}`}
            data-testid="target-state"
            data-state={target.state}
          >
            {target.state}
            {target.pid !== null ? ` pid ${target.pid}` : ''}
            {target.exitCode !== null ? ` exit ${target.exitCode}` : ''}
          </span>
        ) : null}
        {target ? <span className="muted small"> {plural(target.filesChanged, 'file')} changed</span> : null}
        {dropped > 0 ? (
          <span className="muted small"> (older {dropped.toLocaleString()} chars not kept)</span>
        ) : null}
      </div>
      <pre
        ref={ref}
        className="output-text"
        data-testid={`output-pane-${targetId}`}
        data-protocol={showProtocol ? 'shown' : 'hidden'}
        data-drawn={follow ? 'tail' : 'all'}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          if (stick.current !== follow) {
            if (!stick.current) fromBottom.current = el.scrollHeight - el.scrollTop;
            setFollow(stick.current);
          }
        }}
      >
        {onlyProtocol ? (
          <div className="output-placeholder" data-testid="output-only-protocol">
            Only @lab protocol lines {skipped > 0 ? 'lately' : 'so far'} (hidden; tick &quot;show @lab
            protocol lines&quot; to see them).
          </div>
        ) : null}
        {drawn.map((c, i) => (
          <Chunk key={c.id} text={shown[i] ?? ''} />
        ))}
      </pre>
    </div>
  );
});

/** False while content-visibility skips the element (off screen); true where the check is missing. */
function onScreen(el: HTMLElement): boolean {
  return typeof el.checkVisibility === 'function'
    ? el.checkVisibility({ contentVisibilityAuto: true })
    : true;
}

/** Filtered chunks, kept per chunk object: a redraw filters only the chunk that changed. */
const filtered = new WeakMap<OutputChunk, { head: string; text: string }>();
function withoutProtocol(chunk: OutputChunk, head: string): string {
  const hit = filtered.get(chunk);
  if (hit !== undefined && hit.head === head) return hit.text;
  const text = hideProtocolLines(chunk.text, head).text;
  filtered.set(chunk, { head, text });
  return text;
}

/** One block per chunk: an append re-lays out only the chunk that changed. Text only, never HTML. */
const Chunk = memo(function Chunk({ text }: { text: string }) {
  return <div className="output-chunk">{text}</div>;
});

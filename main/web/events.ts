/**
 * The event socket of `probe-lab serve`: every connected console gets the host's run events and
 * output batches as WsMessage frames. A client that cannot keep up loses output frames (counted,
 * then reported in one notice frame) instead of growing the server's memory; run events are small
 * and never dropped.
 */
import type { WebSocket } from 'ws';
import type { OutputBatch, RunStreamEvent, WsFrame } from '../../preload/contract';
import type { LabHost } from '../host/host';
import { DisposableStore, type Disposable } from '../util/event';

/**
 * Bytes queued for one client above which its output frames are dropped. 1 MiB is seconds of a
 * flooding target's batched output, far more than a console that keeps up ever has in flight.
 */
export const OUTPUT_HIGH_WATERMARK_BYTES = 1 << 20;
/**
 * Bytes queued even though output is already being dropped: only run events pile up now, so the
 * client is not reading at all. It is closed; the console reconnects and refetches `runs.state`.
 */
export const CLIENT_MAX_BUFFERED_BYTES = 16 << 20;

export interface EventHubOptions {
  outputHighWatermarkBytes?: number;
  clientMaxBufferedBytes?: number;
}

interface Client {
  ws: WebSocket;
  droppedFrames: number;
  droppedChars: number;
  droppedRuns: Set<string>;
}

export class EventHub implements Disposable {
  private readonly clients = new Set<Client>();
  private readonly subscriptions = new DisposableStore();
  private readonly highWatermark: number;
  private readonly maxBuffered: number;

  constructor(host: LabHost, opts: EventHubOptions = {}) {
    this.highWatermark = opts.outputHighWatermarkBytes ?? OUTPUT_HIGH_WATERMARK_BYTES;
    this.maxBuffered = opts.clientMaxBufferedBytes ?? CLIENT_MAX_BUFFERED_BYTES;
    this.subscriptions.add(host.onDidRunEvent((e) => this.broadcastRun(e)));
    this.subscriptions.add(host.onDidOutput((b) => this.broadcastOutput(b)));
  }

  get size(): number {
    return this.clients.size;
  }

  add(ws: WebSocket): void {
    const client: Client = { ws, droppedFrames: 0, droppedChars: 0, droppedRuns: new Set() };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => ws.terminate());
    // Nothing is read from the console on this socket; anything it sends is ignored.
  }

  private broadcastRun(event: RunStreamEvent): void {
    const frame = JSON.stringify({ stream: 'run', event } satisfies WsFrame);
    for (const c of this.clients) {
      if (c.ws.bufferedAmount > this.maxBuffered) {
        c.ws.terminate();
        continue;
      }
      this.flushNotice(c);
      this.send(c, frame);
    }
  }

  private broadcastOutput(batch: OutputBatch): void {
    let frame: string | null = null;
    for (const c of this.clients) {
      if (c.ws.bufferedAmount > this.highWatermark) {
        c.droppedFrames += 1;
        c.droppedChars += batch.data.length;
        c.droppedRuns.add(batch.runId);
        continue;
      }
      this.flushNotice(c);
      frame ??= JSON.stringify({ stream: 'output', batch } satisfies WsFrame);
      this.send(c, frame);
    }
  }

  /** Tells a client that caught up what it missed, so it can refetch the output tail. */
  private flushNotice(c: Client): void {
    if (c.droppedFrames === 0 || c.ws.bufferedAmount > this.highWatermark) return;
    const notice = {
      kind: 'output-dropped' as const,
      frames: c.droppedFrames,
      chars: c.droppedChars,
      runIds: [...c.droppedRuns],
    };
    c.droppedFrames = 0;
    c.droppedChars = 0;
    c.droppedRuns.clear();
    this.send(c, JSON.stringify({ stream: 'notice', notice } satisfies WsFrame));
  }

  private send(c: Client, frame: string): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(frame, (err) => {
      if (err) c.ws.terminate();
    });
  }

  dispose(): void {
    this.subscriptions.dispose();
    for (const c of this.clients) c.ws.close(1001, 'server stopping');
    this.clients.clear();
  }
}

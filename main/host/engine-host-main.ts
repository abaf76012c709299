/**
 * The engine host process: the engine (and node-pty) in plain Node, speaking the contract over
 * newline-delimited JSON frames on stdin/stdout (main/host/wire.ts). Its parent (the Electron main
 * process, or `probe-lab serve`) only relays: the engine's pulses, sampling and ledger I/O never
 * share an event loop with a UI.
 *
 * The parent's first frame is `init`. Before accepting any work the host recovers interrupted
 * runs in its report folder and says what it found in its `ready` frame. When the parent goes
 * away (stdin ends) or a SIGTERM/SIGINT arrives, every running probe is halted before the host
 * exits: a probe never outlives the console that started it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { recoverInterruptedRuns } from '../safety/interrupted-runs';
import { acquireFolderLock } from '../safety/run-lock';
import type { RunPreview, RunSummary, Settings } from '../model/api';
import { toCodedError } from '../util/errors';
import type { ConfirmMode, LabHost, SettingsStore } from './host';
import { createLabHost } from './lab-host';
import { SettingsSchema } from './settings-file';
import type { FromHostFrame } from './wire';
import { LineSplitter, ToHostFrame, decodeFrame, encodeFitted, type ReadyFrame } from './wire';
import { raiseEnginePriority } from '../lab/priority';

/** The parent sends `init` at once; a parent that stays silent this long is not one. */
const INIT_TIMEOUT_MS = 10_000;
/** A person reading the preview in a native dialog; no answer by then is a no. */
export const CONFIRM_TIMEOUT_MS = 5 * 60_000;
/** After a halt, how long runs get to write their ledger end and report before the host exits. */
const DRAIN_TIMEOUT_MS = 15_000;
const DRAIN_POLL_MS = 100;

export interface HostIo {
  input: NodeJS.ReadableStream;
  /** Writes one encoded frame; must not throw (the parent may be gone). */
  write(text: string): void;
  /** Human-readable diagnostics (stderr). */
  log(line: string): void;
}

type InitFrame = Extract<ToHostFrame, { t: 'init' }>;
type WorkFrame = Extract<ToHostFrame, { t: 'invoke' | 'halt-all' }>;

/** Runs one host session until the parent goes away or `stop()` is called; resolves the exit code. */
export function runEngineHost(io: HostIo): { done: Promise<number>; stop(reason: string): void } {
  const session = new HostSession(io);
  return { done: session.done, stop: (reason) => void session.shutdown(reason) };
}

class HostSession {
  private host: LabHost | null = null;
  private starting = false;
  private readonly queued: WorkFrame[] = [];
  private readonly confirms = new Map<number, (yes: boolean) => void>();
  private nextConfirmId = 0;
  private closing = false;
  private finish: (code: number) => void = () => {};
  readonly done = new Promise<number>((r) => (this.finish = r));
  private readonly initTimer: NodeJS.Timeout;

  constructor(private readonly io: HostIo) {
    const splitter = new LineSplitter(
      (line) => this.onLine(line),
      (chars) => this.warn('HOST_FRAME_INVALID', `dropped a ${chars}-char frame over the size limit`),
    );
    io.input.setEncoding?.('utf8');
    io.input.on('data', (chunk: string) => splitter.push(chunk));
    io.input.on('end', () => void this.shutdown('parent closed the stream'));
    io.input.on('close', () => void this.shutdown('parent closed the stream'));
    io.input.on('error', (err: Error) => void this.shutdown(`stream error: ${err.message}`));
    this.initTimer = setTimeout(() => {
      if (!this.host && !this.starting) void this.shutdown('no init frame from the parent');
    }, INIT_TIMEOUT_MS);
  }

  private send(frame: FromHostFrame): void {
    if (this.closing && frame.t === 'confirm-request') return;
    const fitted = encodeFitted(frame);
    if (fitted.tooLarge) this.io.log(`engine-host: HOST_FRAME_TOO_LARGE: ${fitted.tooLarge}`);
    if (fitted.line !== null) this.io.write(fitted.line);
    else this.warn('HOST_FRAME_TOO_LARGE', `dropped a ${fitted.tooLarge}`);
  }

  private warn(code: string, message: string): void {
    this.io.log(`engine-host: ${code}: ${message}`);
    this.send({ t: 'log', level: 'warn', code, message });
  }

  private onLine(line: string): void {
    const d = decodeFrame(ToHostFrame, line);
    if (!d.ok) {
      if (d.id !== undefined) {
        this.send({
          t: 'reply',
          id: d.id,
          reply: { ok: false, error: { code: d.code, message: d.message } },
        });
      } else this.warn(d.code, d.message);
      return;
    }
    const f = d.frame;
    if (f.t === 'init') return void this.init(f);
    if (f.t === 'confirm-answer') return this.confirms.get(f.id)?.(f.yes);
    if (!this.host) return void this.queued.push(f);
    this.dispatch(f);
  }

  private async init(f: InitFrame): Promise<void> {
    if (this.host || this.starting) return this.warn('HOST_FRAME_INVALID', 'init sent twice; ignored');
    this.starting = true;
    clearTimeout(this.initTimer);
    const host = createLabHost({
      settings: mirrorSettings(f.settings, (s) => this.send({ t: 'settings', settings: s })),
      resourcesDir: f.resourcesDir,
      ...(f.reportFolder ? { reportFolder: f.reportFolder } : {}),
    });
    host.onDidRunEvent((event) => this.send({ t: 'run-event', event }));
    host.onDidOutput((batch) => this.send({ t: 'output', batch }));
    const reportFolder = path.resolve(f.reportFolder ?? f.settings.reportFolder);
    const recovery = await recover(reportFolder);
    if (recovery.status !== 'done')
      this.io.log(`engine-host: recovery ${recovery.status}: ${recovery.reason}`);
    else if (recovery.recovered.length)
      this.io.log(
        `engine-host: recovered ${recovery.recovered.length} interrupted run(s) in ${reportFolder}`,
      );
    if (this.closing) return host.dispose();
    this.host = host;
    this.send({
      t: 'ready',
      pid: process.pid,
      node: process.version,
      abi: process.versions.modules,
      reportFolder,
      recovery,
    });
    for (const q of this.queued.splice(0)) this.dispatch(q);
  }

  private dispatch(f: WorkFrame): void {
    const host = this.host as LabHost;
    if (this.closing && f.t === 'invoke') {
      const error = { code: 'HOST_EXITED', message: 'the engine host is stopping' };
      return this.send({ t: 'reply', id: f.id, reply: { ok: false, error } });
    }
    if (f.t === 'halt-all') {
      void host.haltAll().finally(() => this.send({ t: 'halted', id: f.id }));
      return;
    }
    const confirm: ConfirmMode =
      f.confirm === 'challenge'
        ? { kind: 'challenge' }
        : { kind: 'dialog', confirm: (preview) => this.askParent(f.id, preview) };
    void host.invoke(f.channel, f.input, confirm).then(
      (reply) => this.send({ t: 'reply', id: f.id, reply }),
      (err: unknown) => this.send({ t: 'reply', id: f.id, reply: { ok: false, error: toCodedError(err) } }),
    );
  }

  /** The parent shows the native dialog; a timeout or a lost parent is a no. */
  private askParent(invokeId: number, preview: RunPreview): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    const id = this.nextConfirmId++;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), CONFIRM_TIMEOUT_MS);
      const settle = (yes: boolean): void => {
        clearTimeout(timer);
        this.confirms.delete(id);
        resolve(yes);
      };
      this.confirms.set(id, settle);
      this.send({ t: 'confirm-request', id, invokeId, preview: { ...preview } });
    });
  }

  async shutdown(reason: string): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.initTimer);
    this.io.log(`engine-host: ${reason}; halting every running probe`);
    for (const settle of [...this.confirms.values()]) settle(false);
    const host = this.host;
    let code = 0;
    if (host) {
      try {
        await host.haltAll();
        await drain(host);
      } catch (err) {
        this.io.log(`engine-host: halting failed: ${toCodedError(err).message}`);
        code = 1;
      }
      host.dispose();
    }
    this.io.log('engine-host: stopped');
    this.finish(code);
  }
}

/** Waits until every run has ended (ledger closed, report written), or DRAIN_TIMEOUT_MS. */
async function drain(host: LabHost): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const r = await host.invoke('runs.list', {}, { kind: 'challenge' });
    if (!r.ok || (r.value as RunSummary[]).every((s) => s.status === 'ended')) return;
    await new Promise((res) => setTimeout(res, DRAIN_POLL_MS));
  }
}

/** The parent owns the settings (electron-store, or serve's file); the host keeps a copy. */
function mirrorSettings(initial: Settings, onChange: (s: Settings) => void): SettingsStore {
  let current = structuredClone(initial);
  return {
    get: () => structuredClone(current),
    set: (patch) => {
      current = SettingsSchema.parse({ ...current, ...patch });
      onChange(structuredClone(current));
      return structuredClone(current);
    },
  };
}

/**
 * Interrupted runs in the report folder, recovered under the folder's lock so a probe that is
 * live there (another console, a CLI run) is never mistaken for a dead one: then recovery waits
 * for the next start, and the first run of this host recovers under its own lock anyway.
 */
async function recover(folder: string): Promise<ReadyFrame['recovery']> {
  if (!fs.existsSync(folder)) return { status: 'done', recovered: [] };
  let lock;
  try {
    lock = acquireFolderLock(folder, `engine-host-${process.pid}`);
  } catch (err) {
    return { status: 'skipped', reason: toCodedError(err).message };
  }
  try {
    const found = await recoverInterruptedRuns(folder);
    return {
      status: 'done',
      recovered: found.map((r) => ({
        runId: r.runId,
        ledgerPath: r.ledgerPath,
        lastGoodSeq: r.lastGoodSeq,
        killedPids: r.killedPids,
        survivors: r.survivors,
        markerPath: r.markerPath,
      })),
    };
  } catch (err) {
    return { status: 'failed', reason: toCodedError(err).message };
  } finally {
    lock.release();
  }
}

/** The process entry (bin/engine-host.mjs): stdout carries frames only. */
export async function main(): Promise<number> {
  // The engine host is the engine: it outranks the load its targets make (main/lab/priority.ts).
  raiseEnginePriority();
  const stdout = process.stdout;
  const writeFrame = stdout.write.bind(stdout);
  // Anything else that writes to stdout (a stray console.log) would corrupt the frame stream.
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  stdout.on('error', () => {}); // EPIPE once the parent is gone: stdin's end handles that.
  const session = runEngineHost({
    input: process.stdin,
    write: (text) => {
      try {
        writeFrame(text);
      } catch {
        /* the parent is gone */
      }
    },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => session.stop(`${sig} received`));
  return session.done;
}

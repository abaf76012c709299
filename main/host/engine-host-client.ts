/**
 * The parent's side of the engine host: spawns bin/engine-host.mjs under the Node that node-pty
 * was built for and implements LabHost over its frames, so the transports (Electron IPC, the
 * loopback server) work unchanged while the engine runs in another process.
 *
 * Never Electron's own binary with ELECTRON_RUN_AS_NODE: that is Electron's ABI again, and node-pty
 * would fail to load exactly as it does in the main process. This file must stay free of the
 * engine: main/app imports it, and lint proves node-pty is not reachable from there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { OutputBatch, Reply, RunPreview, RunStreamEvent } from '../model/api';
import { Emitter, type Event } from '../util/event';
import { projectRoot } from '../util/paths';
import type { ConfirmMode, LabHost, SettingsStore } from './host';
import {
  FromHostFrame,
  LineSplitter,
  asOutput,
  asPreview,
  asRunEvent,
  decodeFrame,
  encodeFrame,
  type ReadyFrame,
  type ToHostFrame,
} from './wire';

export interface EngineHostClientOptions {
  settings: SettingsStore;
  resourcesDir: string;
  /** Overrides the settings' report folder (serve --reports). */
  reportFolder?: string;
  /** The Node binary; defaults to engineNode(). */
  node?: string;
  /** The host entry; defaults to bin/engine-host.mjs in the project. */
  entry?: string;
  /** Diagnostics (the host's log frames, recovery, its death); defaults to stderr. */
  log?: (line: string) => void;
}

export interface HostExit {
  code: number | null;
  signal: string | null;
  /** True when the parent asked for it (dispose); false when the host died on its own. */
  expected: boolean;
  /** Set when the host could not be started at all. */
  error?: string;
}

export interface EngineHostClient extends LabHost {
  readonly pid: number | undefined;
  /** The host's ready frame (with what crash recovery found), or null if it died first. */
  readonly ready: Promise<ReadyFrame | null>;
  readonly exited: Promise<HostExit>;
  readonly onDidExit: Event<HostExit>;
}

/**
 * The Node to run the engine under: PROBE_LAB_NODE if set; this process's own binary when it is
 * plain Node (serve); otherwise `node` on PATH, then the Node that ran npm.
 */
export function engineNode(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROBE_LAB_NODE) return env.PROBE_LAB_NODE;
  if (!process.versions.electron) return process.execPath;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'node');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return env.npm_node_execpath ?? 'node';
}

export function createEngineHostClient(opts: EngineHostClientOptions): EngineHostClient {
  return new HostClient(opts);
}

interface Pending {
  resolve(reply: Reply<unknown>): void;
  confirm: ConfirmMode;
}

class HostClient implements EngineHostClient {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly halts = new Map<number, () => void>();
  private nextId = 0;
  private dead: HostExit | null = null;
  private disposing = false;
  private readonly runEmitter = new Emitter<RunStreamEvent>();
  private readonly outputEmitter = new Emitter<OutputBatch>();
  private readonly exitEmitter = new Emitter<HostExit>();
  readonly onDidRunEvent = this.runEmitter.event;
  readonly onDidOutput = this.outputEmitter.event;
  readonly onDidExit = this.exitEmitter.event;
  readonly ready: Promise<ReadyFrame | null>;
  readonly exited: Promise<HostExit>;
  private resolveReady: (r: ReadyFrame | null) => void = () => {};
  private resolveExited: (e: HostExit) => void = () => {};
  private readonly log: (line: string) => void;

  private readonly settings: SettingsStore;

  constructor(opts: EngineHostClientOptions) {
    this.settings = opts.settings;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.exited = new Promise((r) => (this.resolveExited = r));
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    const entry = opts.entry ?? path.join(projectRoot(), 'bin', 'engine-host.mjs');
    // Its own process group: Ctrl+C in a terminal reaches the parent, which halts and closes the
    // host in order, instead of both racing. A parent that dies still closes the host's stdin.
    this.child = spawn(opts.node ?? engineNode(), [entry], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env,
      detached: true,
    });
    this.child.on('error', (err) => this.onExit(null, null, err.message));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.child.stdin?.on('error', () => {}); // EPIPE when the host died: 'exit' reports that.
    const splitter = new LineSplitter(
      (line) => this.onLine(line),
      (chars) => this.log(`engine-host: HOST_FRAME_INVALID: dropped a ${chars}-char frame`),
    );
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => splitter.push(chunk));
    this.send({
      t: 'init',
      settings: opts.settings.get(),
      resourcesDir: opts.resourcesDir,
      ...(opts.reportFolder ? { reportFolder: opts.reportFolder } : {}),
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private send(frame: ToHostFrame): boolean {
    if (this.dead || !this.child.stdin?.writable) return false;
    this.child.stdin.write(encodeFrame(frame));
    return true;
  }

  invoke(channel: string, input: unknown, confirm: ConfirmMode): Promise<Reply<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (this.dead) return resolve(this.deadReply());
      const frame: ToHostFrame = { t: 'invoke', id, channel, input, confirm: confirm.kind };
      let text: string;
      try {
        text = encodeFrame(frame);
      } catch (err) {
        // A value JSON cannot carry (a BigInt, a cycle) never reaches the host.
        return resolve({ ok: false, error: { code: 'IPC_INVALID', message: `input: ${String(err)}` } });
      }
      this.pending.set(id, { resolve, confirm });
      this.child.stdin?.write(text);
    });
  }

  haltAll(): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.halts.set(id, resolve);
      if (!this.send({ t: 'halt-all', id })) {
        this.halts.delete(id);
        resolve();
      }
    });
  }

  private deadReply(): Reply<unknown> {
    const why =
      this.dead?.error ?? `exit code ${this.dead?.code ?? 'none'}, signal ${this.dead?.signal ?? 'none'}`;
    return {
      ok: false,
      error: {
        code: this.dead?.error ? 'HOST_START_FAILED' : 'HOST_EXITED',
        message: `the engine host is not running (${why})`,
      },
    };
  }

  private onLine(line: string): void {
    const d = decodeFrame(FromHostFrame, line);
    if (!d.ok) return this.log(`engine-host: ${d.code}: ${d.message}`);
    const f = d.frame;
    switch (f.t) {
      case 'reply': {
        const p = this.pending.get(f.id);
        this.pending.delete(f.id);
        return p?.resolve(f.reply as Reply<unknown>);
      }
      case 'run-event':
        return this.runEmitter.fire(asRunEvent(f.event));
      case 'output':
        return this.outputEmitter.fire(asOutput(f.batch));
      case 'confirm-request':
        return void this.answerConfirm(f.id, f.invokeId, asPreview(f.preview));
      case 'settings':
        try {
          this.settings.set(f.settings);
        } catch (err) {
          this.log(`engine-host: settings could not be saved: ${String(err)}`);
        }
        return;
      case 'halted': {
        const h = this.halts.get(f.id);
        this.halts.delete(f.id);
        return h?.();
      }
      case 'ready':
        if (f.recovery.status !== 'done')
          this.log(`engine-host: recovery ${f.recovery.status}: ${f.recovery.reason}`);
        else if (f.recovery.recovered.length)
          this.log(
            `engine-host: recovered ${f.recovery.recovered.length} interrupted run(s) in ${f.reportFolder}`,
          );
        return this.resolveReady(f);
      case 'log':
        return this.log(`engine-host ${f.level}: ${f.code}: ${f.message}`);
    }
  }

  /** The person answers in the parent (Electron's native dialog); anything but a yes is a no. */
  private async answerConfirm(id: number, invokeId: number, preview: RunPreview): Promise<void> {
    const mode = this.pending.get(invokeId)?.confirm;
    let yes = false;
    if (mode?.kind === 'dialog') {
      try {
        yes = (await mode.confirm(preview)) === true;
      } catch (err) {
        this.log(`engine-host: confirm dialog failed: ${String(err)}`);
      }
    }
    this.send({ t: 'confirm-answer', id, yes });
  }

  private onExit(code: number | null, signal: string | null, error?: string): void {
    if (this.dead) return;
    this.dead = { code, signal, expected: this.disposing, ...(error ? { error } : {}) };
    const reply = this.deadReply();
    for (const p of this.pending.values()) p.resolve(reply);
    this.pending.clear();
    for (const h of this.halts.values()) h();
    this.halts.clear();
    this.resolveReady(null);
    if (!this.disposing) this.log(`engine-host: died (${reply.ok ? '' : reply.error.message})`);
    this.exitEmitter.fire(this.dead);
    this.resolveExited(this.dead);
  }

  /** Closes the host's stdin: it halts every running probe and exits on its own. */
  dispose(): void {
    this.disposing = true;
    this.child.stdin?.end();
    this.runEmitter.dispose();
    this.outputEmitter.dispose();
  }
}

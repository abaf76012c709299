/**
 * A real Linux kernel under QEMU as a probe target. QEMU runs on a pty (the serial console is its
 * stdio) with a QMP socket beside it; start() resolves once the guest printed its ready marker,
 * stop() asks QEMU to `quit` through QMP and kills the process tree if that does not end it.
 */
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { KernelTarget as KernelTargetSpec } from '../../model/plan';
import { Emitter, DisposableStore, type Event } from '../../util/event';
import { LabError } from '../../util/errors';
import type { AnomalyCode } from '../../model/anomaly';
import { PtySession } from '../pty-session';
import { stopTarget } from '../contained-kill';
import { wrapInCell, type CgroupCell } from '../cgroup';
import type {
  StopReason,
  Target,
  TargetDescription,
  TargetExit,
  TargetHealth,
  TargetSignal,
} from '../target';
import { labKernelPaths, type LabKernelPaths } from './paths';
import { labKernelStatus } from './setup';
import { DISK_SIZE_MB, QEMU_BINARY, qemuArgs, type QemuDevices } from './qemu-command';
import { QmpClient } from './qmp';
import { CURSOR_ANSWER, SerialParser, type Heartbeat } from './serial';
import { kernelHealth, kernelPulse, type KernelPulse } from './kernel-health';

export { HEARTBEAT_STALE_MS, type KernelPulse } from './kernel-health';
import { SerialShell } from './shell';

/**
 * QMP `quit` answers in about 1 ms and the pty exits 7-12 ms later; past this budget (the answer
 * and the exit together) we kill the tree. Halt must finish within 2 s: this plus KILL_GRACE_MS
 * plus the process-tree settle time stays under it.
 */
export const QUIT_GRACE_MS = 500;
/** SIGTERM-to-SIGKILL grace when QMP could not end QEMU (QEMU exits on SIGTERM at once). */
export const KILL_GRACE_MS = 600;
/** After the ready marker the shell prompt follows within milliseconds; allow for a slow host. */
const FIRST_PROMPT_MS = 10_000;
const TAIL_LINES = 40;

export interface KernelTargetOptions {
  workdir: string;
  paths?: LabKernelPaths;
  qemuBinary?: string;
  /** Which virtio devices the bundled guest gets (defaults: both; each costs well under 100 ms of boot). */
  devices?: Partial<QemuDevices>;
  env?: Record<string, string>;
  /** The target's cgroup cell: QEMU enters it before it runs (see ENTER_CELL_SCRIPT). */
  cell?: CgroupCell | null;
}

export class KernelTarget implements Target {
  readonly kind = 'lab-kernel' as const;
  readonly id: string;
  readonly workdir: string;
  readonly exited: Promise<TargetExit>;
  readonly parser: SerialParser;
  readonly shell: SerialShell;
  readonly cell: CgroupCell | null;

  private readonly outputEmitter = new Emitter<string>();
  private readonly signalEmitter = new Emitter<TargetSignal>();
  private readonly problemEmitter = new Emitter<{ code: AnomalyCode; message: string; sample: string }>();
  readonly onDidOutput: Event<string> = this.outputEmitter.event;
  readonly onDidSignal: Event<TargetSignal> = this.signalEmitter.event;
  readonly onDidProblem = this.problemEmitter.event;

  private readonly store = new DisposableStore();
  private readonly paths: LabKernelPaths;
  private readonly devices: QemuDevices;
  private pty: PtySession | null = null;
  private qmpClient: QmpClient | null = null;
  private runtimeDir: string | null = null;
  private qmpSocket = '';
  private args: string[] = [];
  private startedAt = 0;
  private stopReason: StopReason | null = null;
  private stopping: Promise<void> | null = null;
  private panicked = false;
  private tail: string[] = [];
  private resolveExited!: (e: TargetExit) => void;
  private readonly onProcessExit = () => {
    // Last resort when the engine itself goes away without stopping us: no QEMU may outlive it.
    if (this.pty && !this.pty.hasExited) this.pty.kill('SIGKILL');
  };
  /** When start() resolved: monotonic ms from spawn to the ready marker. */
  bootMs: number | null = null;

  constructor(
    readonly spec: KernelTargetSpec,
    private readonly opts: KernelTargetOptions,
  ) {
    this.id = spec.id;
    this.workdir = opts.workdir;
    this.cell = opts.cell ?? null;
    this.paths = opts.paths ?? labKernelPaths();
    const bundled = spec.image === 'bundled';
    this.devices = { disk: opts.devices?.disk ?? bundled, nic: opts.devices?.nic ?? bundled };
    this.exited = new Promise((r) => (this.resolveExited = r));
    this.parser = new SerialParser({ readyPattern: spec.readyPattern, promptPattern: spec.promptPattern });
    this.shell = new SerialShell((d) => this.pty?.write(d), this.parser);
    this.store.add(this.parser);
    this.store.add(this.shell);
  }

  describe(): TargetDescription {
    return {
      id: this.id,
      kind: this.kind,
      command: this.opts.qemuBinary ?? QEMU_BINARY,
      args: this.args,
      cwd: this.workdir,
    };
  }

  rootPids(): number[] {
    return this.pty && !this.pty.hasExited ? [this.pty.pid] : [];
  }

  get qmp(): QmpClient {
    if (!this.qmpClient || this.qmpClient.isClosed)
      throw new LabError('QMP_PROTOCOL', `${this.id}: no QMP connection`);
    return this.qmpClient;
  }

  get hasDisk(): boolean {
    return this.devices.disk && (this.parser.devices?.disk ?? null) !== null;
  }

  get hasNic(): boolean {
    return this.devices.nic && (this.parser.devices?.nic ?? null) !== null;
  }

  get lastHeartbeat(): Heartbeat | null {
    return this.parser.lastHeartbeat;
  }

  /** The last lines of console output, for error messages. */
  consoleTail(): string[] {
    return [...this.tail];
  }

  async start(): Promise<void> {
    if (this.pty) throw new LabError('SPAWN_FAILED', `${this.id}: already started`);
    try {
      this.prepare();
    } catch (err) {
      this.failBeforeSpawn();
      throw err;
    }
    const t0 = performance.now();
    this.spawn();
    await this.boot(t0);
  }

  /** Nothing was spawned: the target has ended before it began, and leaves nothing behind. */
  private failBeforeSpawn(): void {
    if (this.runtimeDir) fs.rmSync(this.runtimeDir, { recursive: true, force: true });
    this.resolveExited({
      exitCode: null,
      signal: null,
      outcome: 'failed',
      stopReason: 'error',
      at: Date.now(),
      runMs: 0,
    });
  }

  private prepare(): void {
    const image = this.resolveImage();
    fs.mkdirSync(this.workdir, { recursive: true });
    // A unix socket path must fit in 108 bytes; a workdir may be deep, the temp folder is not.
    this.runtimeDir = fs.mkdtempSync(join(os.tmpdir(), 'probe-lab-kernel-'));
    this.qmpSocket = join(this.runtimeDir, 'qmp.sock');
    let scratchDisk: string | null = null;
    if (this.devices.disk) {
      scratchDisk = join(this.runtimeDir, 'scratch.raw');
      fs.closeSync(fs.openSync(scratchDisk, 'w'));
      fs.truncateSync(scratchDisk, DISK_SIZE_MB * 1024 * 1024);
    }
    this.args = qemuArgs({
      spec: this.spec,
      ...image,
      scratchDisk,
      qmpSocket: this.qmpSocket,
      devices: this.devices,
    });
  }

  private spawn(): PtySession {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, this.opts.env ?? {});

    this.startedAt = performance.now();
    let pty: PtySession;
    try {
      const qemu = this.opts.qemuBinary ?? QEMU_BINARY;
      const cmd = this.cell ? wrapInCell(this.cell, qemu, this.args) : { file: qemu, args: this.args };
      pty = PtySession.spawn({ file: cmd.file, args: cmd.args, cwd: this.workdir, env });
    } catch (err) {
      this.failBeforeSpawn();
      throw err;
    }
    this.pty = pty;
    process.on('exit', this.onProcessExit);
    // The serial parser sees chunks at arrival (round trips timed without the flush delay);
    // the console and the output log get the flushed batches.
    this.store.add(pty.onDidRawData((d) => this.parser.feed(d)));
    this.store.add(pty.onDidData((d) => this.outputEmitter.fire(d)));
    this.store.add(this.parser.onDidCursorQuery((n) => pty.write(CURSOR_ANSWER.repeat(n))));
    this.store.add(this.parser.onDidHeartbeat((hb) => this.signal('heartbeat', { ...hb })));
    this.store.add(
      this.parser.onDidLine((l) => {
        this.tail.push(l.text);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        if (!this.panicked && /Kernel panic - not syncing/.test(l.text)) {
          this.panicked = true;
          this.problemEmitter.fire({
            code: 'KERNEL_PANIC',
            message: `${this.id}: guest kernel panicked`,
            sample: l.text.slice(0, 200),
          });
          this.signal('panic', { line: l.text });
        }
      }),
    );
    void pty.exited.then((e) => this.onExit(e.exitCode, e.signal));
    return pty;
  }

  private async boot(t0: number): Promise<void> {
    try {
      const ready = this.waitReady((this.spec.bootTimeoutSec ?? 60) * 1000);
      this.qmpClient = await QmpClient.connect(this.qmpSocket);
      this.store.add(this.qmpClient);
      this.store.add(this.qmpClient.onDidProblem((p) => this.problemEmitter.fire(p)));
      this.store.add(
        this.qmpClient.onDidEvent((e) => this.signal('qmp-event', { event: e.event, data: e.data ?? {} })),
      );
      const info = await ready;
      this.bootMs = info.at - t0;
      this.signal('ready', {
        bootMs: Math.round(this.bootMs),
        kernelRelease: info.kernelRelease,
        memTotalKb: info.memTotalKb,
      });
      if (this.spec.dialect === 'busybox') await this.shell.waitFirstPrompt(FIRST_PROMPT_MS);
    } catch (err) {
      await this.stop('error');
      throw err;
    }
  }

  private resolveImage(): { kernel: string; initrd: string | null; userDisk: string | null } {
    if (this.spec.image === 'bundled') {
      const st = labKernelStatus(this.paths);
      if (!st.ready)
        throw new LabError(
          'KERNEL_NOT_READY',
          `${this.id}: lab kernel is not set up: ${st.problems.join('; ')}`,
        );
      return { kernel: this.paths.vmlinuz, initrd: this.paths.initramfs, userDisk: null };
    }
    if (this.spec.image === 'registered') throw new LabError('KERNEL_NOT_REGISTERED', this.id); // see createTargets
    const { kernel, initrd, disk } = this.spec.image;
    for (const f of [kernel, initrd, disk])
      if (f && !fs.existsSync(f)) throw new LabError('EXEC_NOT_FOUND', `${this.id}: ${f} does not exist`);
    return { kernel, initrd: initrd ?? null, userDisk: disk ?? null };
  }

  private waitReady(
    timeoutMs: number,
  ): Promise<{ at: number; kernelRelease: string | null; memTotalKb: number | null }> {
    return new Promise((resolve, reject) => {
      const subs = new DisposableStore();
      const timer = setTimeout(() => {
        subs.dispose();
        reject(
          new LabError(
            'KERNEL_NOT_READY',
            `${this.id}: no ready marker /${this.spec.readyPattern}/ within ${timeoutMs} ms; last output: ${this.tail.slice(-5).join(' | ')}`,
          ),
        );
      }, timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        subs.dispose();
        f();
      };
      if (this.parser.ready) return done(() => resolve(this.parser.ready!));
      subs.add(this.parser.onDidReady((r) => done(() => resolve(r))));
      void this.exited.then((e) =>
        done(() =>
          reject(
            new LabError(
              'KERNEL_NOT_READY',
              `${this.id}: QEMU exited (code ${e.exitCode}) before the ready marker; last output: ${this.tail.slice(-5).join(' | ')}`,
            ),
          ),
        ),
      );
    });
  }

  private signal(type: string, data: Record<string, unknown>): void {
    this.signalEmitter.fire({ type, at: Date.now(), data });
  }

  private onExit(exitCode: number, signal: number | null): void {
    process.off('exit', this.onProcessExit);
    this.shell.close(`QEMU exited (code ${exitCode})`);
    this.qmpClient?.dispose();
    if (this.runtimeDir) fs.rmSync(this.runtimeDir, { recursive: true, force: true });
    const runMs = performance.now() - this.startedAt;
    // A panicking guest ends QEMU with code 0: the panic, not the code, decides.
    const outcome = this.stopReason
      ? 'stopped'
      : exitCode === 0 && !signal && !this.panicked
        ? 'exited'
        : 'failed';
    this.resolveExited({ exitCode, signal, outcome, stopReason: this.stopReason, at: Date.now(), runMs });
  }

  /** Liveness (QMP query-status), heartbeat freshness and a round-trip probe through the shell. */
  pulse(timeoutMs: number): Promise<KernelPulse> {
    return kernelPulse(this, timeoutMs);
  }

  health(timeoutMs: number): Promise<TargetHealth> {
    return kernelHealth(this, timeoutMs);
  }

  stop(reason: StopReason): Promise<void> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: StopReason): Promise<void> {
    const pty = this.pty;
    if (!pty || pty.hasExited) return;
    this.stopReason = reason;
    const exited = pty.exited.then(() => true);
    const grace = (ms: number) =>
      Promise.race([exited, new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    const deadline = performance.now() + QUIT_GRACE_MS;
    if (this.qmpClient && !this.qmpClient.isClosed) {
      // quit answers {} and closes the socket; a close before the answer is the same success.
      await Promise.race([this.qmpClient.execute('quit', undefined, QUIT_GRACE_MS).catch(() => {}), exited]);
    }
    if (await grace(Math.max(0, deadline - performance.now()))) return;
    // QEMU would not quit: its cell is killed whole (cgroup.kill), or the tree where there is none.
    const { survivors } = await stopTarget({ cell: this.cell, roots: [pty.pid], seen: [] }, KILL_GRACE_MS);
    if (survivors.length)
      this.problemEmitter.fire({
        code: 'INTERNAL',
        message: `${this.id}: processes survived the kill: ${survivors.join(', ')}`,
        sample: '',
      });
    await grace(KILL_GRACE_MS);
  }

  dispose(): void {
    if (this.pty && !this.pty.hasExited) void this.stop('halt');
    void this.exited.then(() => {
      this.store.dispose();
      this.pty?.dispose();
      this.outputEmitter.dispose();
      this.signalEmitter.dispose();
      this.problemEmitter.dispose();
    });
    if (!this.pty) {
      this.store.dispose();
      this.outputEmitter.dispose();
      this.signalEmitter.dispose();
      this.problemEmitter.dispose();
    }
  }
}

/**
 * The engine host as a real child process (bin/engine-host.mjs under this Node), driven over its
 * stdin/stdout frames exactly as the Electron main process and `probe-lab serve` drive it: a real
 * quick-concurrency run with a real pty per target, and a parent that goes away mid-run.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply, RunStreamEvent } from '../../preload/contract';
import { FromHostFrame, decodeFrame, encodeFrame, type ToHostFrame } from '../../main/host/wire';
import { projectRoot, resourcesDir } from '../../main/util/paths';
import { liveProcessesOfRun, tempDir, waitFor } from './helpers';

const ENTRY = path.join(projectRoot(), 'bin', 'engine-host.mjs');

interface Host {
  child: ChildProcessWithoutNullStreams;
  frames: FromHostFrame[];
  stderr: string[];
  exit: Promise<number | null>;
  send(f: ToHostFrame): void;
  reply(id: number): Promise<Reply<unknown>>;
}

const started: Host[] = [];

function startHost(reportFolder: string): Host {
  const child = spawn(process.execPath, [ENTRY], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  const frames: FromHostFrame[] = [];
  const stderr: string[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      const d = decodeFrame(FromHostFrame, buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (!d.ok) throw new Error(`host sent a bad frame: ${d.message}`);
      frames.push(d.frame);
      // Dialog mode: the parent is the one who answers; here the person says yes.
      if (d.frame.t === 'confirm-request') h.send({ t: 'confirm-answer', id: d.frame.id, yes: true });
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => stderr.push(s));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const h: Host = {
    child,
    frames,
    stderr,
    exit,
    send: (f) => void child.stdin.write(encodeFrame(f)),
    async reply(id) {
      await waitFor(() => frames.some((f) => f.t === 'reply' && f.id === id), 30_000, `reply ${id}`);
      const f = frames.find((x) => x.t === 'reply' && x.id === id);
      return (f as Extract<FromHostFrame, { t: 'reply' }>).reply as Reply<unknown>;
    },
  };
  h.send({
    t: 'init',
    settings: { reportFolder, agents: [], labKernel: { kernel: null, initrd: null } },
    resourcesDir: resourcesDir(),
  });
  started.push(h);
  return h;
}

const runEvents = (h: Host): RunStreamEvent[] =>
  h.frames.flatMap((f) => (f.t === 'run-event' ? [f.event as unknown as RunStreamEvent] : []));

async function startQuickConcurrency(h: Host): Promise<string> {
  h.send({
    t: 'invoke',
    id: 1,
    channel: 'runs.requestStart',
    input: { plan: { id: 'quick-concurrency' } },
    confirm: 'dialog',
  });
  const reply = await h.reply(1);
  expect(reply).toMatchObject({ ok: true, value: { kind: 'started' } });
  expect(h.frames.filter((f) => f.t === 'confirm-request')).toHaveLength(1);
  return (reply as { ok: true; value: { runId: string } }).value.runId;
}

afterEach(() => {
  for (const h of started.splice(0)) if (h.child.exitCode === null) h.child.kill('SIGKILL');
});

describe('engine host process', () => {
  it('runs quick-concurrency over its stream: confirm-request, pulses, targets, end', async () => {
    const reports = tempDir('probe-lab-host-');
    const h = startHost(reports);
    await waitFor(() => h.frames.some((f) => f.t === 'ready'), 30_000, 'ready');
    const ready = h.frames.find((f) => f.t === 'ready') as Extract<FromHostFrame, { t: 'ready' }>;
    expect(ready).toMatchObject({
      abi: process.versions.modules,
      recovery: { status: 'done', recovered: [] },
    });

    const runId = await startQuickConcurrency(h);
    await waitFor(() => runEvents(h).some((e) => e.type === 'end' && e.runId === runId), 60_000, 'end');
    const types = new Set(runEvents(h).map((e) => e.type));
    for (const t of ['targets', 'pulse', 'end']) expect(types).toContain(t);
    expect(h.frames.some((f) => f.t === 'output')).toBe(true);
    const end = runEvents(h).find((e) => e.type === 'end') as Extract<RunStreamEvent, { type: 'end' }>;
    expect(end.run.status).toBe('ended');
    expect(end.run.reportPath && fs.existsSync(end.run.reportPath)).toBeTruthy();

    // A bad frame is answered with a code; the host carries on.
    h.child.stdin.write('{"t":"invoke","id":7,"channel":42}\n');
    expect(await h.reply(7)).toMatchObject({ ok: false, error: { code: 'HOST_FRAME_INVALID' } });
    h.send({ t: 'invoke', id: 8, channel: 'runs.list', input: {}, confirm: 'challenge' });
    expect(await h.reply(8)).toMatchObject({ ok: true, value: [{ runId, status: 'ended' }] });

    h.child.stdin.end();
    expect(await h.exit).toBe(0);
  }, 90_000);

  it('halts the probe and exits when its stdin closes mid-run (the parent went away)', async () => {
    const reports = tempDir('probe-lab-host-');
    const h = startHost(reports);
    const runId = await startQuickConcurrency(h);
    await waitFor(() => runEvents(h).some((e) => e.type === 'targets'), 30_000, 'targets');
    await waitFor(() => liveProcessesOfRun(runId).length >= 4, 15_000, 'four live agents');

    const t0 = Date.now();
    h.child.stdin.end();
    const code = await h.exit;
    const exitedWithinMs = Date.now() - t0;
    expect(code).toBe(0);
    expect(liveProcessesOfRun(runId)).toEqual([]);
    // It ended the run properly (ledger closed, report written) before leaving: a halt, not a crash.
    const end = runEvents(h).find((e) => e.type === 'end') as Extract<RunStreamEvent, { type: 'end' }>;
    expect(end?.run.status).toBe('ended');
    expect(h.stderr.join('')).toContain('parent closed the stream');
    expect(exitedWithinMs).toBeLessThan(20_000);
  }, 90_000);

  it('recovers a run interrupted by a kill -9 of the previous host before it accepts work', async () => {
    const reports = tempDir('probe-lab-host-');
    const first = startHost(reports);
    const runId = await startQuickConcurrency(first);
    await waitFor(() => runEvents(first).some((e) => e.type === 'targets'), 30_000, 'targets');
    first.child.kill('SIGKILL');
    await first.exit;

    const second = startHost(reports);
    await waitFor(() => second.frames.some((f) => f.t === 'ready'), 30_000, 'ready');
    const ready = second.frames.find((f) => f.t === 'ready') as Extract<FromHostFrame, { t: 'ready' }>;
    expect(ready.recovery).toMatchObject({ status: 'done', recovered: [{ runId, survivors: [] }] });
    expect(liveProcessesOfRun(runId)).toEqual([]);
    second.child.stdin.end();
    expect(await second.exit).toBe(0);
  }, 90_000);
});

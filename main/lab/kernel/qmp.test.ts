import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient } from './qmp';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempSocket(): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'qmp-test-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'qmp.sock');
}

/** A real QEMU with no guest at all: just the machine protocol. */
function qemuWithoutGuest(sock: string): ChildProcess {
  const child = spawn(
    'qemu-system-x86_64',
    ['-machine', 'none', '-nodefaults', '-display', 'none', '-qmp', `unix:${sock},server=on,wait=off`],
    {
      stdio: 'ignore',
    },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

/** A socket that greets like QEMU and then answers with whatever the test says. */
function fakePeer(sock: string, answer: (line: string, s: net.Socket) => void): void {
  const server = net.createServer((s) => {
    s.write('{"QMP": {"version": {}, "capabilities": []}}\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const msg = JSON.parse(line) as { execute: string; id: string };
        if (msg.execute === 'qmp_capabilities') s.write(JSON.stringify({ return: {}, id: msg.id }) + '\n');
        else answer(line, s);
      }
    });
  });
  server.listen(sock);
  cleanups.push(() => server.close());
}

describe('QmpClient against a real QEMU', () => {
  it('negotiates, queries status, reports errors with their class, and sees quit close the socket', async () => {
    const sock = tempSocket();
    const child = qemuWithoutGuest(sock);
    const qmp = await QmpClient.connect(sock);
    const status = await qmp.queryStatus();
    expect(typeof status.running).toBe('boolean');
    await expect(qmp.execute('no-such-command')).rejects.toMatchObject({
      code: 'QMP_COMMAND_FAILED',
      message: /CommandNotFound/,
    });
    const exited = new Promise((r) => child.once('exit', r));
    await qmp.execute('quit').catch(() => {});
    await exited;
    await new Promise((r) => setTimeout(r, 50));
    expect(qmp.isClosed).toBe(true);
    qmp.dispose();
  });
});

describe('QmpClient against a misbehaving peer', () => {
  it('fails the pending command with QMP_PROTOCOL on a reply that is not JSON', async () => {
    const sock = tempSocket();
    fakePeer(sock, (_line, s) => s.write('this is not json\n'));
    const qmp = await QmpClient.connect(sock);
    const problems: string[] = [];
    qmp.onDidProblem((p) => problems.push(p.code));
    await expect(qmp.execute('query-status')).rejects.toMatchObject({ code: 'QMP_PROTOCOL' });
    expect(problems).toEqual(['QMP_PROTOCOL']);
    qmp.dispose();
  });

  it('fails with QMP_PROTOCOL on JSON of the wrong shape', async () => {
    const sock = tempSocket();
    fakePeer(sock, (_line, s) => s.write('{"return": {}, "id": 42}\n'));
    const qmp = await QmpClient.connect(sock);
    await expect(qmp.execute('query-status')).rejects.toMatchObject({ code: 'QMP_PROTOCOL' });
    qmp.dispose();
  });

  it('fails with QMP_TIMEOUT when nothing answers', async () => {
    const sock = tempSocket();
    fakePeer(sock, () => {});
    const qmp = await QmpClient.connect(sock);
    await expect(qmp.execute('query-status', undefined, 200)).rejects.toMatchObject({ code: 'QMP_TIMEOUT' });
    qmp.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { PtySession, HIGH_WATERMARK_CHARS } from './pty-session';
import { isAlive } from './process-tree';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm' };

describe('PtySession', () => {
  it('delivers the whole output of a real process through a real pty, batched', async () => {
    const s = PtySession.spawn({
      file: '/bin/sh',
      args: ['-c', 'for i in $(seq 1 2000); do echo line-$i; done'],
      cwd: '/tmp',
      env,
    });
    let text = '';
    let batches = 0;
    s.onDidData((d) => {
      text += d;
      batches++;
    });
    const exit = await s.exited;
    expect(exit.exitCode).toBe(0);
    const lines = text.split(/\r*\n/).filter(Boolean);
    expect(lines.length).toBe(2000);
    expect(lines[1999]).toBe('line-2000');
    // 2000 lines arrive in far fewer deliveries than lines: batching works.
    expect(batches).toBeLessThan(2000);
    s.dispose();
  });

  it('keeps the last output of a process that exits the moment it has written', async () => {
    // `seq` writes 169 KB and exits at once. Without the engine's hold on the slave side, the
    // exit ends the master's reads with EIO while output is still in the terminal: raw node-pty
    // lost lines in 5 of 12 such runs (scratch harness); each run here must keep every line.
    for (let run = 0; run < 8; run++) {
      const s = PtySession.spawn({ file: '/usr/bin/seq', args: ['1', '30000'], cwd: '/tmp', env });
      let text = '';
      s.onDidData((d) => (text += d));
      await s.exited;
      s.dispose();
      const lines = text.split(/\r*\n/).filter(Boolean);
      expect({ run, lines: lines.length, last: lines.at(-1) }).toEqual({ run, lines: 30000, last: '30000' });
    }
  });

  it('reads what a paused terminal still holds when its process exits', async () => {
    // A consumer that never acknowledges pauses the pty past the high watermark. The target then
    // writes its last 8,000 bytes into the paused terminal and exits at once: they must still
    // reach the output (node-pty drops the terminal 200 ms after the exit).
    const s = PtySession.spawn({
      file: '/bin/sh',
      args: [
        '-c',
        `head -c ${HIGH_WATERMARK_CHARS + 500} /dev/zero | tr '\\0' a; sleep 0.5; head -c 8000 /dev/zero | tr '\\0' z`,
      ],
      cwd: '/tmp',
      env,
    });
    const ch = s.openAckChannel();
    let a = 0;
    let z = 0;
    let pausedBeforeExit = false;
    s.onDidData((d) => {
      for (const c of d)
        if (c === 'a') a++;
        else if (c === 'z') z++;
    });
    setTimeout(() => (pausedBeforeExit = s.isPaused), 400);
    await s.exited;
    ch.dispose();
    s.dispose();
    expect(pausedBeforeExit).toBe(true);
    expect({ a, z }).toEqual({ a: HIGH_WATERMARK_CHARS + 500, z: 8000 });
  });

  it('passes a line from a quiet stream on in the same turn of the event loop, without a timer', async () => {
    // One heartbeat-like line every 300 ms. A timer-based flush would wake the engine a second time
    // for each line (20 idle agents: 26 wake-ups a second, measured); the quiet-stream path flushes
    // in the check phase of the turn that read it, so it runs before any timer set while reading.
    const s = PtySession.spawn({
      file: '/bin/sh',
      args: ['-c', 'for i in 1 2 3; do echo beat-$i; sleep 0.3; done'],
      cwd: '/tmp',
      env,
    });
    const order: string[] = [];
    s.onDidRawData((d) => {
      if (!d.includes('beat-')) return;
      order.push('raw');
      setTimeout(() => order.push('timer'), 0);
    });
    s.onDidData((d) => {
      if (d.includes('beat-')) order.push('data');
    });
    await s.exited;
    await new Promise((r) => setTimeout(r, 20));
    s.dispose();
    const beats = order.filter((o) => o === 'raw').length;
    expect(beats).toBeGreaterThanOrEqual(3);
    // Each delivery came right after its read, before the timer set in the same turn.
    for (let i = 0; i < order.length; i += 3) expect(order.slice(i, i + 3)).toEqual(['raw', 'data', 'timer']);
  });

  it('pauses a flooding target while a consumer lags, and resumes when it acks', async () => {
    const s = PtySession.spawn({ file: '/usr/bin/yes', args: ['0123456789abcdef'], cwd: '/tmp', env });
    const ch = s.openAckChannel();
    let received = 0;
    s.onDidData((d) => (received += d.length));
    for (let i = 0; i < 200 && !s.isPaused; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.isPaused).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const whilePaused = received;
    // While paused the reader stops: at most what was already in flight arrives.
    await new Promise((r) => setTimeout(r, 300));
    expect(received - whilePaused).toBeLessThan(HIGH_WATERMARK_CHARS);
    ch.ack(received);
    expect(s.isPaused).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toBeGreaterThan(whilePaused);
    const pid = s.pid;
    ch.dispose();
    s.dispose();
    await s.exited;
    expect(isAlive(pid)).toBe(false);
  });
});

describe('PtySession raw chunks', () => {
  it('gives parsers each chunk at arrival, before the batched flush carries it', async () => {
    const s = PtySession.spawn({
      file: '/bin/sh',
      args: ['-c', 'echo first; sleep 0.1; echo second; sleep 0.1'],
      cwd: '/tmp',
      env,
    });
    const order: string[] = [];
    s.onDidRawData((d) => d.includes('second') && order.push('raw'));
    s.onDidData((d) => d.includes('second') && order.push('batch'));
    await s.exited;
    expect(order).toEqual(['raw', 'batch']);
    s.dispose();
  });
});

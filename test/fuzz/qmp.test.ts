/**
 * QMP replies from a fake QEMU on a real unix socket, read by the real QmpClient: a malformed,
 * unknown or unexpected line rejects the pending command with QMP_PROTOCOL (or QEMU's own error as
 * QMP_COMMAND_FAILED) and is reported as a QMP_PROTOCOL problem; the client never throws out of
 * its socket handler and never waits out a timeout for a line it could not read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { QmpClient } from '../../main/lab/kernel/qmp';
import { LabError } from '../../main/util/errors';
import { corpusLines, runs } from './fuzz-config';

const QMP_CODES = ['QMP_PROTOCOL', 'QMP_COMMAND_FAILED', 'QMP_TIMEOUT'];
let dir: string;
let server: net.Server;
/** What the fake QEMU answers to the next command: a raw line (any bytes), then a correct reply. */
let nextReply = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-fuzz-'));
  server = net.createServer((sock) => {
    sock.write('{"QMP":{"version":{"qemu":{"major":8}},"capabilities":[]}}\n');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const cmd = JSON.parse(buf.slice(0, nl)) as { execute: string; id: string };
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') sock.write(`{"return":{},"id":"${cmd.id}"}\n`);
        else
          sock.write(
            `${nextReply.replaceAll('$ID', cmd.id)}\n{"return":{"running":true,"status":"running"},"id":"${cmd.id}"}\n`,
          );
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(path.join(dir, 'qmp.sock'), r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One fresh client per case (a protocol error may legitimately leave a client unusable). */
async function ask(line: string): Promise<{ result: 'ok' | string; problems: string[] }> {
  const client = await QmpClient.connect(path.join(dir, 'qmp.sock'), 2000);
  const problems: string[] = [];
  client.onDidProblem((p) => problems.push(p.code));
  nextReply = line;
  try {
    const s = await client.queryStatus(2000);
    expect(typeof s.running).toBe('boolean');
    return { result: 'ok', problems };
  } catch (err) {
    if (!(err instanceof LabError))
      throw new Error(`uncoded ${String(err)} for ${JSON.stringify(line.slice(0, 100))}`);
    expect(QMP_CODES).toContain(err.code);
    // A line the client could not read fails the command at once, not by its timeout.
    expect(err.code).not.toBe('QMP_TIMEOUT');
    return { result: err.code, problems };
  } finally {
    client.dispose();
  }
}

describe('QMP replies: malformed corpus', () => {
  for (const [k, line] of corpusLines('qmp-replies.txt').entries()) {
    it(`reply ${k + 1} (${JSON.stringify(line.slice(0, 40))}) settles with a code or a valid status`, async () => {
      const r = await ask(line);
      for (const p of r.problems) expect(p).toBe('QMP_PROTOCOL');
    });
  }

  it("a reply with a wrong shape for its command is QMP_PROTOCOL, QEMU's error is QMP_COMMAND_FAILED", async () => {
    expect((await ask('{"return":{"running":"yes"},"id":"$ID"}')).result).toBe('QMP_PROTOCOL');
    expect((await ask('{"error":{"class":"GenericError","desc":"no"},"id":"$ID"}')).result).toBe(
      'QMP_COMMAND_FAILED',
    );
    expect((await ask('not json')).result).toBe('QMP_PROTOCOL');
  });
});

describe('QMP replies: fast-check', () => {
  const reply = fc.oneof(
    fc.string({ maxLength: 80 }).map((s) => s.replaceAll('\n', ' ')),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc
      .record({ return: fc.jsonValue({ maxDepth: 2 }), id: fc.constantFrom('$ID', 'lab-0', 7) })
      .map((v) => JSON.stringify(v)),
    fc.record({ error: fc.jsonValue({ maxDepth: 2 }), id: fc.constant('$ID') }).map((v) => JSON.stringify(v)),
    fc.record({ event: fc.string(), timestamp: fc.jsonValue({ maxDepth: 2 }) }).map((v) => JSON.stringify(v)),
  );
  it('any line QEMU might send settles the command with a valid status or a QMP code', async () => {
    await fc.assert(
      fc.asyncProperty(reply, async (line) => void (await ask(line))),
      runs(120),
    );
  });
});

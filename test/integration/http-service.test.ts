/**
 * The bundled quick-http-service plan on a real program: python3's http.server as a service,
 * checked over HTTP at every pulse. Pulses carry measured HTTP latencies; a check pointed at a
 * port nobody serves shows the target alive but unresponsive.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parsePlanObject, type Plan } from '../../main/model/plan';
import { buildPreview } from '../../main/run/preview';
import { resourcesDir } from '../../main/util/paths';
import { liveProcessesOfRun, newRun, tempDir, useTempHome } from './helpers';

beforeAll(() => {
  useTempHome();
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The bundled plan, with the server on `serve` and the check aimed at `check`. */
function bundledPlan(serve: number, check: number, workerSec?: string): Plan {
  const raw = JSON.parse(
    fs.readFileSync(path.join(resourcesDir(), 'plans', 'quick-http-service.json'), 'utf8'),
  );
  const web = raw.targets.find((t: { id: string }) => t.id === 'web');
  web.args = web.args.map((a: string) => (a === '18431' ? String(serve) : a));
  web.health.url = `http://127.0.0.1:${check}/`;
  const worker = raw.targets.find((t: { id: string }) => t.id === 'worker');
  if (workerSec) worker.args[1] = workerSec;
  // Guard rails relaxed as in makePlan: a loaded test box must not halt the probe under test.
  raw.thresholds.guard = { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 };
  return parsePlanObject(raw);
}

const webAnswers = (run: ReturnType<typeof newRun>) =>
  run.pulses.flatMap((p) => p.targets.filter((t) => t.targetId === 'web'));

describe('quick-http-service: a real service checked over HTTP', () => {
  it('the preview shows the http check', () => {
    const plan = bundledPlan(18431, 18431);
    const preview = buildPreview(plan, {
      planDir: path.join(resourcesDir(), 'plans'),
      resourcesDir: resourcesDir(),
    });
    expect(preview.lines).toContain(
      '  health check: HTTP GET http://127.0.0.1:18431/ expecting status 200, timeout 2 s',
    );
  });

  it('pulses carry measured HTTP latencies (status 200, rttMs > 0)', async () => {
    const port = await freePort();
    const run = newRun(bundledPlan(port, port), tempDir());
    const result = await run.run();
    expect(result.verdict, JSON.stringify([run.anomalies, run.events.slice(-5)])).not.toBe('HALTED');
    const web = webAnswers(run);
    const measured = web.filter((t) => t.responsive === true);
    // The first burst comes 3 s after the start: python is listening by then.
    expect(measured.length).toBeGreaterThanOrEqual(3);
    for (const t of measured) {
      expect(t.method).toMatch(/^http GET http:\/\/127\.0\.0\.1:\d+\//);
      expect(t.detail).toMatch(/^HTTP 200 in /);
      expect(t.rttMs).toBeGreaterThan(0);
    }
    expect(liveProcessesOfRun(run.runId)).toEqual([]);
  }, 40_000);

  it('a check aimed at a port nobody serves: the service is alive but unresponsive', async () => {
    const port = await freePort();
    const closed = await freePort();
    const run = newRun(bundledPlan(port, closed === port ? closed + 1 : closed, '5'), tempDir());
    await run.run();
    const web = webAnswers(run);
    expect(web.length).toBeGreaterThan(0);
    for (const t of web) {
      expect(t.alive).toBe(true);
      expect(t.responsive).toBe(false);
      expect(t.rttMs).toBeNull();
      expect(t.detail).toMatch(/ECONNREFUSED/);
    }
    expect(run.pulses.some((p) => p.status !== 'GREEN')).toBe(true);
  }, 40_000);
});

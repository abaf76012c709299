/**
 * Chaos waves against the QEMU lab kernel, for real: QMP stop/cont for the heartbeat pause, QMP
 * set_link for the network partition, QMP block throttling for the disk stall, each recovered (or
 * escalated) by the same four methods as an agent. Setup runs first (once per machine: one kernel package).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../main/kinds/chaos';
import { applyChaosFlags } from '../../main/kinds/chaos';
import type { ScenarioRecord } from '../../main/kinds/chaos/report';
import { setupLabKernel } from '../../main/lab/kernel/setup';
import { parsePlanObject } from '../../main/model/plan';
import { liveProcessesOfRun, newRun, tempDir } from './helpers';

beforeAll(async () => {
  // A home kept between runs: the kernel package is downloaded once, later setups change nothing.
  const home = path.join(os.tmpdir(), 'probe-lab-chaos-kernel-home');
  fs.mkdirSync(home, { recursive: true });
  process.env.PROBE_LAB_HOME = home;
  await setupLabKernel();
}, 120_000);

describe('chaos on the lab kernel', () => {
  it('pauses, partitions and stalls the guest through QMP, and measures each recovery', async () => {
    const plan = parsePlanObject({
      id: 'chaos-kernel',
      title: 'Chaos on the lab kernel',
      kind: 'chaos',
      allowlist: ['workload-agent', 'qemu-system-x86_64'],
      targets: [
        {
          id: 'lab-kernel',
          kind: 'lab-kernel',
          image: 'bundled',
          memoryMb: 256,
          cpus: 1,
          bootTimeoutSec: 45,
        },
        // A task beside the kernel (a service): the probe ends when its tasks end.
        {
          id: 'agent',
          kind: 'agent',
          command: 'workload-agent',
          args: ['--run-sec', '120', '--heartbeat-ms', '200'],
        },
      ],
      run: { maxDurationSec: 90 },
      pulses: { cadenceSec: 600, burst: { count: 1, spacingSec: 1 }, after: 1, timeoutSec: 5 },
      snapshots: { cadenceSec: 2 },
      sampling: { intervalMs: 500 },
      thresholds: {
        guard: { cpuPct: 100, ramPct: 100, gpuPct: 100, windowSec: 3600 },
        coverage: { minPct: 0 },
      },
      chaos: {
        recoveryTimeoutMs: 8000,
        baseline: { pings: 8, ratePerSec: 20 },
        params: { pauseMs: [1000, 1000], stallMs: [1000, 1000], partitionMs: [1000, 1000] },
        waves: [
          {
            name: 'pause',
            severity: 'low',
            scenarios: 1,
            pool: ['heartbeat-pause'],
            targets: ['lab-kernel'],
          },
          {
            name: 'partition',
            severity: 'low',
            scenarios: 1,
            pool: ['network-partition'],
            targets: ['lab-kernel'],
          },
          { name: 'stall', severity: 'low', scenarios: 1, pool: ['disk-io-stall'], targets: ['lab-kernel'] },
        ],
      },
    });
    const run = newRun(applyChaosFlags(plan, { seed: 3 }), tempDir('chaos-kernel-'));
    const result = await run.run();
    const extra = (
      JSON.parse(fs.readFileSync(result.report.json, 'utf8')) as {
        extra: { chaos: { scenarios: ScenarioRecord[]; verdict: string } };
      }
    ).extra.chaos;
    for (const s of extra.scenarios)
      console.log(
        `[chaos-kernel] ${s.id} ${s.type} ${s.outcome} fault ${s.faultMs} ms, recovery ${s.recoveryMs} ms ${JSON.stringify(s.details)}`,
      );
    expect(extra.scenarios.map((s) => s.type)).toEqual([
      'heartbeat-pause',
      'network-partition',
      'disk-io-stall',
    ]);
    for (const s of extra.scenarios) {
      expect(s.targetId).toBe('lab-kernel');
      expect(['recovered', 'escalated']).toContain(s.outcome);
    }
    const pause = extra.scenarios[0];
    expect(pause?.details.statusWhilePaused).toBe('paused');
    expect(Number(pause?.details.pausedMs)).toBeGreaterThanOrEqual(1000);
    const partition = extra.scenarios[1];
    // The guest could not reach its gateway while the link was down, and could after.
    expect(partition?.details.pingDuringMs).toBeNull();
    expect(partition?.details.pingAfterMs).not.toBeNull();
    const stall = extra.scenarios[2];
    expect(Number(stall?.details.stalledWriteMs)).toBeGreaterThan(Number(stall?.details.baselineWriteMs));
    expect(liveProcessesOfRun(run.runId)).toEqual([]);
  }, 120_000);
});

/** Builders for unit tests: the smallest well-formed evidence records. Not imported by the app. */
import type { Pulse, ResourceSample, RunState, Snapshot, TesScore } from '../../../preload/contract';

export const RUN_ID = 'run-1';

export function host(at: number, cpuPct = 10, ramPct = 20, gpuPct: number | null = null) {
  return { at, cpuPct, ramPct, gpuPct, memTotalKb: 1000, memAvailableKb: 800, load1: 0.1 };
}

export function pulse(seq: number, over: Partial<Pulse> = {}): Pulse {
  const plannedAt = 1_000_000 + seq * 1000;
  return {
    seq,
    phase: 'during',
    burst: 1,
    plannedAt,
    startedAt: plannedAt,
    completedAt: plannedAt + 100,
    startLagMs: 0,
    latencyMs: 100,
    labWorkMs: 2,
    latencyClass: 'ok',
    host: null,
    targets: [],
    tes: 99,
    tesDelta: 0,
    integrity: null,
    status: 'GREEN',
    reasons: [],
    ...over,
  };
}

export function sample(at: number, cpuPct = 10): ResourceSample {
  return { at, host: host(at, cpuPct), targets: [], engineCpuPct: 1 };
}

export function snapshot(seq: number, slot = seq): Snapshot {
  return {
    seq,
    slot,
    plannedAt: 1_000_000 + slot * 1000,
    at: 1_000_000 + slot * 1000,
    host: host(0),
    targets: [],
    states: [],
  };
}

export function tes(subject: string, score: number): TesScore {
  return {
    subject,
    score,
    variant: 'v2',
    components: { stability: 1, velocity: 1, footprint: 1 },
    runMs: 1000,
    filesChanged: 0,
    outcome: 'running',
    drift: score >= 99 ? 'golden' : score >= 95 ? 'mild' : score >= 85 ? 'significant' : 'penalised',
    penalties: { stability: 0, velocity: 0, footprint: 0, compliance: 0, coherence: 0 },
  };
}

export function runState(over: Partial<RunState> = {}): RunState {
  return {
    run: {
      runId: RUN_ID,
      planId: 'plan-a',
      title: 'Plan A',
      startedAt: 1_000_000,
      endedAt: null,
      status: 'running',
      verdict: null,
      reportPath: null,
    },
    maxDurationSec: 600,
    pulses: [],
    samples: [],
    snapshots: [],
    coverage: null,
    tes: [],
    integrity: null,
    events: [],
    anomalies: [],
    targets: [],
    output: [],
    guardRails: { cpuPct: 85, ramPct: 80, gpuPct: 70, windowSec: 30 },
    thresholds: { pulseWarnSec: 3, pulseCritSec: 5 },
    ...over,
  };
}

/**
 * The text a new plan starts from: one bundled workload agent, a short run, seed 000's thresholds
 * left to the schema's defaults. Valid as it stands, so the person edits from something that runs.
 */
export const NEW_PLAN_TEXT = `${JSON.stringify(
  {
    id: 'my-plan',
    title: 'My plan',
    kind: 'concurrency',
    description: 'Describe what this probe checks.',
    allowlist: ['workload-agent'],
    targets: [
      {
        id: 'worker',
        kind: 'agent',
        command: 'workload-agent',
        args: [
          '--run-sec',
          '12',
          '--cpu-share',
          '0.05',
          '--memory-mb',
          '16',
          '--files',
          '1',
          '--heartbeat-ms',
          '500',
        ],
        count: 2,
        health: { type: 'ping' },
      },
    ],
    run: { maxDurationSec: 45 },
    pulses: { cadenceSec: 8, burst: { count: 2, spacingSec: 2 }, after: 1, timeoutSec: 5 },
    snapshots: { cadenceSec: 4 },
  },
  null,
  2,
)}\n`;

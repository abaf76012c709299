/**
 * `probe-lab serve` itself: Ctrl+C while a probe runs halts it, and no process of the run is left
 * once the server has exited.
 */
import { expect, test } from '../fixtures';
import { isRunning, processTree, processesInside } from '../procs';

test('Ctrl+C on serve halts the running probe and leaves no process behind', async ({ lab }) => {
  const requested = await lab.invoke('runs.requestStart', { plan: { id: 'quick-concurrency' } });
  const challengeId = (requested.reply.value as { challengeId: string }).challengeId;
  const started = await lab.invoke('runs.answerChallenge', { challengeId, typedPlanId: 'quick-concurrency' });
  expect(started.reply.ok, JSON.stringify(started.reply.error)).toBe(true);
  const runId = (started.reply.value as { runId: string }).runId;

  let pids: number[] = [];
  await expect
    .poll(async () => {
      const state = await lab.invoke('runs.state', { runId });
      const targets = (state.reply.value as { targets: { pid: number | null }[] } | undefined)?.targets ?? [];
      pids = targets.map((t) => t.pid).filter((p): p is number => p !== null);
      return pids.length;
    })
    .toBe(4);
  const procs = pids.flatMap((pid) => processTree(pid));
  expect(procs.filter(isRunning).length).toBeGreaterThanOrEqual(4);

  expect(await lab.stop('SIGINT')).toBe(0);
  expect(procs.filter(isRunning)).toEqual([]);
  expect(processesInside(lab.reportsDir, [process.pid])).toEqual([]);
});

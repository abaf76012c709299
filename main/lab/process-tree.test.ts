import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { isAlive, killTree, parseStat, readStat, treePids } from './process-tree';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('process tree', () => {
  it('parses a stat line whose comm holds spaces and parentheses', () => {
    const st = parseStat('123 (a (b) c) S 1 123 123 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 4 0 999 1000 250 x');
    expect(st).toMatchObject({
      pid: 123,
      comm: 'a (b) c',
      state: 'S',
      ppid: 1,
      pgrp: 123,
      utimeTicks: 7,
      stimeTicks: 3,
      threads: 4,
      starttimeTicks: 999,
      rssPages: 250,
    });
  });

  it('walks a real tree and kills all of it, including a child that ignores SIGTERM', async () => {
    // A shell that starts two grandchildren, one of which traps SIGTERM.
    const root = spawn('/bin/sh', ['-c', 'sleep 30 & sh -c \'trap "" TERM; sleep 30\' & wait'], {
      detached: true,
      stdio: 'ignore',
    });
    const rootPid = root.pid as number;
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 4; i++) {
      await sleep(20);
      tree = treePids(rootPid);
    }
    expect(tree.length).toBeGreaterThanOrEqual(4);
    expect(tree[0]).toBe(rootPid);
    const { survivors, signalled } = await killTree([rootPid], 300);
    expect(survivors).toEqual([]);
    expect(signalled.length).toBeGreaterThanOrEqual(4);
    for (const pid of tree) expect(isAlive(pid)).toBe(false);
  });

  it('kills an escaped process it saw earlier, by identity', async () => {
    const escaped = spawn('/bin/sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = escaped.pid as number;
    const st = readStat(pid);
    expect(st).not.toBeNull();
    const { survivors } = await killTree([], 200, [{ pid, starttimeTicks: st!.starttimeTicks }]);
    expect(survivors).toEqual([]);
    expect(isAlive(pid)).toBe(false);
  });
});

describe('tree walk by main thread only', () => {
  it('finds children forked by the main thread without reading every thread', async () => {
    const root = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    const rootPid = root.pid as number;
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 3; i++) {
      await sleep(20);
      tree = treePids(rootPid, false);
    }
    expect(tree.sort()).toEqual(treePids(rootPid, true).sort());
    expect(tree.length).toBe(3);
    await killTree([rootPid], 200);
  });
});

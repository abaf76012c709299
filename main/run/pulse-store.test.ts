import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Pulse } from '../model/evidence';
import { PulseStore } from './pulse-store';
import { Recorder } from './recorder';

function pulse(seq: number, targets = 8): Pulse {
  return {
    seq,
    phase: 'during',
    burst: Math.ceil(seq / 3),
    plannedAt: 1_700_000_000_000 + seq * 60_000,
    startedAt: 1_700_000_000_003 + seq * 60_000,
    completedAt: 1_700_000_000_045 + seq * 60_000,
    startLagMs: 3.25,
    latencyMs: 45.125 + seq / 7,
    labWorkMs: 1.5,
    latencyClass: 'ok',
    host: {
      at: seq,
      cpuPct: 12.5,
      ramPct: 40.1,
      gpuPct: null,
      memTotalKb: 1000,
      memAvailableKb: 600,
      load1: 0.5,
    },
    targets: Array.from({ length: targets }, (_, k) => ({
      targetId: `agent-${k}`,
      alive: true,
      responsive: k % 3 ? true : null,
      rttMs: k % 4 ? 1.2 + k : null,
      method: 'ping',
      // Not Latin-1: the text is stored as UTF-8, never as a two-byte string.
      detail: `pong in ${k} ms — ok ✓ ${'x'.repeat(seq % 50)}`,
      tes: k % 2 ? 88.5 : null,
    })),
    tes: 91.25,
    tesDelta: -0.5,
    integrity: null,
    status: 'GREEN',
    reasons: [],
    fileIo: { maxMs: 2.5, class: 'ok', ops: [] } as unknown as Pulse['fileIo'],
  };
}

describe('PulseStore', () => {
  it('reads every pulse back as the same JSON, across chunks, with a pulse larger than a chunk', async () => {
    const store = new PulseStore();
    const all: Pulse[] = [];
    for (let seq = 1; seq <= 2500; seq++) {
      // One pulse with 5,000 targets is over a chunk (1 MB) by itself.
      const p = pulse(seq, seq === 1200 ? 5000 : 8);
      all.push(p);
      store.push(p);
    }
    expect(store.length).toBe(2500);
    expect(store.latest()).toBe(all.at(-1));
    const back = store.all();
    expect(back).toEqual(all);
    expect(JSON.stringify(back, null, 2)).toBe(JSON.stringify(all, null, 2));
    expect(store.all()).not.toBe(back);
    // Full chunks are deflated in the background, and read back the same.
    const deadline = Date.now() + 10_000;
    while (store.held().deflated < store.held().chunks - 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const held = store.held();
    expect(held.chunks).toBeGreaterThan(3);
    expect(held.deflated).toBe(held.chunks - 1);
    // The last chunk (1 MB) is still filling, raw.
    expect(held.bytes - (1 << 20)).toBeLessThan(Buffer.byteLength(JSON.stringify(all)) / 4);
    expect(JSON.stringify(store.all(), null, 2)).toBe(JSON.stringify(all, null, 2));
  });

  it('keeps a pulse JSON cannot carry (NaN, a cycle) as the object itself', () => {
    const store = new PulseStore();
    const odd = { ...pulse(2), latencyMs: Number.NaN, startLagMs: Infinity };
    const cyclic = { ...pulse(4), reasons: [] as unknown[] } as unknown as Pulse;
    (cyclic.reasons as unknown[]).push(cyclic);
    store.push(pulse(1));
    store.push(odd);
    store.push(pulse(3));
    store.push(cyclic);
    const back = store.all();
    expect(back[1]).toBe(odd);
    expect(back[3]).toBe(cyclic);
    expect(back[0]).toEqual(pulse(1));
    expect(back[2]).toEqual(pulse(3));
  });

  it("holds a day of a recorder's pulses in a tenth of the heap they take as objects", () => {
    // The soak's day: ~4,320 pulses of 8 targets. Measured with the heap after full collections.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const h0 = heap();
    const recorder = new Recorder('r1');
    for (let seq = 1; seq <= 4320; seq++) recorder.pulse(pulse(seq));
    const held = heap() - h0;
    const objects = Array.from({ length: 4320 }, (_, k) => pulse(k + 1));
    const asObjects = heap() - h0 - held;
    expect(objects).toHaveLength(recorder.pulseCount);
    // What the recorder holds on the heap is its index only (the text is outside the V8 heap).
    expect(held).toBeLessThan(asObjects / 10);
  });
});

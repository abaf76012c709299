/**
 * Every pulse of a run, held compactly until the end (the thresholds and the report read them all):
 * each pulse's JSON text, UTF-8, appended to fixed-size chunks outside the V8 heap. A pulse as
 * objects is ~4.3 KB of small long-lived heap objects (8 targets); scattered among the run's
 * short-lived garbage they kept the old space's committed pages growing at twice the live size
 * (measured: heap +0.8 MB and RSS about +1.6 MB per simulated hour of a 24 h soak). Its text is
 * ~1.5 KB in a chunk that never moves.
 *
 * A pulse reads back as JSON.parse of its own JSON.stringify, which JSON.stringify writes byte for
 * byte as before (only properties set to undefined are absent, as they are from the JSON). A pulse
 * holding a number JSON cannot carry (NaN, Infinity) is kept as the object instead, unchanged.
 */
import type { Pulse } from '../model/evidence';

/**
 * Bytes per chunk: about 700 pulses of 8 targets, so a 24 h run (4,320 pulses) takes ~7 chunks
 * and a short one wastes at most this much. A larger pulse gets a chunk of its own.
 */
const CHUNK_BYTES = 1 << 20;

export class PulseStore {
  private readonly chunks: Buffer[] = [];
  /** Bytes used of the last chunk. */
  private used = 0;
  /** Per pulse: its chunk, and its start and end in it (Uint32 each, grown by doubling). */
  private where = new Uint32Array(3 * 256);
  private count = 0;
  /** Pulses whose JSON would not read back the same, by index (never seen in practice). */
  private readonly whole = new Map<number, Pulse>();
  private last: Pulse | null = null;

  push(pulse: Pulse): void {
    let faithful = true;
    const text = JSON.stringify(pulse, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) faithful = false;
      return v;
    });
    if (3 * (this.count + 1) > this.where.length) {
      const grown = new Uint32Array(this.where.length * 2);
      grown.set(this.where);
      this.where = grown;
    }
    const i = this.count++;
    this.last = pulse;
    if (!faithful) {
      this.whole.set(i, pulse);
      this.where.set([0, 0, 0], 3 * i);
      return;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    let chunk = this.chunks.at(-1);
    if (!chunk || this.used + bytes > chunk.length) {
      chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
      this.chunks.push(chunk);
      this.used = 0;
    }
    chunk.write(text, this.used, 'utf8');
    this.where.set([this.chunks.length - 1, this.used, this.used + bytes], 3 * i);
    this.used += bytes;
  }

  get length(): number {
    return this.count;
  }

  /** The latest pulse, as recorded (the same object). */
  latest(): Pulse | null {
    return this.last;
  }

  /** Every pulse in order, read back: new objects on each call, so read once and keep the array. */
  all(): Pulse[] {
    const out: Pulse[] = new Array<Pulse>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.read(i);
    return out;
  }

  private read(i: number): Pulse {
    const kept = this.whole.get(i);
    if (kept) return kept;
    const chunk = this.chunks[this.where[3 * i] as number] as Buffer;
    return JSON.parse(chunk.toString('utf8', this.where[3 * i + 1], this.where[3 * i + 2])) as Pulse;
  }
}

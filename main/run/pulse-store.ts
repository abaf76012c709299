/**
 * Every pulse of a run, held compactly until the end (the thresholds and the report read them all):
 * each pulse's JSON text, UTF-8, appended to fixed-size chunks outside the V8 heap. A pulse as
 * objects is ~4.3 KB of small long-lived heap objects (8 targets); scattered among the run's
 * short-lived garbage they kept the old space's committed pages growing at twice the live size
 * (measured: heap +0.8 MB and RSS about +1.6 MB per simulated hour of a 24 h soak). Its text is
 * ~3.3 KB in a chunk that never moves, and a full chunk is deflated off the event loop (libuv's
 * pool) to a fraction of that: the text is near-identical from pulse to pulse.
 *
 * A pulse reads back as JSON.parse of its own JSON.stringify, which JSON.stringify writes byte for
 * byte as before (only properties set to undefined are absent, as they are from the JSON). A pulse
 * holding what JSON cannot carry (NaN, Infinity, a cycle) is kept as the object instead, unchanged.
 */
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { Pulse } from '../model/evidence';

/**
 * Bytes per chunk: about 700 pulses of 8 targets, so a 24 h run (4,320 pulses) takes ~7 chunks
 * and a short one wastes at most this much. A larger pulse gets a chunk of its own.
 */
const CHUNK_BYTES = 1 << 20;
/** zlib's fastest level: a full chunk takes a few ms of a pool thread; the text still shrinks ~10x. */
const DEFLATE_LEVEL = 1;

/** A chunk's text: raw while filling (and until its deflate ends), then only deflated. */
interface Chunk {
  raw: Buffer | null;
  packed: Buffer | null;
}

export class PulseStore {
  private readonly chunks: Chunk[] = [];
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
    let text = '';
    try {
      text = JSON.stringify(pulse, (_k, v: unknown) => {
        if (typeof v === 'number' && !Number.isFinite(v)) faithful = false;
        return v;
      });
    } catch {
      // Not JSON at all (a cycle, a bigint): kept as it is; the ledger records why it cannot write it.
      faithful = false;
    }
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
    let chunk = this.chunks.at(-1)?.raw;
    if (!chunk || this.used + bytes > chunk.length) {
      this.seal();
      chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
      this.chunks.push({ raw: chunk, packed: null });
      this.used = 0;
    }
    chunk.write(text, this.used, 'utf8');
    this.where.set([this.chunks.length - 1, this.used, this.used + bytes], 3 * i);
    this.used += bytes;
  }

  get length(): number {
    return this.count;
  }

  /** Bytes held for the pulses' text, and how many chunks of it are deflated so far. */
  held(): { bytes: number; chunks: number; deflated: number } {
    let bytes = 0;
    for (const c of this.chunks) bytes += (c.raw ?? c.packed)?.length ?? 0;
    return { bytes, chunks: this.chunks.length, deflated: this.chunks.filter((c) => !c.raw).length };
  }

  /** The latest pulse, as recorded (the same object). */
  latest(): Pulse | null {
    return this.last;
  }

  /** Every pulse in order, read back: new objects on each call, so read once and keep the array. */
  all(): Pulse[] {
    const out: Pulse[] = new Array<Pulse>(this.count);
    let open = -1;
    let text: Buffer | null = null;
    for (let i = 0; i < this.count; i++) {
      const kept = this.whole.get(i);
      if (kept) {
        out[i] = kept;
        continue;
      }
      const c = this.where[3 * i] as number;
      if (c !== open) {
        const chunk = this.chunks[c] as Chunk;
        text = chunk.raw ?? inflateRawSync(chunk.packed as Buffer);
        open = c;
      }
      out[i] = JSON.parse(
        (text as Buffer).toString('utf8', this.where[3 * i + 1], this.where[3 * i + 2]),
      ) as Pulse;
    }
    return out;
  }

  /** Deflates the full last chunk in the background; it stays raw (and readable) until that ends. */
  private seal(): void {
    const chunk = this.chunks.at(-1);
    if (!chunk?.raw) return;
    const used = this.used;
    deflateRaw(chunk.raw.subarray(0, used), { level: DEFLATE_LEVEL }, (err, packed) => {
      // A failed deflate costs memory only: the raw text is kept.
      if (err) return;
      chunk.packed = packed;
      chunk.raw = null;
    });
  }
}

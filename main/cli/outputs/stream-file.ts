/**
 * A file written as a stream of lines (NDJSON, CSV) that never blocks the run: lines go into the
 * write stream's buffer and Node writes them in the background. If the disk falls behind by more
 * than MAX_BUFFERED_BYTES, lines are dropped and counted rather than held in memory without end;
 * a write error stops the file and is reported at stop (the recorder records it, the run goes on).
 */
import fs from 'node:fs';

/** About a minute of every record of a busy run; past it the disk is not keeping up at all. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class LineFile {
  dropped = 0;
  error: Error | null = null;
  private readonly stream: fs.WriteStream;
  private closed = false;

  constructor(readonly file: string) {
    this.stream = fs.createWriteStream(file, { flags: 'w', mode: 0o644 });
    this.stream.on('error', (err) => (this.error ??= err));
  }

  write(line: string): void {
    if (this.closed || this.error) return;
    if (this.stream.writableLength > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    this.stream.write(`${line}\n`);
  }

  /** Flushes what is buffered and closes; rejects with the first write error or the drop count. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      if (this.error) return resolve();
      this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
    if (this.error) throw new Error(`${this.file}: ${this.error.message}`);
    if (this.dropped) throw new Error(`${this.file}: ${this.dropped} line(s) dropped, the disk fell behind`);
  }
}

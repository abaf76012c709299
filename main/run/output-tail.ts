/**
 * The last N characters of a target's output, for late joiners. Batches are kept as they came
 * (only as many as cover N) and joined when someone asks: joining on every batch copied up to N
 * characters per batch, which twenty flooding agents did thousands of times a second for a tail
 * that is read when a console connects.
 */
export class OutputTail {
  private parts: string[] = [];
  private chars = 0;

  constructor(private readonly limit: number) {}

  push(data: string): void {
    if (!data.length) return;
    this.parts.push(data);
    this.chars += data.length;
    // Drop whole batches that the rest already cover; amortised O(1) per batch.
    let drop = 0;
    while (drop < this.parts.length - 1 && this.chars - (this.parts[drop] as string).length >= this.limit) {
      this.chars -= (this.parts[drop] as string).length;
      drop++;
    }
    if (drop) this.parts.splice(0, drop);
  }

  /** At most `limit` characters: the end of everything pushed. */
  get text(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')];
    const whole = this.parts[0] ?? '';
    return whole.length > this.limit ? whole.slice(-this.limit) : whole;
  }
}

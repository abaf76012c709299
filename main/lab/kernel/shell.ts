/**
 * The guest shell on the serial console, one command at a time. A command is sent only after the
 * prompt has returned (sending early makes busybox skip its cursor query and mixes echoes), and
 * its output is taken from real lines between two markers the guest prints itself, so the typed
 * echo can never be mistaken for the answer (`echo LAB-B""7` is typed, `LAB-B7` comes back).
 */
import { type Disposable } from '../../util/event';
import { LabError } from '../../util/errors';
import type { SerialLine, SerialParser } from './serial';

/** After a command's end marker the prompt follows within a few ms; past this we go on without it. */
export const PROMPT_GRACE_MS = 1_000;
/** What Enter sends on a terminal. */
const ENTER = '\r';
const CTRL_C = '\x03';

export interface ShellResult {
  lines: string[];
  exitCode: number;
  /** From write to end marker, host monotonic clock. */
  ms: number;
}

export interface RoundTrip {
  /** From the write of the command to the arrival of its answer line. */
  rttMs: number;
  at: number;
}

export class SerialShell implements Disposable {
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private disposed = false;
  private closedReason: string | null = null;
  /** Every wait in flight, so a target that exits fails them at once instead of at their timeouts. */
  private readonly waiting = new Set<(err: Error) => void>();

  constructor(
    private readonly write: (data: string) => void,
    private readonly parser: SerialParser,
  ) {}

  /** Runs one busybox command line; resolves with its output lines and exit status. */
  exec(command: string, timeoutMs: number): Promise<ShellResult> {
    return this.serial(async () => {
      const id = ++this.seq;
      const begin = `LAB-B${id}`;
      const endRe = new RegExp(`^LAB-E${id} (\\d+)$`);
      const lines: string[] = [];
      let collecting = false;
      let exitCode = -1;
      const t0 = performance.now();
      const endAt = await this.until(
        (l) => {
          if (l.text === begin) collecting = true;
          else if (collecting) {
            const m = endRe.exec(l.text);
            if (m) {
              exitCode = Number(m[1]);
              return true;
            }
            lines.push(l.text);
          }
          return false;
        },
        () => this.write(`echo LAB-B""${id}; ${command}; echo LAB-E""${id} $?${ENTER}`),
        timeoutMs,
        command,
      );
      return { lines, exitCode, ms: endAt - t0 };
    });
  }

  /** exec that fails with the command's own output when its status is not 0. */
  async check(command: string, timeoutMs: number): Promise<ShellResult> {
    const r = await this.exec(command, timeoutMs);
    if (r.exitCode !== 0)
      throw new LabError(
        'KERNEL_SHELL_TIMEOUT',
        `guest command failed (status ${r.exitCode}): ${command}: ${r.lines.slice(-3).join(' | ')}`,
      );
    return r;
  }

  /**
   * The round-trip probe: a command whose answer differs from what was typed (the guest does the
   * arithmetic), timed from the write to the answer line.
   */
  roundTrip(timeoutMs: number): Promise<RoundTrip> {
    return this.serial(async () => {
      const n = ++this.seq;
      const answer = `LAB-R${n + 1}`;
      let t0 = 0;
      const at = await this.until(
        (l) => l.text === answer,
        () => {
          t0 = performance.now();
          this.write(`echo LAB-R$((${n}+1))${ENTER}`);
        },
        timeoutMs,
        'round trip',
      );
      return { rttMs: at - t0, at };
    });
  }

  /**
   * For shells without markers (the seed 002 `stresstest` dialect): sends a line and collects every
   * line until the prompt comes back.
   */
  raw(line: string, timeoutMs: number): Promise<{ lines: string[]; ms: number }> {
    return this.serial(async () => {
      const lines: string[] = [];
      const promptsBefore = this.parser.prompts;
      const t0 = performance.now();
      const sub = this.parser.onDidLine((l) => lines.push(l.text));
      try {
        await this.waitPrompt(promptsBefore, timeoutMs, () => this.write(line + ENTER), line);
      } finally {
        sub.dispose();
      }
      // Our own typed line comes back as an echo after the prompt, and bare prompts are not output.
      const typed = line.trim();
      const echo = typed ? lines.findIndex((l) => l.includes(typed)) : -1;
      if (echo >= 0) {
        // Output the console glued to the echo on one line is output all the same: dropped with the
        // echo, a suite's header would go (one run under heavy host load lost its header this way
        // or another; its kind could not be told from its text).
        const rest = lines[echo]!.slice(lines[echo]!.indexOf(typed) + typed.length).trim();
        lines.splice(0, echo + 1, ...(rest ? [rest] : []));
      }
      const output = lines.filter((l) => !this.parser.isPrompt(l));
      lines.length = 0;
      lines.push(...output);
      return { lines, ms: performance.now() - t0 };
    });
  }

  /** Waits until the shell has shown its first prompt (right after boot). */
  async waitFirstPrompt(timeoutMs: number): Promise<void> {
    if (this.parser.prompts > 0) return;
    await this.waitPrompt(0, timeoutMs, () => {}, 'first prompt');
  }

  /** The console is gone (QEMU exited): fails every wait in flight and every later command. */
  close(reason: string): void {
    this.closedReason ??= reason;
    const err = new LabError('KERNEL_SHELL_TIMEOUT', `guest shell closed: ${reason}`);
    for (const reject of [...this.waiting]) reject(err);
    this.waiting.clear();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.disposed || this.closedReason)
      return Promise.reject(
        new LabError(
          'KERNEL_SHELL_TIMEOUT',
          `serial shell is closed${this.closedReason ? `: ${this.closedReason}` : ''}`,
        ),
      );
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Sends, waits for the line that `done` accepts, then for the prompt that follows it. On a
   * timeout the guest command is interrupted with Ctrl-C so the next command finds a prompt.
   */
  private async until(
    done: (l: SerialLine) => boolean,
    send: () => void,
    timeoutMs: number,
    what: string,
  ): Promise<number> {
    let sub: Disposable | null = null;
    let timer: NodeJS.Timeout | null = null;
    let promptsAtEnd = 0;
    let onClose: ((err: Error) => void) | null = null;
    try {
      const at = await new Promise<number>((resolve, reject) => {
        onClose = reject;
        this.waiting.add(reject);
        sub = this.parser.onDidLine((l) => {
          if (done(l)) {
            promptsAtEnd = this.parser.prompts;
            resolve(l.at);
          }
        });
        timer = setTimeout(
          () =>
            reject(
              new LabError(
                'KERNEL_SHELL_TIMEOUT',
                `guest shell: no answer to "${what}" within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        send();
      });
      (sub as Disposable | null)?.dispose();
      sub = null;
      await this.waitPrompt(promptsAtEnd, PROMPT_GRACE_MS, () => {}, what).catch(() => {});
      return at;
    } catch (err) {
      if (this.closedReason) throw err;
      this.write(CTRL_C);
      const p = this.parser.prompts;
      await this.waitPrompt(p, PROMPT_GRACE_MS, () => {}, 'interrupt').catch(() => {});
      throw err;
    } finally {
      (sub as Disposable | null)?.dispose();
      if (timer) clearTimeout(timer);
      if (onClose) this.waiting.delete(onClose);
    }
  }

  private waitPrompt(after: number, timeoutMs: number, send: () => void, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const sub = this.parser.onDidPrompt((n) => {
        if (n > after) finish();
      });
      const timer = setTimeout(() => {
        sub.dispose();
        this.waiting.delete(onClose);
        reject(
          new LabError(
            'KERNEL_SHELL_TIMEOUT',
            `guest shell: no prompt after "${what}" within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        sub.dispose();
        this.waiting.delete(onClose);
        resolve();
      };
      const onClose = (err: Error) => {
        clearTimeout(timer);
        sub.dispose();
        reject(err);
      };
      this.waiting.add(onClose);
      if (this.closedReason)
        return onClose(new LabError('KERNEL_SHELL_TIMEOUT', `guest shell closed: ${this.closedReason}`));
      send();
      if (this.parser.prompts > after) finish();
    });
  }

  dispose(): void {
    this.disposed = true;
  }
}

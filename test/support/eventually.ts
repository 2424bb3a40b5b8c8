// The one way tests wait for something (STYLE.md: "no sleeps to wait for it: wait for the
// event, with a bound"). `eventually` polls a probe, for state that changes where the test
// cannot hear it (a process, a file, another server's HTTP answers); `Waiters` is woken by the
// test's own event readers (a log, a stream), so a wait ends the moment the event arrives.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";

/** The default bound on a wait; generous for a loaded CI machine. */
export const WAIT_MS = 10_000;

export interface EventuallyOptions {
  /** Give up (fail the test) after this long. Default WAIT_MS. */
  timeoutMs?: number;
  /** Pause between probes. Default 10 ms. */
  everyMs?: number;
  /** More to say when the wait times out (the state the test saw last). */
  detail?: () => string;
}

type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * Polls `probe` until it returns a value other than undefined or false, and resolves with it.
 * A probe that throws counts as "not yet" (a server still starting refuses connections); the
 * last error is named when the wait times out.
 */
export async function eventually<T>(
  what: string,
  probe: Probe<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const cause = last === undefined ? "" : `; last error: ${String(last)}`;
      const detail = options.detail === undefined ? "" : `; ${options.detail()}`;
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10));
  }
}

/**
 * Waits driven by events: the owner calls `wake()` whenever something arrives, and `until`
 * re-checks its probe then (and only then), failing after the bound. A probe that throws ends
 * the wait with that error (the owner's way to say "it can never happen now").
 */
export class Waiters {
  #waiters: (() => void)[] = [];

  wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async until<T>(
    what: string,
    probe: () => T | undefined | false,
    options: Omit<EventuallyOptions, "everyMs"> = {},
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? WAIT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) {
        const detail = options.detail === undefined ? "" : `; ${options.detail()}`;
        assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, leftMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * Collects a child process's stdout and stderr and waits (bounded) for what it prints: `until`
 * resolves with the first non-empty answer of `match` on the output so far, and fails at once
 * if the child exits first (its output is in the message).
 */
export function watchOutput(child: ChildProcess): {
  text(): string;
  until<T>(what: string, match: (out: string) => T | undefined, timeoutMs?: number): Promise<T>;
} {
  const waiters = new Waiters();
  let out = "";
  let exit: number | null | undefined;
  const add = (chunk: Buffer) => {
    out += chunk.toString();
    waiters.wake();
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  child.once("exit", (code) => {
    exit = code;
    waiters.wake();
  });
  return {
    text: () => out,
    until: (what, match, timeoutMs = WAIT_MS) =>
      waiters.until(
        what,
        () => {
          const found = match(out);
          if (found !== undefined) return found;
          assert.ok(exit === undefined, `exited ${exit} before ${what}:\n${out}`);
          return undefined;
        },
        { timeoutMs, detail: () => `output:\n${out}` },
      ),
  };
}

// The one timer table of the project: carries out a core's `set_timer` / `cancel_timer` outputs
// on a clock handed in and reports each firing back, so that the master's and the agent's
// shells and the simulator's hosts arm timers alike. A timer id names one deadline at a time
// (setting it again replaces it), as the cores expect. It sits in src/base and so imports
// nothing from the project: the clock is an interface (real timers: `wallClock`; the
// simulator's virtual clock adapts itself to it).

/** Time and scheduling, handed in: wall-clock timers in the shells, virtual in the simulator. */
export interface TimerClock<Handle> {
  nowMs(): number;
  /** Runs `run` at `atMs` (a deadline in the past runs as soon as the clock allows). */
  schedule(atMs: number, run: () => void): Handle;
  cancel(handle: Handle): void;
}

export interface WallClockOptions {
  /** The time the deadlines are measured against (default Date.now). */
  nowMs?: () => number;
  /** Pending timers alone do not keep the process alive (default true). */
  unref?: boolean;
}

/** Real timers (setTimeout) measured against `nowMs`. */
export function wallClock(options: WallClockOptions = {}): TimerClock<NodeJS.Timeout> {
  const nowMs = options.nowMs ?? Date.now;
  const unref = options.unref ?? true;
  return {
    nowMs,
    schedule: (atMs, run) => {
      const handle = setTimeout(run, Math.max(0, atMs - nowMs()));
      if (unref) handle.unref();
      return handle;
    },
    cancel: (handle) => clearTimeout(handle),
  };
}

/** A core's timer outputs, as the master's and the agent's cores both name them. */
export type TimerOutput =
  | { readonly kind: "set_timer"; readonly timerId: string; readonly atMs: number }
  | { readonly kind: "cancel_timer"; readonly timerId: string };

interface Armed<Handle> {
  handle: Handle | undefined;
  readonly atMs: number;
}

export class TimerTable<Handle = unknown> {
  readonly #armed = new Map<string, Armed<Handle>>();
  readonly #clock: TimerClock<Handle>;
  readonly #fire: (timerId: string, atMs: number) => void;
  #closed = false;

  constructor(clock: TimerClock<Handle>, fire: (timerId: string, atMs: number) => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  /** Carries out a `set_timer` or `cancel_timer` output. */
  carryOut(o: TimerOutput): void {
    if (o.kind === "set_timer") this.set(o.timerId, o.atMs);
    else this.cancel(o.timerId);
  }

  /** Arms (or re-arms) `timerId` for `atMs`. */
  set(timerId: string, atMs: number): void {
    if (this.#closed) return;
    this.cancel(timerId);
    const armed: Armed<Handle> = { handle: undefined, atMs };
    this.#armed.set(timerId, armed);
    armed.handle = this.#clock.schedule(atMs, () => {
      // A firing already on its way when the timer was replaced or cancelled is dropped.
      if (this.#armed.get(timerId) !== armed) return;
      this.#armed.delete(timerId);
      this.#fire(timerId, atMs);
    });
  }

  cancel(timerId: string): void {
    const armed = this.#armed.get(timerId);
    if (armed === undefined) return;
    this.#armed.delete(timerId);
    if (armed.handle !== undefined) this.#clock.cancel(armed.handle);
  }

  get size(): number {
    return this.#armed.size;
  }

  deadline(timerId: string): number | undefined {
    return this.#armed.get(timerId)?.atMs;
  }

  /** Cancels every timer; the table stays usable (a simulated process that crashed). */
  clear(): void {
    for (const armed of this.#armed.values()) {
      if (armed.handle !== undefined) this.#clock.cancel(armed.handle);
    }
    this.#armed.clear();
  }

  /** Cancels everything; later `set` calls are ignored. */
  close(): void {
    this.#closed = true;
    this.clear();
  }
}

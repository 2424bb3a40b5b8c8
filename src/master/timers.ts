// The shell's timer table: carries out the core's `set_timer` / `cancel_timer` outputs with
// real timers and reports each firing back as a `timer_fired` input. A timer id names one
// deadline at a time (setting it again replaces it), as the core expects.
export interface TimerClock {
  nowMs(): number;
}

export class TimerTable {
  readonly #handles = new Map<string, NodeJS.Timeout>();
  readonly #deadlines = new Map<string, number>();
  readonly #clock: TimerClock;
  readonly #fire: (timerId: string, atMs: number) => void;
  #closed = false;

  constructor(clock: TimerClock, fire: (timerId: string, atMs: number) => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  /** Arms (or re-arms) `timerId` for `atMs`; a deadline in the past fires on the next turn. */
  set(timerId: string, atMs: number): void {
    if (this.#closed) return;
    this.cancel(timerId);
    const delayMs = Math.max(0, atMs - this.#clock.nowMs());
    const handle = setTimeout(() => {
      if (this.#handles.get(timerId) !== handle) return;
      this.#handles.delete(timerId);
      this.#deadlines.delete(timerId);
      this.#fire(timerId, atMs);
    }, delayMs);
    // Pending timers alone do not keep the process alive; the HTTP server does.
    handle.unref();
    this.#handles.set(timerId, handle);
    this.#deadlines.set(timerId, atMs);
  }

  cancel(timerId: string): void {
    const handle = this.#handles.get(timerId);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.#handles.delete(timerId);
    this.#deadlines.delete(timerId);
  }

  get size(): number {
    return this.#handles.size;
  }

  deadline(timerId: string): number | undefined {
    return this.#deadlines.get(timerId);
  }

  /** Cancels everything; later `set` calls are ignored. */
  close(): void {
    this.#closed = true;
    for (const handle of this.#handles.values()) clearTimeout(handle);
    this.#handles.clear();
    this.#deadlines.clear();
  }
}

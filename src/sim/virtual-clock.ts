// The simulator's virtual clock: an event queue ordered by (time, insertion sequence), so that
// two events due at the same millisecond always run in the order they were scheduled. Nothing
// here reads the wall clock (DESIGN.md principle 1): the same schedule gives the same run.
import { assert } from "../base/assert.ts";
import type { TimerClock } from "../base/timer-table.ts";

export interface ScheduledEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

export class VirtualClock {
  #nowMs = 0;
  #seq = 0;
  #steps = 0;
  readonly #heap: ScheduledEvent[] = [];

  get nowMs(): number {
    return this.#nowMs;
  }

  /** Events run so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Events queued (cancelled ones included until they reach the head). */
  get pending(): number {
    return this.#heap.length;
  }

  /** Runs `run` at `atMs` (never in the past: an overdue event runs now, after those queued). */
  at(atMs: number, run: () => void): ScheduledEvent {
    assert(Number.isFinite(atMs), `event time ${atMs} is not finite`);
    const event: ScheduledEvent = {
      atMs: Math.max(atMs, this.#nowMs),
      seq: this.#seq++,
      run,
      cancelled: false,
    };
    this.#push(event);
    return event;
  }

  after(delayMs: number, run: () => void): ScheduledEvent {
    assert(delayMs >= 0, `negative delay ${delayMs}`);
    return this.at(this.#nowMs + delayMs, run);
  }

  cancel(event: ScheduledEvent): void {
    event.cancelled = true;
  }

  /** Runs every event due up to and including `untilMs`, then sets the clock to `untilMs`. */
  runUntil(untilMs: number): void {
    for (;;) {
      const next = this.#heap[0];
      if (next === undefined || next.atMs > untilMs) break;
      this.#pop();
      if (next.cancelled) continue;
      assert(next.atMs >= this.#nowMs, "the virtual clock went backwards");
      this.#nowMs = next.atMs;
      this.#steps++;
      next.run();
    }
    this.#nowMs = Math.max(this.#nowMs, untilMs);
  }

  #push(event: ScheduledEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as ScheduledEvent;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = last;
      let mi = -1;
      const left = heap[l];
      if (left !== undefined && before(left, m)) {
        m = left;
        mi = l;
      }
      const right = heap[r];
      if (right !== undefined && before(right, m)) {
        m = right;
        mi = r;
      }
      if (mi < 0) break;
      heap[i] = m;
      i = mi;
    }
    heap[i] = last;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** The virtual clock as the shared timer table's clock (src/base/timer-table.ts). */
export function virtualTimerClock(clock: VirtualClock): TimerClock<ScheduledEvent> {
  return {
    nowMs: () => clock.nowMs,
    schedule: (atMs, run) => clock.at(atMs, run),
    cancel: (event) => clock.cancel(event),
  };
}

// Long work that no socket paces (printing the operator stream's SUBSCRIBED, encoding a
// protobuf state before its length is known) done in slices of the event loop: as much as fits
// in SLICE_MS, then a turn for everything else. A turn per chunk made the big answer wait
// behind whatever each other turn did (100,000 tasks' acknowledgements just after a launch: a
// SUBSCRIBED of 53 MB took 9.7 s); slices of a few ms keep both moving.
import { performance } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";

/** Longest a slice of long work holds the event loop before letting other work run. */
export const SLICE_MS = 10;

export class TimeSlice {
  #start = performance.now();

  /** True once this slice has run SLICE_MS; the next slice starts when it is asked again. */
  spent(): boolean {
    return performance.now() - this.#start >= SLICE_MS;
  }

  restart(): void {
    this.#start = performance.now();
  }
}

/** Runs `steps` to its end in slices: a turn for everything else whenever one is spent. */
export async function inSlices<R>(steps: Generator<unknown, R>): Promise<R> {
  const slice = new TimeSlice();
  for (let next = steps.next(); ; next = steps.next()) {
    if (next.done === true) return next.value;
    if (!slice.spent()) continue;
    await nextTurn();
    slice.restart();
  }
}

// Reconnect backoff for the SDK's clients: exponential with "equal jitter" (half the cap fixed,
// half random), bounded by a maximum. Randomness comes from a seeded generator so that a test
// or a simulation replays the same delays from the same seed.
import { assert } from "../base/assert.ts";
import { SeededRandom } from "../base/prng.ts";

export interface BackoffOptions {
  /** Cap of the first delay. */
  readonly initialMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
  /** Seed of the jitter; the same seed gives the same delays. */
  readonly seed?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly random: SeededRandom;
  private failures = 0;

  constructor(options: BackoffOptions) {
    assert(options.initialMs > 0, "Backoff: initialMs must be positive");
    assert(options.maxMs >= options.initialMs, "Backoff: maxMs must be at least initialMs");
    this.initialMs = options.initialMs;
    this.maxMs = options.maxMs;
    this.random = new SeededRandom(options.seed ?? 1);
  }

  /** Failures since the last `reset()`. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt: in [cap/2, cap], cap = min(max, initial * 2^failures). */
  next(): number {
    // 2^30 already passes any sane maximum; stop doubling there so the number stays finite.
    const capMs = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    const half = capMs / 2;
    const delayMs = Math.round(half + this.random.nextFloat() * half);
    assert(delayMs <= this.maxMs, "Backoff: delay above the maximum");
    return delayMs;
  }

  /** After a success: the next failure starts again from `initialMs`. */
  reset(): void {
    this.failures = 0;
  }
}

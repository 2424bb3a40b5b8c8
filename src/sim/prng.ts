// Randomness for the simulator: the seeded sfc32 generator of src/base, plus the few
// distributions workloads and faults draw from. Every component takes its own stream, derived
// from the run's seed and a label, so that adding a fault does not shift the workload's draws.
import { SeededRandom } from "../base/prng.ts";

export { SeededRandom };

/** A seed for the stream named `label` of run `seed` (FNV-1a over the label, mixed in). */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export function streamOf(seed: number, label: string): SeededRandom {
  return new SeededRandom(deriveSeed(seed, label));
}

/** Uniform in [minMs, maxMs]. */
export function uniformMs(rng: SeededRandom, minMs: number, maxMs: number): number {
  return minMs + Math.floor(rng.nextFloat() * (maxMs - minMs + 1));
}

/** Exponential with the given mean, rounded to whole milliseconds. */
export function exponentialMs(rng: SeededRandom, meanMs: number): number {
  return Math.round(-Math.log(1 - rng.nextFloat()) * meanMs);
}

export function chance(rng: SeededRandom, p: number): boolean {
  return p > 0 && rng.nextFloat() < p;
}

// In-memory message delivery between simulated processes (master, agents, frameworks). Each
// message gets a latency drawn from the seed; unordered links (the agent's and scheduler's
// POSTed calls) may reorder, duplicate or lose messages, ordered links (event streams, which
// ride one HTTP response) deliver in send order. A partitioned node exchanges nothing until
// healed. Every delivery is folded into a trace hash: the same seed gives the same hash.
import { assert } from "../base/assert.ts";
import { chance, type SeededRandom, uniformMs } from "./prng.ts";
import { TraceHash } from "./trace-hash.ts";
import type { VirtualClock } from "./virtual-clock.ts";

export interface NetworkFaults {
  minLatencyMs: number;
  maxLatencyMs: number;
  /** Probability that a message on an unordered link is lost. */
  dropRate: number;
  /** Probability that a message on an unordered link is delivered twice. */
  duplicateRate: number;
}

export const CALM_NETWORK: NetworkFaults = {
  minLatencyMs: 1,
  maxLatencyMs: 5,
  dropRate: 0,
  duplicateRate: 0,
};

export interface SendOptions {
  /** Stream semantics: never reordered, lost or duplicated (only cut by partitions). */
  ordered: boolean;
  /** A short label for the trace (message type). */
  label: string;
  /**
   * Called when a partition swallows the message. Event streams use it to model what a real
   * connection would do: the message is not silently skipped, the stream breaks.
   */
  onLost?: () => void;
  /** False for calls that must not be replayed (see Simulation: a scheduler's ACCEPT). */
  duplicable?: boolean;
}

export class SimNetwork {
  readonly trace = new TraceHash();
  faults: NetworkFaults;
  delivered = 0;
  dropped = 0;
  duplicated = 0;
  readonly #partitionedUntilMs = new Map<string, number>();
  /** Last delivery time per ordered link, so that later messages never overtake. */
  readonly #linkTailMs = new Map<string, number>();

  constructor(
    readonly clock: VirtualClock,
    readonly rng: SeededRandom,
    faults: NetworkFaults = CALM_NETWORK,
  ) {
    this.faults = faults;
  }

  partition(node: string, untilMs: number): void {
    this.#partitionedUntilMs.set(node, untilMs);
  }

  heal(node: string): void {
    this.#partitionedUntilMs.delete(node);
  }

  isPartitioned(node: string): boolean {
    const until = this.#partitionedUntilMs.get(node);
    return until !== undefined && this.clock.nowMs < until;
  }

  /** Sends a message from `from` to `to`; `deliver` runs on arrival unless it is lost. */
  send(from: string, to: string, options: SendOptions, deliver: () => void): void {
    const f = this.faults;
    assert(f.minLatencyMs >= 0 && f.maxLatencyMs >= f.minLatencyMs, "bad latency bounds");
    if (!options.ordered && chance(this.rng, f.dropRate)) {
      this.dropped++;
      return;
    }
    const copies =
      !options.ordered && options.duplicable !== false && chance(this.rng, f.duplicateRate) ? 2 : 1;
    if (copies === 2) this.duplicated++;
    for (let i = 0; i < copies; i++) {
      let atMs = this.clock.nowMs + uniformMs(this.rng, f.minLatencyMs, f.maxLatencyMs);
      if (options.ordered) {
        const link = `${from}>${to}`;
        atMs = Math.max(atMs, this.#linkTailMs.get(link) ?? 0);
        this.#linkTailMs.set(link, atMs);
      }
      this.clock.at(atMs, () => {
        if (this.isPartitioned(from) || this.isPartitioned(to)) {
          this.dropped++;
          this.trace.add(`${this.clock.nowMs}|${from}>${to}|${options.label}|lost`);
          options.onLost?.();
          return;
        }
        this.delivered++;
        this.trace.add(`${this.clock.nowMs}|${from}>${to}|${options.label}`);
        deliver();
      });
    }
  }
}

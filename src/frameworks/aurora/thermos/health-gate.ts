// The pure part of the executor's health checking (Aurora's semantics, reference §3.1): the
// task stays STARTING until `min_consecutive_successes` checks in a row passed, then is
// RUNNING and healthy; failures in the first `initial_interval_secs` do not count; more than
// `max_consecutive_failures` failures in a row end the task. The checker (health-checker.ts)
// runs the checks and hands each result in with the time.
import type { HealthCheckConfig } from "./task-config.ts";

export type HealthVerdict =
  | { kind: "none" }
  | { kind: "healthy" }
  | { kind: "failed"; message: string };

export class HealthGate {
  readonly #config: HealthCheckConfig;
  readonly #graceEndsMs: number;
  #successes = 0;
  #failures = 0;
  #healthy = false;

  constructor(config: HealthCheckConfig, startMs: number) {
    this.#config = config;
    this.#graceEndsMs = startMs + config.initial_interval_secs * 1000;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** One check's result at `nowMs`; says when the task turned healthy or must end. */
  record(ok: boolean, detail: string, nowMs: number): HealthVerdict {
    if (ok) {
      this.#failures = 0;
      this.#successes += 1;
      if (!this.#healthy && this.#successes >= this.#config.min_consecutive_successes) {
        this.#healthy = true;
        return { kind: "healthy" };
      }
      return { kind: "none" };
    }
    this.#successes = 0;
    if (nowMs < this.#graceEndsMs) return { kind: "none" };
    this.#failures += 1;
    if (this.#failures > this.#config.max_consecutive_failures) {
      return {
        kind: "failed",
        message: `Failed health check! ${this.#failures} consecutive failure(s) (max_consecutive_failures ${this.#config.max_consecutive_failures}): ${detail}`,
      };
    }
    return { kind: "none" };
  }
}

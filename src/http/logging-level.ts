// GET_LOGGING_LEVEL / SET_LOGGING_LEVEL of the master's and the agent's operator APIs
// (reference §4.2, §4.4), applied to the process's real pino logger. Mesos's level is glog's
// verbosity (`--v`, 0 at start): SET raises it for `duration`, then it goes back to the level
// the process started with; a later SET replaces the earlier one and its deadline.
//
// pino has named levels, not a verbosity: 0 is the level the process started with, 1 adds
// debug lines and 2 or more adds trace lines (never less than the start level shows).
import type { Logger } from "pino";

/** setTimeout's longest delay; a longer duration reverts after this (about 24.8 days). */
export const LOGGING_REVERT_MAX_MS = 2 ** 31 - 1;

const ORDER = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

export class LoggingLevel {
  readonly #logger: Logger;
  readonly #startLevel: string;
  #verbosity = 0;
  #revert: ReturnType<typeof setTimeout> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#startLevel = logger.level;
  }

  /** The verbosity now in force (0 unless a SET_LOGGING_LEVEL is in its duration). */
  get verbosity(): number {
    return this.#verbosity;
  }

  /** The verbosity `level` for `durationMs`, then the start level again. */
  set(level: number, durationMs: number): void {
    if (this.#revert !== undefined) clearTimeout(this.#revert);
    this.#revert = undefined;
    this.#apply(level);
    if (level === 0) return;
    this.#revert = setTimeout(
      () => {
        this.#revert = undefined;
        this.#apply(0);
      },
      Math.max(0, Math.min(durationMs, LOGGING_REVERT_MAX_MS)),
    );
    // A pending revert must not keep a stopping process alive.
    this.#revert.unref();
  }

  /** Stops a pending revert and puts the start level back (the process is stopping). */
  close(): void {
    if (this.#revert !== undefined) clearTimeout(this.#revert);
    this.#revert = undefined;
    this.#apply(0);
  }

  #apply(level: number): void {
    this.#verbosity = level;
    const wanted = level <= 0 ? this.#startLevel : level === 1 ? "debug" : "trace";
    const rank = (name: string) => ORDER.indexOf(name as (typeof ORDER)[number]);
    this.#logger.level =
      rank(wanted) !== -1 && rank(wanted) < rank(this.#startLevel) ? wanted : this.#startLevel;
  }
}

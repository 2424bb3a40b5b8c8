// The contract between the jobs framework's scheduling core and the schedule arithmetic
// (ISO 8601 repeating intervals as Chronos reads them, and crontab lines as Aurora reads
// them). Pure: every function takes the time it needs as epoch milliseconds.

/** What a job definition says about when it runs. */
export type ScheduleSpec =
  | { readonly kind: "iso8601"; readonly text: string; readonly timeZone?: string }
  | { readonly kind: "cron"; readonly text: string; readonly timeZone?: string };

/** A parsed schedule. `remaining` is null for "repeat forever" (`R/…`, every cron line). */
export interface Schedule {
  readonly spec: ScheduleSpec;
  /** Epoch ms of the first occurrence at or after which runs are due. */
  readonly startMs: number;
  readonly remaining: number | null;
}

export type ScheduleParse =
  | { readonly ok: true; readonly schedule: Schedule }
  | {
      readonly ok: false;
      /**
       * The message for the client. For ISO 8601 it is exactly Chronos's
       * `Cannot parse schedule '<text>' (wtf bro)` (clients match it); for cron
       * `Invalid cron schedule '<text>': <reason>`.
       */
      readonly error: string;
      /** What is wrong, in words a user can act on (e.g. "the period 'PT0S' is zero"). */
      readonly reason?: string;
    };

/**
 * The functions the schedule module exports from `./index.ts`:
 *
 * - `parseSchedule(spec, nowMs): ScheduleParse` — an empty ISO start means now minus 1 s
 *   (due at once), as Chronos does; errors are messages a user can act on.
 * - `nextDue(schedule, afterMs): number | null` — the first due time strictly after `afterMs`
 *   (the start itself when `afterMs < startMs`); null when no run is left (`R0`).
 * - `skipForward(schedule, launchedDueMs, nowMs): Schedule` — the stored schedule after the
 *   occurrence due at `launchedDueMs` was launched: start moved to the next due time after
 *   `nowMs` and `remaining` decremented once however many periods were skipped (Chronos's
 *   coalescing, no backfill).
 * - `formatSchedule(schedule): string` — the schedule text a client reads back (for ISO 8601,
 *   `R<n>/<start>/<period>` with the start at the offset in force in the schedule's zone, as
 *   Joda prints it — `…Z` without a zone — so that it parses back to the same instants even
 *   though a `scheduleTimeZone` re-reads the start's wall-clock fields; cron lines unchanged).
 */
export type ScheduleModule = {
  parseSchedule(spec: ScheduleSpec, nowMs: number): ScheduleParse;
  nextDue(schedule: Schedule, afterMs: number): number | null;
  skipForward(schedule: Schedule, launchedDueMs: number, nowMs: number): Schedule;
  formatSchedule(schedule: Schedule): string;
};

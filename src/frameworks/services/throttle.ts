// Aurora's THROTTLED state (reference §3.1 "Task states"): an instance whose task failed or
// finished by itself after running shorter than the flapping threshold waits a penalty before
// it is rescheduled, 30 s at first and twice
// the previous penalty after each further flap, at most 5 min; a task that ran long enough
// clears the penalty. It applies to apps that use the Aurora fields (tiers.ts hasTierFields);
// Marathon apps keep Marathon's launch backoff alone.

/** A task that ran less than this flapped (Aurora's `flapping_task_threshold`). */
export const FLAPPING_THRESHOLD_MS = 5 * 60_000;
/** The first penalty (Aurora's `initial_flapping_task_delay`). */
export const FIRST_THROTTLE_MS = 30_000;
/** The largest penalty (Aurora's `max_flapping_task_delay`). */
export const MAX_THROTTLE_MS = 5 * 60_000;

/**
 * The penalty after a task that started at `startedAtMs` ended at `endedAtMs`: undefined when it
 * did not flap (never started, or ran long enough); else the next one after `previousMs`.
 */
export function throttlePenaltyMs(
  startedAtMs: number | undefined,
  endedAtMs: number,
  previousMs: number | undefined,
): number | undefined {
  if (startedAtMs === undefined || endedAtMs - startedAtMs >= FLAPPING_THRESHOLD_MS)
    return undefined;
  return previousMs === undefined ? FIRST_THROTTLE_MS : Math.min(MAX_THROTTLE_MS, previousMs * 2);
}

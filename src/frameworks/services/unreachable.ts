// Marathon's unreachableStrategy (reference §1.3): an instance whose agent is unreachable stays
// counted for `inactiveAfterSeconds`; then it is inactive: a replacement is scheduled and the
// old task is killed should it come back. After `expungeAfterSeconds` it is forgotten (a task
// that returns later is unknown and killed by reconciliation). "disabled" never replaces.
import type { AppDefinition } from "./app-definition.ts";
import type { Instance } from "./instance.ts";

export interface UnreachableReview {
  /** Unreachable past inactiveAfterSeconds and not yet replaced. */
  readonly replace: Instance[];
  /** Unreachable past expungeAfterSeconds: remove from the state. */
  readonly expunge: Instance[];
}

export function reviewUnreachable(
  instances: Iterable<Instance>,
  appOf: (i: Instance) => AppDefinition | undefined,
  nowMs: number,
): UnreachableReview {
  const replace: Instance[] = [];
  const expunge: Instance[] = [];
  for (const i of instances) {
    if (i.state !== "TASK_UNREACHABLE" || i.unreachableSinceMs === undefined) continue;
    const strategy = appOf(i)?.unreachableStrategy;
    if (strategy === undefined || strategy === "disabled") continue;
    const elapsedMs = nowMs - i.unreachableSinceMs;
    if (elapsedMs >= strategy.expungeAfterSeconds * 1000 && i.goal === "Decommissioned")
      expunge.push(i);
    else if (elapsedMs >= strategy.inactiveAfterSeconds * 1000 && i.goal === "Running") {
      replace.push(i);
      // Inactive and expunged in the same review when both durations have passed.
      if (elapsedMs >= strategy.expungeAfterSeconds * 1000) expunge.push(i);
    }
  }
  return { replace, expunge };
}

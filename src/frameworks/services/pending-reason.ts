// Why an instance still waits (Aurora's getPendingReason, shown per instance in `/v2/queue`):
// THROTTLED for flapping, held back by the app's launch delay, waiting for the slot it
// preempted, or — the common case — what the recent offers lacked (offer-stats.ts).
import { isThrottled } from "./instance.ts";
import type { InstanceLifecycle } from "./instance-lifecycle.ts";
import type { OfferStats } from "./offer-stats.ts";
import type { AppId } from "./path-id.ts";
import type { Preemptor } from "./preemptor.ts";

export interface PendingReason {
  readonly instanceId: string;
  /** Aurora's task state: THROTTLED while a flapping penalty holds it back, else PENDING. */
  readonly state: "THROTTLED" | "PENDING";
  readonly reason: string;
  /** How long it has waited for an offer, as the preemptor counts it. */
  readonly waitingSeconds: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function pendingReasons(
  lifecycle: InstanceLifecycle,
  preemptor: Preemptor,
  stats: OfferStats | undefined,
  id: AppId,
  nowMs: number,
): PendingReason[] {
  const backoff = lifecycle.backoff(id);
  const top = stats?.topReason();
  return lifecycle.index.waitingOf(id).map((i) => {
    const waitingSeconds = Math.floor(preemptor.waitedMs(i, nowMs) / 1000);
    if (isThrottled(i, nowMs))
      return {
        instanceId: i.instanceId,
        state: "THROTTLED",
        reason: `Throttled for flapping (penalty ${Math.round((i.throttlePenaltyMs ?? 0) / 1000)} s) until ${iso(i.throttledUntilMs ?? nowMs)}`,
        waitingSeconds,
      };
    const hold = preemptor.holdFor(i.instanceId, nowMs);
    let reason: string;
    if (hold !== undefined)
      reason = `Preempted ${hold.victims.length} instance(s) on agent ${hold.agentId}; the slot is held until ${iso(hold.untilMs)}`;
    else if (backoff !== undefined && backoff.untilMs > nowMs)
      reason = `Launch delayed after failures until ${iso(backoff.untilMs)}`;
    else if (top !== undefined)
      reason = `${top.reason} (${top.count} of the last ${top.of} offers): ${top.message}`;
    else reason = "Waiting for an offer";
    return { instanceId: i.instanceId, state: "PENDING", reason, waitingSeconds };
  });
}

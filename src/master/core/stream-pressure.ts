// Back-pressure on scheduler streams (issue 22, fault 6). Beyond Mesos, which needs
// --offer_timeout for this: 500 subscriptions whose consumers never read held offers for good,
// and a framework that did read got none. Two signals that a consumer is not reading:
// - its stream backs up: the shell reports a backlog past SCHEDULER_STREAM_CONGESTED_BYTES and,
//   later, that it drained. While congested a framework gets no new offers (it is inactive in
//   the allocator); congested for `congestedOfferTimeoutMs`, it loses the offers it holds.
// - it never answers: the kernel's socket buffers (tens of MiB on a loopback) take a few offers
//   without anything backing up, so without --offer_timeout an offer is also rescinded after
//   `silentOfferTimeoutMs` when its framework has made no call at all since it was sent. A
//   framework that reads makes calls (declines, acknowledgements, reconciliation); one that
//   hoards offers while calling keeps them, as in Mesos.
// Rescinded resources go back without a filter, for frameworks that are reading.
import { rescindOffers } from "./offers.ts";
import type { Ctx, FrameworkRecord, OfferRecord } from "./state.ts";

/**
 * Bytes written to a scheduler stream and not yet taken by the socket beyond which its consumer
 * counts as not reading. The kernel's buffers take a few hundred KiB before anything waits in
 * the process; a burst of a few hundred offers is about 500 KiB; 1 MiB waiting means the
 * consumer stopped.
 */
export const SCHEDULER_STREAM_CONGESTED_BYTES = 1024 * 1024;

export function congestionTimerId(frameworkId: string): string {
  return `congested:${frameworkId}`;
}

/** The shell saw the stream's backlog pass the bound (`congested`) or drain. */
export function streamPressure(ctx: Ctx, streamId: string, congested: boolean): void {
  const id = ctx.s.streams.get(streamId);
  const framework = id === undefined ? undefined : ctx.s.frameworks.get(id);
  if (framework === undefined || framework.streamId !== streamId) return;
  if (framework.congested === congested) return;
  if (!congested) {
    clearCongestion(ctx, framework);
    return;
  }
  framework.congested = true;
  ctx.count("master/framework_streams_congested");
  if (framework.active) ctx.allocator.deactivateFramework(framework.id);
  ctx.setTimer(congestionTimerId(framework.id), ctx.nowMs + ctx.flags.congestedOfferTimeoutMs);
}

/** The stream drained, or the framework (re)subscribed or lost its stream: offers may flow. */
export function clearCongestion(ctx: Ctx, framework: FrameworkRecord): void {
  if (!framework.congested) return;
  framework.congested = false;
  ctx.cancelTimer(congestionTimerId(framework.id));
  if (framework.active) ctx.allocator.activateFramework(framework.id);
}

/** Still congested after the bound: what it holds goes back to the others. */
export function congestionTimeout(ctx: Ctx, framework: FrameworkRecord): void {
  if (!framework.congested) return;
  ctx.count("master/framework_streams_congested_rescinds");
  rescindOffers(ctx, (o) => o.frameworkId === framework.id);
}

/** An offer's timer fired: --offer_timeout always expires it, the silent bound only if unheard. */
export function offerExpired(ctx: Ctx, offer: OfferRecord): boolean {
  if (ctx.flags.offerTimeoutMs !== undefined) return true;
  const framework = ctx.s.frameworks.get(offer.frameworkId);
  if (framework === undefined || framework.lastCallMs >= offer.createdMs) return false;
  ctx.count("master/silent_framework_offer_rescinds");
  return true;
}

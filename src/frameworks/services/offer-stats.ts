// Per-app statistics of offers seen while instances wait to launch: `/v2/queue`'s
// `processedOffersSummary` and `lastUnusedOffers` (reference §1.7 QueueItem). Marathon's
// `rejectSummaryLastOffers` lists, per reason in evaluation order, how many of the recent offers
// reached that check (`processed`) and how many it rejected (`declined`).
import type { Offer } from "../../wire/offer.ts";
import { REJECT_REASONS, type RejectReason } from "./placement.ts";

/** Offers remembered per app for the reject summary and `lastUnusedOffers`. */
export const MAX_REMEMBERED_OFFERS = 50;

interface SeenOffer {
  readonly offer: Offer;
  readonly atMs: number;
  /** Undefined when the offer was used. */
  readonly reason: RejectReason | undefined;
  readonly message: string | undefined;
}

export class OfferStats {
  private processed = 0;
  private unused = 0;
  private lastUnusedAtMs: number | undefined;
  private lastUsedAtMs: number | undefined;
  private readonly recent: SeenOffer[] = [];

  recordUsed(offer: Offer, nowMs: number): void {
    this.processed += 1;
    this.lastUsedAtMs = nowMs;
    this.remember({ offer, atMs: nowMs, reason: undefined, message: undefined });
  }

  recordUnused(offer: Offer, reason: RejectReason, message: string, nowMs: number): void {
    this.processed += 1;
    this.unused += 1;
    this.lastUnusedAtMs = nowMs;
    this.remember({ offer, atMs: nowMs, reason, message });
  }

  private remember(seen: SeenOffer): void {
    this.recent.push(seen);
    if (this.recent.length > MAX_REMEMBERED_OFFERS) this.recent.shift();
  }

  /** The most common recent reason, for "cannot progress because ..." messages. */
  topReason(): { reason: RejectReason; count: number; of: number; message: string } | undefined {
    const counts = new Map<RejectReason, number>();
    let message = "";
    for (const s of this.recent) {
      if (s.reason === undefined) continue;
      counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
      message = s.message ?? message;
    }
    let best: RejectReason | undefined;
    for (const [reason, n] of counts)
      if (best === undefined || n > (counts.get(best) ?? 0)) best = reason;
    if (best === undefined) return undefined;
    const last = [...this.recent].reverse().find((s) => s.reason === best);
    return {
      reason: best,
      count: counts.get(best) ?? 0,
      of: this.recent.length,
      message: last?.message ?? message,
    };
  }

  summaryJson(): Record<string, unknown> {
    const rejectSummaryLastOffers = REJECT_REASONS.map((reason, index) => {
      let processed = 0;
      let declined = 0;
      for (const s of this.recent) {
        const at =
          s.reason === undefined ? REJECT_REASONS.length : REJECT_REASONS.indexOf(s.reason);
        if (at >= index) processed += 1;
        if (at === index) declined += 1;
      }
      return { reason, declined, processed };
    });
    return {
      processedOffersCount: this.processed,
      unusedOffersCount: this.unused,
      ...(this.lastUnusedAtMs === undefined
        ? {}
        : { lastUnusedOfferAt: new Date(this.lastUnusedAtMs).toISOString() }),
      ...(this.lastUsedAtMs === undefined
        ? {}
        : { lastUsedOfferAt: new Date(this.lastUsedAtMs).toISOString() }),
      rejectSummaryLastOffers,
      rejectSummaryLaunchAttempt: rejectSummaryLastOffers,
    };
  }

  lastUnusedOffersJson(): Record<string, unknown>[] {
    return this.recent
      .filter((s) => s.reason !== undefined)
      .map((s) => ({
        offer: {
          id: s.offer.id.value,
          agentId: s.offer.agent_id.value,
          hostname: s.offer.hostname,
          resources: s.offer.resources,
          attributes: s.offer.attributes,
        },
        timestamp: new Date(s.atMs).toISOString(),
        reason: [s.reason],
        message: s.message,
      }));
  }
}

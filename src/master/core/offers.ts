// Outstanding offers: created from the allocator's decisions, consumed by ACCEPT/DECLINE,
// rescinded on agent loss, framework deactivation and --offer_timeout (reference §1.5, §5.4).

import type { Resources } from "../../resources/index.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import type { AllocatorOffer } from "./allocator-port.ts";
import { countOffers } from "./framework-metrics.ts";
import { hasCapability } from "./frameworks-info.ts";
import type { Ctx, FrameworkRecord, OfferRecord } from "./state.ts";
import type { TaskReason } from "./tasks.ts";
import type { FrameworkInfo, Offer, Resource } from "./wire-types.ts";

export function offerTimerId(offerId: string): string {
  return `offer:${offerId}`;
}

/** Renders resources for a framework: MULTI_ROLE keeps allocation_info; the format follows
 * RESERVATION_REFINEMENT (reference §10.2 item 2). */
export function resourcesFor(info: FrameworkInfo, resources: Resources): Resource[] {
  const format = hasCapability(info, "RESERVATION_REFINEMENT")
    ? "POST_RESERVATION_REFINEMENT"
    : "PRE_RESERVATION_REFINEMENT";
  const wire = resourcesToWire(resources, format);
  if (!hasCapability(info, "MULTI_ROLE")) {
    for (const r of wire) delete r.allocation_info;
  }
  return wire;
}

/** Turns the allocator's decisions into OFFERS events, one event per framework. */
export function createOffers(ctx: Ctx, allocations: readonly AllocatorOffer[]): void {
  const byFramework = new Map<FrameworkRecord, Offer[]>();
  for (const allocation of allocations) {
    const framework = ctx.s.frameworks.get(allocation.frameworkId);
    const agent = ctx.s.agents.get(allocation.agentId);
    if (
      framework === undefined ||
      agent === undefined ||
      framework.connection !== "connected" ||
      !framework.active ||
      agent.connection !== "registered" ||
      agent.removing
    ) {
      // Mesos's master hands back offers it can no longer make, without a filter.
      ctx.recover(allocation.frameworkId, allocation.agentId, allocation.resources, 0);
      continue;
    }
    const id = `${ctx.s.masterInfo.id}-O${ctx.s.nextOfferNumber++}`;
    const executorIds = [...(framework.executors.get(agent.id)?.keys() ?? [])].map((value) => ({
      value,
    }));
    const offer: Offer = {
      id: { value: id },
      framework_id: { value: framework.id },
      agent_id: { value: agent.id },
      hostname: agent.info.hostname,
      url: {
        scheme: ctx.flags.agentScheme,
        address: { hostname: agent.info.hostname, ip: agent.ip, port: agent.info.port ?? 5051 },
        path: "/slave(1)",
      },
      resources: resourcesFor(framework.info, allocation.resources),
      attributes: agent.info.attributes ?? [],
      executor_ids: executorIds,
      allocation_info: { role: allocation.role },
    };
    if (agent.info.domain !== undefined) offer.domain = agent.info.domain;
    // An agent on a machine scheduled for maintenance is still offered, with its window.
    const unavailability = ctx.s.maintenance.agentWindows.get(agent.id);
    if (unavailability !== undefined) offer.unavailability = unavailability;
    const record: OfferRecord = {
      id,
      frameworkId: framework.id,
      agentId: agent.id,
      role: allocation.role,
      resources: allocation.resources,
      offer,
      createdMs: ctx.nowMs,
    };
    ctx.s.offers.set(id, record);
    const timeoutMs = ctx.flags.offerTimeoutMs ?? ctx.flags.silentOfferTimeoutMs;
    if (timeoutMs !== undefined) ctx.setTimer(offerTimerId(id), ctx.nowMs + timeoutMs);
    const list = byFramework.get(framework) ?? [];
    list.push(offer);
    byFramework.set(framework, list);
  }
  for (const [framework, offers] of byFramework) {
    if (ctx.toFramework(framework, { type: "OFFERS", offers: { offers } }))
      countOffers(framework, "sent", offers.length);
    ctx.count("master/outstanding_offers", 0);
  }
}

/**
 * Removes an offer. `rescind` sends RESCIND to the framework; the resources go back to the
 * allocator with `refuseSeconds` (0 = no filter) unless `recover` is false (ACCEPT recovers the
 * unused part itself).
 */
export function removeOffer(
  ctx: Ctx,
  offer: OfferRecord,
  options: { rescind: boolean; recover: boolean; refuseSeconds: number },
): void {
  ctx.s.offers.delete(offer.id);
  ctx.cancelTimer(offerTimerId(offer.id));
  if (options.rescind) {
    const framework = ctx.s.frameworks.get(offer.frameworkId);
    if (framework !== undefined) {
      ctx.toFramework(framework, { type: "RESCIND", rescind: { offer_id: { value: offer.id } } });
      countOffers(framework, "rescinded", 1);
    }
  }
  if (options.recover) {
    ctx.recover(offer.frameworkId, offer.agentId, offer.resources, options.refuseSeconds);
  }
}

/** Rescinds every outstanding offer matching `match`, recovering its resources without filter. */
export function rescindOffers(ctx: Ctx, match: (offer: OfferRecord) => boolean): void {
  for (const offer of [...ctx.s.offers.values()]) {
    if (match(offer)) removeOffer(ctx, offer, { rescind: true, recover: true, refuseSeconds: 0 });
  }
}

/** Offers are discarded silently when the framework is gone or failed over. */
export function discardOffers(ctx: Ctx, match: (offer: OfferRecord) => boolean): void {
  for (const offer of [...ctx.s.offers.values()]) {
    if (match(offer)) removeOffer(ctx, offer, { rescind: false, recover: true, refuseSeconds: 0 });
  }
}

/** Mesos caps refuse_seconds at a year and treats negative/invalid values as the default 5 s. */
export function refuseSecondsOf(filters: { refuse_seconds?: number } | undefined): number {
  const value = filters?.refuse_seconds ?? 5;
  if (!Number.isFinite(value) || value < 0) return 5;
  return Math.min(value, 31_536_000);
}

export type OfferCheck =
  | { ok: true; offers: OfferRecord[] }
  | { ok: false; message: string; reason: TaskReason; offers: OfferRecord[] };

/** Mesos's offer validation: known, ours, not duplicated, one agent, one role (in that order). */
export function validateOffers(
  ctx: Ctx,
  framework: FrameworkRecord,
  offerIds: readonly string[],
): OfferCheck {
  const offers: OfferRecord[] = [];
  const seen = new Set<string>();
  let error: string | undefined;
  if (offerIds.length === 0) error = "No offers specified";
  for (const id of offerIds) {
    if (seen.has(id)) {
      error ??= `Duplicate offer ${id} in offer list`;
      continue;
    }
    seen.add(id);
    const offer = ctx.s.offers.get(id);
    if (offer === undefined) {
      error ??= `Offer ${id} is no longer valid`;
      continue;
    }
    if (offer.frameworkId !== framework.id) {
      error ??= `Offer ${id} has invalid framework`;
      continue;
    }
    const first = offers[0];
    if (first !== undefined && first.agentId !== offer.agentId) {
      error ??= `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${offer.agentId} and offer ${first.id} uses agent ${first.agentId}`;
    }
    if (first !== undefined && first.role !== offer.role) {
      error ??= `Aggregated offers must be allocated to the same role. Offer ${id} uses role ${offer.role} and offer ${first.id} uses role ${first.role}`;
    }
    offers.push(offer);
  }
  if (error !== undefined)
    return { ok: false, message: error, reason: "REASON_INVALID_OFFERS", offers };
  const agent = ctx.s.agents.get(offers[0]?.agentId ?? "");
  if (agent === undefined || agent.removing) {
    return { ok: false, message: "Agent removed", reason: "REASON_AGENT_REMOVED", offers };
  }
  if (agent.connection !== "registered") {
    return {
      ok: false,
      message: "Agent disconnected",
      reason: "REASON_AGENT_DISCONNECTED",
      offers,
    };
  }
  return { ok: true, offers };
}

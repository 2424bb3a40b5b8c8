// Inverse offers at the master (Mesos Master::inverseOffer, acceptInverseOffers,
// declineInverseOffers, inverseOfferTimeout, removeInverseOffer): the allocator decides who is
// asked (src/allocator/inverse-offers.ts); the master makes the INVERSE_OFFERS events, records
// the answers through the allocator and rescinds inverse offers whose agent, framework or
// maintenance window went away (RESCIND_INVERSE_OFFER). Answers are advisory: nothing else
// changes because of them, as in Mesos.
import type { InverseOfferDecision } from "./allocator-port.ts";
import type { InverseOfferRecord } from "./maintenance-state.ts";
import { refuseSecondsOf } from "./offers.ts";
import type { Ctx, FrameworkRecord } from "./state.ts";
import type { InverseOffer } from "./wire-types.ts";

export function inverseOfferTimerId(id: string): string {
  return `inverse_offer:${id}`;
}

/**
 * Turns the allocator's decisions into INVERSE_OFFERS events, one per framework. A decision the
 * master cannot carry out (framework gone, disconnected or inactive; agent gone, disconnected
 * or deactivated; window revoked meanwhile) is handed back so that it may be made again later.
 */
export function sendInverseOffers(ctx: Ctx, decisions: readonly InverseOfferDecision[]): void {
  const byFramework = new Map<FrameworkRecord, InverseOffer[]>();
  for (const d of decisions) {
    const framework = ctx.s.frameworks.get(d.frameworkId);
    const agent = ctx.s.agents.get(d.agentId);
    const usable =
      framework !== undefined &&
      framework.connection === "connected" &&
      framework.active &&
      agent !== undefined &&
      agent.connection === "registered" &&
      !agent.removing &&
      !(ctx.s.registry.admitted.get(agent.id)?.deactivated ?? false) &&
      ctx.s.maintenance.agentWindows.has(agent.id);
    if (!usable) {
      ctx.allocator.updateInverseOffer(d.agentId, d.frameworkId, undefined, undefined, ctx.nowMs);
      continue;
    }
    // The same id sequence as offers, so ids are unique across both (as in Mesos).
    const id = `${ctx.s.masterInfo.id}-O${ctx.s.nextOfferNumber++}`;
    const inverseOffer: InverseOffer = {
      id: { value: id },
      url: {
        scheme: ctx.flags.agentScheme,
        address: { hostname: agent.info.hostname, ip: agent.ip, port: agent.info.port ?? 5051 },
        path: "/slave(1)",
      },
      framework_id: { value: framework.id },
      agent_id: { value: agent.id },
      unavailability: d.unavailability,
      // Whole-agent inverse offers carry no resources (Mesos's hierarchical allocator).
      resources: [],
    };
    const record: InverseOfferRecord = {
      id,
      frameworkId: framework.id,
      agentId: agent.id,
      unavailability: d.unavailability,
      createdMs: ctx.nowMs,
      inverseOffer,
    };
    ctx.s.maintenance.inverseOffers.set(id, record);
    if (ctx.flags.offerTimeoutMs !== undefined) {
      ctx.setTimer(inverseOfferTimerId(id), ctx.nowMs + ctx.flags.offerTimeoutMs);
    }
    const list = byFramework.get(framework) ?? [];
    list.push(inverseOffer);
    byFramework.set(framework, list);
  }
  for (const [framework, inverseOffers] of byFramework) {
    ctx.toFramework(framework, {
      type: "INVERSE_OFFERS",
      inverse_offers: { inverse_offers: inverseOffers },
    });
  }
}

/**
 * ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: each inverse offer of this framework still
 * out is answered (recorded with the time) and removed; the filters' refuse_seconds (default
 * 5) delays the next inverse offer for that agent. Unknown ids are ignored, as in Mesos.
 */
export function answerInverseOffers(
  ctx: Ctx,
  framework: FrameworkRecord,
  answer: "ACCEPT" | "DECLINE",
  ids: readonly string[],
  filters: { refuse_seconds?: number } | undefined,
): void {
  for (const id of ids) {
    const record = ctx.s.maintenance.inverseOffers.get(id);
    if (record === undefined || record.frameworkId !== framework.id) continue;
    forget(ctx, record);
    ctx.allocator.updateInverseOffer(
      record.agentId,
      record.frameworkId,
      answer,
      refuseSecondsOf(filters),
      ctx.nowMs,
    );
  }
}

/**
 * Removes the inverse offers matching `match`, telling their frameworks (RESCIND_INVERSE_OFFER,
 * dropped for a framework no longer connected) and the allocator, which may ask again.
 */
export function rescindInverseOffers(
  ctx: Ctx,
  match: (record: InverseOfferRecord) => boolean,
): void {
  const inverseOffers = ctx.s.maintenance.inverseOffers;
  if (inverseOffers.size === 0) return;
  for (const record of [...inverseOffers.values()]) {
    if (!match(record)) continue;
    forget(ctx, record);
    ctx.allocator.updateInverseOffer(
      record.agentId,
      record.frameworkId,
      undefined,
      undefined,
      ctx.nowMs,
    );
    const framework = ctx.s.frameworks.get(record.frameworkId);
    if (framework !== undefined) {
      ctx.toFramework(framework, {
        type: "RESCIND_INVERSE_OFFER",
        rescind_inverse_offer: { inverse_offer_id: { value: record.id } },
      });
    }
  }
}

/** `--offer_timeout` passed without an answer: rescinded, and asked again later. */
export function inverseOfferTimeout(ctx: Ctx, id: string): void {
  rescindInverseOffers(ctx, (record) => record.id === id);
}

function forget(ctx: Ctx, record: InverseOfferRecord): void {
  ctx.s.maintenance.inverseOffers.delete(record.id);
  ctx.cancelTimer(inverseOfferTimerId(record.id));
}

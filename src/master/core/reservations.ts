// RESERVE and UNRESERVE at ACCEPT (reference §1.5, §2.6): applied speculatively by the master to
// the offered resources, the agent's total and checkpointed resources and the allocator, then
// sent to the agent to checkpoint. The reserved (or unreserved) resources stay allocated to the
// framework and come back through the offer's leftover, like Mesos's converted offer resources.
import {
  isDynamicallyReserved,
  isPersistentVolume,
  type Resources,
  reservationRole,
  validateResources,
} from "../../resources/index.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import type { AgentRecord, Ctx, FrameworkRecord } from "./state.ts";
import { operationResources } from "./task-validation.ts";
import type { OfferOperation } from "./wire-types.ts";

export type ReservationOutcome =
  | { ok: true; available: Resources }
  | { ok: false; message: string };

interface ReservationContext {
  framework: FrameworkRecord;
  agent: AgentRecord;
  role: string;
  available: Resources;
}

export function reserve(
  ctx: Ctx,
  c: ReservationContext,
  operation: NonNullable<OfferOperation["reserve"]>,
): ReservationOutcome {
  const converted = operationResources(operation.resources ?? [], c.role);
  if (!converted.ok) return fail("RESERVE", converted.message);
  const resources = converted.value;
  if (resources.isEmpty()) return fail("RESERVE", "no resources specified");
  const invalid = validateResources(resources);
  if (invalid !== undefined) return fail("RESERVE", invalid);
  const principal = c.framework.info.principal;
  for (const r of resources) {
    if (!isDynamicallyReserved(r)) {
      return fail("RESERVE", `resource '${r.name}' is not dynamically reserved`);
    }
    if (reservationRole(r) !== c.role) {
      return fail(
        "RESERVE",
        `cannot reserve for role '${reservationRole(r)}' resources allocated to role '${c.role}'`,
      );
    }
    const reservedBy = r.reservations[r.reservations.length - 1]?.principal;
    if (principal !== undefined && reservedBy !== principal) {
      return fail(
        "RESERVE",
        `the reservation's principal '${reservedBy ?? ""}' is not the framework's principal '${principal}'`,
      );
    }
    if (isPersistentVolume(r)) return fail("RESERVE", "persistent volumes cannot be reserved");
  }
  let source = resources.popReservation();
  if ((operation.source ?? []).length > 0) {
    const given = operationResources(operation.source ?? [], c.role);
    if (!given.ok) return fail("RESERVE", given.message);
    source = given.value;
  }
  if (!c.available.contains(source)) {
    return fail("RESERVE", `${source.toString()} is not available in ${c.available.toString()}`);
  }
  return convert(ctx, c, source, resources);
}

export function unreserve(
  ctx: Ctx,
  c: ReservationContext,
  operation: NonNullable<OfferOperation["unreserve"]>,
): ReservationOutcome {
  const converted = operationResources(operation.resources ?? [], c.role);
  if (!converted.ok) return fail("UNRESERVE", converted.message);
  const resources = converted.value;
  if (resources.isEmpty()) return fail("UNRESERVE", "no resources specified");
  for (const r of resources) {
    if (!isDynamicallyReserved(r)) {
      return fail("UNRESERVE", `resource '${r.name}' is not dynamically reserved`);
    }
    if (isPersistentVolume(r)) {
      return fail("UNRESERVE", "a persistent volume must be destroyed before it is unreserved");
    }
  }
  if (!c.available.contains(resources)) {
    return fail(
      "UNRESERVE",
      `${resources.toString()} is not available in ${c.available.toString()}`,
    );
  }
  return convert(ctx, c, resources, resources.popReservation());
}

/**
 * Replaces `from` by `to` in the offer's pool, the agent's total and checkpointed resources and
 * the allocator (give back, new total, take again: nothing can allocate in between), and tells
 * the agent what to checkpoint.
 */
function convert(
  ctx: Ctx,
  c: ReservationContext,
  from: Resources,
  to: Resources,
): ReservationOutcome {
  const plainFrom = from.unallocate();
  const plainTo = to.unallocate();
  const agent = c.agent;
  agent.total = agent.total.subtractContained(plainFrom).add(plainTo);
  agent.checkpointed = agent.checkpointed
    .subtract(plainFrom.filter(isDynamicallyReserved))
    .add(plainTo.filter(isDynamicallyReserved));
  ctx.allocator.recoverResources(c.framework.id, agent.id, from, undefined, ctx.nowMs);
  ctx.allocator.updateAgent(agent.id, agent.total);
  ctx.allocator.addUsed(c.framework.id, agent.id, to);
  ctx.toAgent(agent, {
    type: "CHECKPOINT_RESOURCES",
    checkpoint_resources: { resources: resourcesToWire(agent.checkpointed) },
  });
  return { ok: true, available: c.available.subtractContained(from).add(to) };
}

function fail(kind: string, message: string): ReservationOutcome {
  return { ok: false, message: `Invalid ${kind} Operation: ${message}` };
}

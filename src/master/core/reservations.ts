// RESERVE and UNRESERVE at ACCEPT (reference §1.5, §2.6): checked against the offered pool
// first (changing nothing), then applied speculatively by the master to the agent's total and
// checkpointed resources and the allocator, and sent to the agent to checkpoint. The reserved (or unreserved) resources stay allocated to the
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

/** What a valid RESERVE or UNRESERVE replaces in the offered pool: `from` becomes `to`. */
export type ReservationCheck =
  | { ok: true; from: Resources; to: Resources }
  | { ok: false; message: string };

export interface ReservationContext {
  framework: FrameworkRecord;
  role: string;
  available: Resources;
}

/** The operation's resources with the allocation role, refused when none are named. */
function operationList(
  kind: string,
  list: NonNullable<NonNullable<OfferOperation["reserve"]>["resources"]>,
  role: string,
): { ok: true; value: Resources } | { ok: false; message: string } {
  const converted = operationResources(list, role);
  if (!converted.ok) return fail(kind, converted.message);
  if (converted.value.isEmpty()) return fail(kind, "no resources specified");
  return converted;
}

/** Checks a RESERVE or UNRESERVE against the offered pool; changes nothing. */
export function checkReservation(
  c: ReservationContext,
  operation: OfferOperation,
): ReservationCheck {
  const reserve = operation.type === "RESERVE" ? operation.reserve : undefined;
  const unreserve = operation.type === "UNRESERVE" ? operation.unreserve : undefined;
  const kind = reserve !== undefined ? "RESERVE" : "UNRESERVE";
  const list = reserve?.resources ?? unreserve?.resources;
  if (list === undefined) return { ok: false, message: "Missing operation" };
  const converted = operationList(kind, list, c.role);
  if (!converted.ok) return converted;
  return reserve !== undefined
    ? checkReserve(c, converted.value, reserve.source ?? [])
    : checkUnreserve(c, converted.value);
}

function checkReserve(
  c: ReservationContext,
  resources: Resources,
  sourceList: NonNullable<NonNullable<OfferOperation["reserve"]>["source"]>,
): ReservationCheck {
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
  if (sourceList.length > 0) {
    const given = operationResources(sourceList, c.role);
    if (!given.ok) return fail("RESERVE", given.message);
    source = given.value;
  }
  if (!c.available.contains(source)) {
    return fail("RESERVE", `${source.toString()} is not available in ${c.available.toString()}`);
  }
  return { ok: true, from: source, to: resources };
}

function checkUnreserve(c: ReservationContext, resources: Resources): ReservationCheck {
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
  return { ok: true, from: resources, to: resources.popReservation() };
}

/**
 * Applies a checked conversion: replaces `from` by `to` in the agent's total and checkpointed
 * resources and the allocator (give back, new total, take again: nothing can allocate in
 * between), and tells the agent what to checkpoint.
 */
export function applyConversion(
  ctx: Ctx,
  framework: FrameworkRecord,
  agent: AgentRecord,
  from: Resources,
  to: Resources,
): void {
  const plainFrom = from.unallocate();
  const plainTo = to.unallocate();
  agent.total = agent.total.subtractContained(plainFrom).add(plainTo);
  agent.checkpointed = agent.checkpointed
    .subtract(plainFrom.filter(isDynamicallyReserved))
    .add(plainTo.filter(isDynamicallyReserved));
  ctx.allocator.recoverResources(framework.id, agent.id, from, undefined, ctx.nowMs);
  ctx.allocator.updateAgent(agent.id, agent.total);
  ctx.allocator.addUsed(framework.id, agent.id, to);
  ctx.toAgent(agent, {
    type: "CHECKPOINT_RESOURCES",
    checkpoint_resources: { resources: resourcesToWire(agent.checkpointed) },
  });
}

function fail(kind: string, message: string): { ok: false; message: string } {
  return { ok: false, message: `Invalid ${kind} Operation: ${message}` };
}

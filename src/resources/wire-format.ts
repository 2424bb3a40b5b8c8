// Conversion between wire `Resource` messages (src/wire/resource.ts) and the domain `Resource`,
// in the three JSON formats of Mesos's `convertResourceFormat` (reference §2.4):
//
// - POST_RESERVATION_REFINEMENT (canonical): `reservations[]`, no `role` / `reservation`.
// - PRE_RESERVATION_REFINEMENT (frameworks without RESERVATION_REFINEMENT): `role` ("*" when
//   unreserved) plus `reservation {principal, labels}` when the single reservation is DYNAMIC.
//   A refined (multi-level) reservation cannot be expressed: sending one is a bug, because the
//   allocator strips refined reservations for such frameworks (reference §6.1).
// - ENDPOINT (operator API, legacy `*_full`): both forms at once.
//
// Incoming resources in the pre-refinement form are upgraded: `role` other than "*" becomes a
// one-level reservation, STATIC when there is no `reservation`, DYNAMIC otherwise. When
// `reservations` is non-empty it wins (ENDPOINT input).
//
// Value checks happen here because the domain types cannot hold bad values: negative or
// non-finite scalars, begin > end or overlapping ranges, duplicate set items, TEXT values.
import { assert } from "../base/assert.ts";
import { parseWire, repeated } from "../wire/json.ts";
import {
  type ReservationInfo as WireReservationInfo,
  type Resource as WireResource,
  Resource as WireResourceSchema,
} from "../wire/resource.ts";
import { normalizeRanges, rangePairs, validateRangePairs } from "./ranges.ts";
import {
  diskInfo,
  type Label,
  type Reservation,
  type Resource,
  type ResourceOptions,
  rangesResource,
  scalarResource,
  setResource,
} from "./resource.ts";
import { Resources } from "./resources.ts";
import { fail, ok, type ParseResult } from "./result.ts";
import { fromMilli, MAX_SCALAR_VALUE, scalarInRange, toMilli } from "./scalar.ts";
import { parseResourcesText } from "./text-format.ts";
import { validateResource } from "./validation.ts";
import { normalizeSet } from "./value-set.ts";

export type ResourceFormat =
  | "POST_RESERVATION_REFINEMENT"
  | "PRE_RESERVATION_REFINEMENT"
  | "ENDPOINT";

function invalid<T>(message: string): ParseResult<T> {
  return fail("INVALID_RESOURCES", message);
}

function labelsFromWire(labels: WireReservationInfo["labels"]): readonly Label[] | undefined {
  const list = labels?.labels;
  if (list === undefined || list.length === 0) return undefined;
  return list.map((l) => (l.value === undefined ? { key: l.key } : { key: l.key, value: l.value }));
}

function reservationFromWire(w: WireReservationInfo, name: string): ParseResult<Reservation> {
  if (w.type !== "STATIC" && w.type !== "DYNAMIC") {
    return invalid(`Resource '${name}': reservation type must be STATIC or DYNAMIC`);
  }
  if (w.role === undefined) return invalid(`Resource '${name}': reservation role must be set`);
  const labels = labelsFromWire(w.labels);
  const reservation: Reservation = {
    type: w.type,
    role: w.role,
    ...(w.principal !== undefined ? { principal: w.principal } : {}),
    ...(labels !== undefined ? { labels } : {}),
  };
  return ok(reservation);
}

function reservationsFromWire(w: WireResource): ParseResult<readonly Reservation[]> {
  const stack = w.reservations ?? [];
  if (stack.length > 0) {
    const out: Reservation[] = [];
    for (const entry of stack) {
      const r = reservationFromWire(entry, w.name);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  }
  // Pre-refinement form: upgrade `role` + optional `reservation`.
  const role = w.role ?? "*";
  if (role === "*") {
    if (w.reservation !== undefined) {
      return invalid(`Resource '${w.name}': a 'reservation' requires a role other than '*'`);
    }
    return ok([]);
  }
  if (w.reservation === undefined) return ok([{ type: "STATIC", role }]);
  const labels = labelsFromWire(w.reservation.labels);
  return ok([
    {
      type: "DYNAMIC",
      role,
      ...(w.reservation.principal !== undefined ? { principal: w.reservation.principal } : {}),
      ...(labels !== undefined ? { labels } : {}),
    },
  ]);
}

/** Converts and validates one wire resource (any of the three formats). */
export function resourceFromWire(w: WireResource): ParseResult<Resource> {
  if (w.name.length === 0) return invalid("Empty resource name");
  const reservations = reservationsFromWire(w);
  if (!reservations.ok) return reservations;
  const opts: ResourceOptions = {
    reservations: reservations.value,
    allocationRole: w.allocation_info?.role,
    revocable: w.revocable !== undefined,
    shared: w.shared !== undefined,
    disk: w.disk === undefined ? undefined : diskInfo(w.disk as Record<string, unknown>),
    providerId: w.provider_id?.value,
  };
  let resource: Resource;
  switch (w.type) {
    case "SCALAR": {
      const value = w.scalar?.value;
      if (value === undefined) return invalid(`Resource '${w.name}' is missing its scalar value`);
      if (!Number.isFinite(value) || value < 0) {
        return invalid(
          `Invalid scalar resource '${w.name}': value ${value} must be a non-negative number`,
        );
      }
      if (!scalarInRange(value)) {
        return invalid(
          `Invalid scalar resource '${w.name}': value ${value} is beyond the largest supported value ${MAX_SCALAR_VALUE}`,
        );
      }
      resource = scalarResource(w.name, toMilli(value), opts);
      break;
    }
    case "RANGES": {
      const pairs = (w.ranges?.range ?? []).map((r) => [r.begin, r.end] as [number, number]);
      const error = validateRangePairs(pairs);
      if (error !== undefined) return invalid(`Invalid ranges resource '${w.name}': ${error}`);
      resource = rangesResource(w.name, normalizeRanges(pairs), opts);
      break;
    }
    case "SET": {
      const items = w.set?.item ?? [];
      const set = normalizeSet(items);
      if (set.length !== items.length) {
        return invalid(`Invalid set resource '${w.name}': duplicate items in the set`);
      }
      resource = setResource(w.name, set, opts);
      break;
    }
    default:
      return invalid(`Resource '${w.name}' has unsupported type ${w.type}`);
  }
  const error = validateResource(resource);
  return error === undefined ? ok(resource) : invalid(error);
}

/**
 * Converts and validates a list (an unset repeated field reads as empty); empty resources are
 * dropped, like Mesos.
 */
export function resourcesFromWire(
  list: readonly WireResource[] | undefined,
): ParseResult<Resources> {
  const out = Resources.empty();
  for (const w of list ?? []) {
    const r = resourceFromWire(w);
    if (!r.ok) return r;
    out.addInPlace(r.value);
  }
  return ok(out);
}

function labelsToWire(labels: readonly Label[] | undefined) {
  return labels === undefined || labels.length === 0
    ? undefined
    : {
        labels: labels.map((l) =>
          l.value === undefined ? { key: l.key } : { key: l.key, value: l.value },
        ),
      };
}

function reservationToWire(r: Reservation): WireReservationInfo {
  const out: WireReservationInfo = { type: r.type, role: r.role };
  if (r.principal !== undefined) out.principal = r.principal;
  const labels = labelsToWire(r.labels);
  if (labels !== undefined) out.labels = labels;
  return out;
}

/** True when a resource has a refined (multi-level) reservation. */
export function hasRefinedReservation(r: Resource): boolean {
  return r.reservations.length > 1;
}

/**
 * Converts one resource to the wire in `format`. Throws (a bug) for a refined reservation in
 * PRE_RESERVATION_REFINEMENT: callers must strip those first (see `hasRefinedReservation`).
 */
export function resourceToWire(
  r: Resource,
  format: ResourceFormat = "POST_RESERVATION_REFINEMENT",
): WireResource {
  const out: WireResource = { name: r.name, type: "SCALAR", reservations: [] };
  if (r.providerId !== undefined) out.provider_id = { value: r.providerId };
  switch (r.kind) {
    case "scalar":
      out.scalar = { value: fromMilli(r.scalar) };
      break;
    case "ranges":
      out.type = "RANGES";
      out.ranges = { range: rangePairs(r.ranges).map(([begin, end]) => ({ begin, end })) };
      break;
    case "set":
      out.type = "SET";
      out.set = { item: r.set.slice() };
      break;
  }
  if (r.allocationRole !== undefined) out.allocation_info = { role: r.allocationRole };
  if (format !== "PRE_RESERVATION_REFINEMENT") {
    out.reservations = r.reservations.map(reservationToWire);
  }
  if (format === "PRE_RESERVATION_REFINEMENT") {
    assert(
      r.reservations.length <= 1,
      `refined reservation of '${r.name}' cannot be expressed in the pre-refinement format`,
    );
  }
  // ENDPOINT adds the pre-refinement fields where they can express the reservation; a refined
  // reservation is shown through `reservations[]` only.
  if (format !== "POST_RESERVATION_REFINEMENT" && r.reservations.length <= 1) {
    const current = r.reservations[r.reservations.length - 1];
    out.role = current?.role ?? "*";
    if (current?.type === "DYNAMIC") {
      const reservation: NonNullable<WireResource["reservation"]> = {};
      if (current.principal !== undefined) reservation.principal = current.principal;
      const labels = labelsToWire(current.labels);
      if (labels !== undefined) reservation.labels = labels;
      out.reservation = reservation;
    }
  }
  if (r.disk !== undefined) out.disk = r.disk.info as WireResource["disk"];
  if (r.revocable) out.revocable = {};
  if (r.shared) out.shared = {};
  return out;
}

/**
 * Converts a collection. Like Mesos's conversion of `Resources` to a repeated field, a shared
 * resource is emitted once however many times it is held.
 */
export function resourcesToWire(
  resources: Resources,
  format: ResourceFormat = "POST_RESERVATION_REFINEMENT",
): WireResource[] {
  const out: WireResource[] = [];
  for (const r of resources) out.push(resourceToWire(r, format));
  return out;
}

/**
 * Reads the agent's `--resources` value (Mesos `Resources::parse`): a JSON array of Resource
 * objects, or else the text form. Resources without a role or reservation get `defaultRole`.
 */
export function parseResourcesFlag(text: string, defaultRole = "*"): ParseResult<Resources> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return parseResourcesText(text, defaultRole);
  }
  if (!Array.isArray(json)) return invalid("Expected a JSON array of resources or the text form");
  const parsed = parseWire(repeated(WireResourceSchema), json);
  if (!parsed.ok) return invalid(`Invalid resources JSON: ${parsed.error}`);
  const list = (parsed.value ?? []).map((w) =>
    defaultRole !== "*" && w.role === undefined && (w.reservations ?? []).length === 0
      ? { ...w, role: defaultRole }
      : w,
  );
  return resourcesFromWire(list);
}

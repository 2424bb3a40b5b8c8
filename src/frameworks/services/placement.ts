// Does an offer fit one instance of an app, and if not, why (reference §1.10, §1.7 QueueItem)?
// The checks run in Marathon's order and the first failing one names the reason, so that
// `/v2/queue` can say "37 offers declined: InsufficientMemory" instead of leaving users to grep
// logs (pain point §4.2). Resource arithmetic is src/resources': the offer becomes a
// `Resources` collection, the resources acceptable to the app are filtered out of it, and what
// an instance takes is subtracted in place so several instances can share one offer.
import { assert } from "../../base/assert.ts";
import { type Attribute, attributeFromWire } from "../../resources/attributes.ts";
import {
  containsRanges,
  normalizeRanges,
  type Ranges,
  rangePairs,
} from "../../resources/ranges.ts";
import {
  type RangesResource,
  type Resource,
  reservationRole,
  type ScalarResource,
  withRanges,
  withScalar,
} from "../../resources/resource.ts";
import { Resources } from "../../resources/resources.ts";
import { type Milli, toMilli } from "../../resources/scalar.ts";
import { resourcesFromWire, resourceToWire } from "../../resources/wire-format.ts";
import type { Offer } from "../../wire/offer.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import { type AppDefinition, hostPortRequests } from "./app-definition.ts";
import {
  type AgentFacts,
  type Constraint,
  checkConstraints,
  parseConstraint,
} from "./constraints.ts";
import { checkDedicated } from "./dedicated.ts";

/** Marathon's reject reasons, in the order they are evaluated. */
export const REJECT_REASONS = [
  "UnfulfilledRole",
  "UnfulfilledConstraint",
  "NoCorrespondingReservationFound",
  "AgentMaintenance",
  "InsufficientCpus",
  "InsufficientMemory",
  "InsufficientDisk",
  "InsufficientGpus",
  "InsufficientPorts",
  "DeclinedScarceResources",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** An offer as placement sees it; `available` shrinks as instances are placed on it. */
export interface OfferView {
  readonly offerId: string;
  readonly agentId: string;
  readonly agent: AgentFacts;
  /** The role the offer is allocated to (MULTI_ROLE), when given. */
  readonly allocationRole: string | undefined;
  /** Whether the agent is in (or about to enter) a maintenance window. */
  readonly draining: boolean;
  readonly available: Resources;
  readonly wire: Offer;
}

export type PlacementResult =
  | { readonly ok: true; readonly resources: WireResource[]; readonly hostPorts: number[] }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

/** Builds the view of one offer; `nowMs` decides whether a maintenance window counts. */
export function offerView(offer: Offer, nowMs: number): OfferView {
  const parsed = resourcesFromWire(offer.resources);
  // The master validated the offer's resources; a malformed one here is a bug upstream.
  assert(parsed.ok, `offer ${offer.id.value}: ${parsed.ok ? "" : parsed.message}`);
  const attributes: Attribute[] = [];
  for (const a of offer.attributes ?? []) {
    const converted = attributeFromWire(a);
    if (converted.ok) attributes.push(converted.value);
  }
  const fault = offer.domain?.fault_domain;
  const region = fault?.region?.name;
  const zone = fault?.zone?.name;
  const startNs = offer.unavailability?.start?.nanoseconds;
  // Marathon declines offers of agents in a drain window (`--draining_seconds` lead time 0 here).
  const draining = startNs !== undefined && Number(startNs) / 1e6 <= nowMs;
  return {
    offerId: offer.id.value,
    agentId: offer.agent_id.value,
    agent: {
      hostname: offer.hostname,
      ...(offer.url?.address.ip === undefined ? {} : { ip: offer.url.address.ip }),
      attributes,
      ...(region === undefined ? {} : { region }),
      ...(zone === undefined ? {} : { zone }),
    },
    allocationRole: offer.allocation_info?.role,
    draining,
    available: parsed.value.clone(),
    wire: offer,
  };
}

/** The roles whose resources an app may use: its acceptedResourceRoles, or "*" and its role. */
export function acceptedRoles(app: AppDefinition): ReadonlySet<string> {
  return new Set(app.acceptedResourceRoles ?? ["*", app.role]);
}

/** Revocable resources serve only the revocable tier, and that tier runs on nothing else. */
function usableFor(app: AppDefinition, r: Resource, revocable: boolean): boolean {
  return (
    r.revocable === revocable &&
    !r.shared &&
    r.disk === undefined &&
    acceptedRoles(app).has(reservationRole(r))
  );
}

/** Parsed constraints of an app (validated at creation, so every one parses). */
export function appConstraints(app: AppDefinition): Constraint[] {
  return app.constraints.map((raw) => {
    const parsed = parseConstraint(raw);
    assert(parsed.ok, `constraint ${JSON.stringify(raw)} passed validation but does not parse`);
    return parsed.constraint;
  });
}

/** Picks host ports: required numbers must be free; 0 takes the lowest free port not yet taken. */
function pickPorts(free: Ranges, requests: readonly number[]): number[] | undefined {
  const picked = new Set<number>();
  for (const want of requests) {
    if (want === 0) continue;
    if (picked.has(want) || !containsRanges(free, normalizeRanges([[want, want]])))
      return undefined;
    picked.add(want);
  }
  const out: number[] = [];
  let pairs = rangePairs(free);
  for (const want of requests) {
    if (want !== 0) {
      out.push(want);
      continue;
    }
    let found: number | undefined;
    for (const [begin, end] of pairs) {
      for (let p = begin; p <= end; p++) {
        if (!picked.has(p)) {
          found = p;
          break;
        }
      }
      if (found !== undefined) break;
    }
    if (found === undefined) return undefined;
    picked.add(found);
    out.push(found);
    pairs = pairs.filter(([, end]) => end >= (found as number));
  }
  return out;
}

/** Takes `milli` of scalar `name` from the usable entries of `available`. */
function takeScalar(
  available: Resources,
  usable: readonly Resource[],
  name: string,
  milli: Milli,
  out: Resource[],
): void {
  let want = milli;
  for (const r of usable) {
    if (want <= 0) break;
    if (r.kind !== "scalar" || r.name !== name) continue;
    const take = Math.min(want, r.scalar) as Milli;
    const part = withScalar(r as ScalarResource, take);
    out.push(part);
    available.subtractInPlace(part);
    want -= take;
  }
  assert(want <= 0, `took less ${name} than the check promised`);
}

/**
 * Checks whether one instance of `app` fits `view` next to the instances already placed
 * (`placed`, one entry per instance, for constraints). On success the resources are taken out of
 * `view.available` and returned in wire form, ready for a TaskInfo.
 */
export function placeInstance(
  app: AppDefinition,
  view: OfferView,
  placed: readonly AgentFacts[],
  /** `revocable`: the app's tier runs on revocable (oversubscribed) resources only. */
  options: { readonly revocable?: boolean } = {},
): PlacementResult {
  const reject = (reason: RejectReason, message: string): PlacementResult => ({
    ok: false,
    reason,
    message,
  });
  if (view.allocationRole !== undefined && view.allocationRole !== app.role) {
    return reject(
      "UnfulfilledRole",
      `offer is for role '${view.allocationRole}', app runs as '${app.role}'`,
    );
  }
  const revocable = options.revocable ?? false;
  const usable = [...view.available].filter((r) => usableFor(app, r, revocable));
  if (usable.length === 0) {
    return reject(
      "UnfulfilledRole",
      `no ${revocable ? "revocable " : ""}resources of the roles ${[...acceptedRoles(app)].join(", ")}`,
    );
  }
  const constraintCheck = checkConstraints(appConstraints(app), view.agent, placed);
  if (!constraintCheck.ok) return reject("UnfulfilledConstraint", constraintCheck.reason);
  const dedicated = checkDedicated(app, view.agent);
  if (!dedicated.ok) return reject("UnfulfilledConstraint", dedicated.reason);
  if (view.draining) return reject("AgentMaintenance", "agent is in a maintenance window");
  const total = (name: string): Milli => {
    let sum = 0;
    for (const r of usable) if (r.kind === "scalar" && r.name === name) sum += r.scalar;
    return sum as Milli;
  };
  const scalarNeeds: [string, number, RejectReason][] = [
    ["cpus", app.cpus, "InsufficientCpus"],
    ["mem", app.mem, "InsufficientMemory"],
    ["disk", app.disk, "InsufficientDisk"],
    ["gpus", app.gpus, "InsufficientGpus"],
  ];
  for (const [name, amount, reason] of scalarNeeds) {
    const want = toMilli(amount);
    if (want > 0 && total(name) < want) {
      return reject(reason, `${name}: wanted ${amount}, offer has ${total(name) / 1000}`);
    }
  }
  const requests = hostPortRequests(app);
  let freePorts: number[] = [];
  for (const r of usable)
    if (r.kind === "ranges" && r.name === "ports") freePorts = freePorts.concat(r.ranges);
  const freeRanges = normalizeRanges(rangePairs(freePorts));
  const hostPorts = requests.length === 0 ? [] : pickPorts(freeRanges, requests);
  if (hostPorts === undefined) {
    return reject(
      "InsufficientPorts",
      `ports: wanted ${JSON.stringify(requests)}, offer has ${JSON.stringify(rangePairs(freeRanges))}`,
    );
  }
  if (app.gpus === 0 && total("gpus") > 0) {
    // Marathon keeps GPU agents for GPU apps (`--gpu_scheduling_behavior restricted`).
    return reject("DeclinedScarceResources", "agent has GPUs and the app needs none");
  }
  const taken: Resource[] = [];
  for (const [name, amount] of scalarNeeds) {
    const want = toMilli(amount);
    if (want > 0) takeScalar(view.available, usable, name, want as Milli, taken);
  }
  for (const port of hostPorts) {
    const entry = usable.find(
      (r): r is RangesResource =>
        r.kind === "ranges" &&
        r.name === "ports" &&
        containsRanges(r.ranges, normalizeRanges([[port, port]])),
    );
    assert(entry !== undefined, `port ${port} was picked but is in no usable entry`);
    const part = withRanges(entry, normalizeRanges([[port, port]]));
    taken.push(part);
    view.available.subtractInPlace(part);
  }
  const merged = Resources.from(taken);
  return { ok: true, resources: merged.toArray().map((r) => resourceToWire(r)), hostPorts };
}

// Property tests over random clusters and random event sequences (issue #3 acceptance).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Allocator, type Offer } from "../../src/allocator/index.ts";
import {
  isStrictSubroleOf,
  ResourceQuantities,
  type Resources,
  reservationRole,
} from "../../src/resources/index.ts";
import { res } from "./helpers.ts";

const AGENT_TEXTS = [
  "cpus:4;mem:4096;ports:[31000-31010]",
  "cpus:2;mem:1024;disk:100",
  "cpus(r1):2;mem(r1):1024;cpus:2;mem:2048",
  "cpus(r1/a):1;mem(r1/a):512;cpus:1;mem:256",
  "cpus:8;mem:512",
];
const ROLES = ["r1", "r1/a", "r2", "r3"];
// r2 is limited and nothing is ever reserved to it, so its consumption is all allocation.
const R2_LIMIT_CPUS = 5_000;

type Event =
  | { kind: "allocate"; full: boolean }
  | { kind: "decline"; pick: number; refuseSeconds: number }
  | { kind: "finish"; pick: number }
  | { kind: "suppress" | "revive"; fw: number; role: number }
  | { kind: "deactivateFw" | "activateFw"; fw: number }
  | { kind: "deactivateAgent" | "activateAgent"; agent: number }
  | { kind: "tick"; ms: number }
  | { kind: "addAgent"; text: number }
  | { kind: "removeAgent"; agent: number };

const arbEvent: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("allocate" as const), full: fc.boolean() }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("decline" as const),
      pick: fc.nat(),
      refuseSeconds: fc.constantFrom(0, 0.5, 5, 60, 1e9),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("finish" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("suppress" as const, "revive" as const),
      fw: fc.nat(3),
      role: fc.nat(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("deactivateFw" as const, "activateFw" as const),
      fw: fc.nat(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("deactivateAgent" as const, "activateAgent" as const),
      agent: fc.nat(7),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.nat(10_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("addAgent" as const), text: fc.nat(4) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("removeAgent" as const), agent: fc.nat(7) }),
  },
);

const arbFrameworkRoles = fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 3 });

/** True when every reserved resource offered to `role` is reserved to it or an ancestor. */
function reservedOk(resources: Resources, role: string): boolean {
  for (const x of resources) {
    if (x.reservations.length === 0) continue;
    const owner = reservationRole(x);
    if (owner !== role && !isStrictSubroleOf(role, owner)) return false;
  }
  return true;
}

/** `agentCount` agents of cpus:1;mem:1024, and per weight a role r<i> with one framework f<i>. */
function weightedCluster(seed: number, agentCount: number, weights: readonly number[]) {
  const a = new Allocator({ seed });
  for (let i = 0; i < agentCount; i++) {
    a.addAgent(`a${i}`, { hostname: `h${i}`, total: res("cpus:1;mem:1024") });
  }
  a.updateWeights(weights.map((w, i) => [`r${i}`, w] as const));
  for (let i = 0; i < weights.length; i++) a.addFramework(`f${i}`, { roles: [`r${i}`] });
  return a;
}

describe("allocator properties", () => {
  it("keeps every invariant over random clusters and event sequences", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(4), { minLength: 1, maxLength: 6 }),
        fc.array(arbFrameworkRoles, { minLength: 1, maxLength: 4 }),
        fc.array(arbEvent, { maxLength: 60 }),
        fc.integer(),
        fc.constantFrom("drf" as const, "random" as const),
        (agentTexts, fwRoles, events, seed, sorter) => {
          const a = new Allocator({ seed, sorter });
          a.updateQuota("r2", {
            guarantees: ResourceQuantities.fromRecord({ cpus: 1_000 }),
            limits: new Map([["cpus", R2_LIMIT_CPUS]]),
          });
          a.updateQuota("r1", {
            guarantees: ResourceQuantities.fromRecord({ cpus: 2_000, mem: 1_000_000 }),
            limits: new Map(),
          });
          const agents: string[] = [];
          let nextAgent = 0;
          const addAgent = (text: number) => {
            const id = `a${nextAgent++}`;
            a.addAgent(id, { hostname: id, total: res(AGENT_TEXTS[text]!) });
            agents.push(id);
          };
          for (const t of agentTexts) addAgent(t);
          const frameworks = fwRoles.map((roles, i) => {
            const id = `f${i}`;
            a.addFramework(id, { roles: roles.map((r) => ROLES[r]!) });
            return {
              id,
              roles: new Set(roles.map((r) => ROLES[r]!)),
              suppressed: new Set<string>(),
              active: true,
            };
          });
          let held: Offer[] = [];
          let now = 0;

          const check = (offers: Offer[]) => {
            for (const o of offers) {
              const fw = frameworks.find((f) => f.id === o.frameworkId)!;
              assert.ok(fw.active, "offer to an inactive framework");
              assert.ok(fw.roles.has(o.role), "offer in a role the framework left");
              assert.ok(!fw.suppressed.has(o.role), `offer in suppressed role ${o.role}`);
              assert.ok(reservedOk(o.resources, o.role), "reservation leaked to another role");
              for (const r of o.resources) assert.equal(r.allocationRole, o.role);
            }
            for (const id of agents) {
              const total = a.total(id);
              const allocated = a.allocatedOn(id);
              assert.ok(total.contains(allocated), `agent ${id} over-allocated`);
              assert.ok(
                allocated.add(a.available(id)).equals(total),
                `${id}: allocated + available != total`,
              );
            }
            assert.ok(a.quotaConsumed("r2").get("cpus") <= R2_LIMIT_CPUS, "quota limit exceeded");
          };

          for (const e of events) {
            switch (e.kind) {
              case "allocate": {
                const offers = a.allocate(now, { full: e.full });
                check(offers);
                held.push(...offers);
                break;
              }
              case "decline":
              case "finish": {
                if (held.length === 0) break;
                const o = held[e.pick % held.length]!;
                held = held.filter((x) => x !== o);
                const filter =
                  e.kind === "decline" ? { refuseSeconds: e.refuseSeconds } : undefined;
                a.recoverResources(o.frameworkId, o.agentId, o.resources, filter, now);
                break;
              }
              case "suppress":
              case "revive": {
                const fw = frameworks[e.fw % frameworks.length]!;
                const role = ROLES[e.role]!;
                if (e.kind === "suppress") {
                  a.suppressRoles(fw.id, [role]);
                  if (fw.roles.has(role)) fw.suppressed.add(role);
                } else {
                  a.reviveRoles(fw.id, [role]);
                  fw.suppressed.delete(role);
                }
                break;
              }
              case "deactivateFw":
              case "activateFw": {
                const fw = frameworks[e.fw % frameworks.length]!;
                fw.active = e.kind === "activateFw";
                if (fw.active) a.activateFramework(fw.id);
                else a.deactivateFramework(fw.id);
                break;
              }
              case "deactivateAgent":
              case "activateAgent": {
                if (agents.length === 0) break;
                const id = agents[e.agent % agents.length]!;
                if (e.kind === "activateAgent") a.activateAgent(id);
                else a.deactivateAgent(id);
                break;
              }
              case "tick":
                now += e.ms;
                break;
              case "addAgent":
                addAgent(e.text);
                break;
              case "removeAgent": {
                if (agents.length === 0) break;
                const id = agents.splice(e.agent % agents.length, 1)[0]!;
                a.removeAgent(id);
                held = held.filter((o) => o.agentId !== id);
                break;
              }
            }
          }
          check(a.allocate(now + 1_000_000_000_000, { full: true }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("converges DRF shares to the weights in a saturated cluster with equal demand", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 20, max: 120 }),
        fc.integer(),
        (weights, agentCount, seed) => {
          const a = weightedCluster(seed, agentCount, weights);
          a.allocate(0);
          // Every role wants everything; weighted shares differ by at most one agent.
          // roleShare is already divided by the weight.
          const normalised = weights.map((_, i) => a.roleShare(`r${i}`));
          const oneAgent = 1 / agentCount;
          const max = Math.max(...normalised);
          const min = Math.min(...normalised);
          assert.ok(
            max - min <= oneAgent / Math.min(...weights) + 1e-9,
            `shares/weight ${normalised} with weights ${weights}`,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("gives every role at least min(its demand, its weighted share) (sharing incentive)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 60 })), {
          minLength: 2,
          maxLength: 5,
        }),
        fc.integer({ min: 10, max: 60 }),
        fc.integer(),
        (roles, agentCount, seed) => {
          const a = weightedCluster(
            seed,
            agentCount,
            roles.map(([w]) => w),
          );
          const got = roles.map(() => 0);
          let now = 0;
          for (let cycle = 0; cycle < 50; cycle++) {
            const offers = a.allocate(now, { full: true });
            if (offers.length === 0) break;
            for (const o of offers) {
              const i = Number(o.role.slice(1));
              if (got[i]! < roles[i]![1]) got[i]!++;
              else {
                // Demand met: decline for good and stop asking.
                a.recoverResources(
                  o.frameworkId,
                  o.agentId,
                  o.resources,
                  { refuseSeconds: 1e6 },
                  now,
                );
                a.suppressRoles(o.frameworkId, [o.role]);
              }
            }
            now += 1000;
          }
          // Agents are indivisible: a role's weighted share may fall short of its fair share by
          // one agent per unit of the smallest weight (each agent went to the role whose
          // share / weight was lowest at that moment).
          const totalWeight = roles.reduce((x, [w]) => x + w, 0);
          const minWeight = Math.min(...roles.map(([w]) => w));
          roles.forEach(([w, demand], i) => {
            const fair = w * (agentCount / totalWeight - 1 / minWeight);
            assert.ok(
              got[i]! >= Math.min(demand, fair) - 1e-9,
              `role r${i} got ${got[i]} of ${demand}, fair ${fair}`,
            );
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Allocator, filterTimeoutMs } from "../../src/allocator/index.ts";
import { ResourceQuantities, withOptions } from "../../src/resources/index.ts";
import { res, sum, who } from "./helpers.ts";

const AGENT = "cpus:4;mem:4096";

function cluster(agents: number, text = AGENT, options = {}) {
  const a = new Allocator({ seed: 11, ...options });
  for (let i = 0; i < agents; i++) a.addAgent(`a${i}`, { hostname: `h${i}`, total: res(text) });
  return a;
}

function quota(guarantees: Record<string, number>, limits: Record<string, number> = {}) {
  const milli = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v * 1000]));
  return {
    guarantees: ResourceQuantities.fromRecord(milli(guarantees)),
    limits: new Map(Object.entries(milli(limits))),
  };
}

describe("allocator: offers", () => {
  it("offers a whole agent to one framework, with the allocation role on every resource", () => {
    const a = cluster(1, "cpus:4;mem:4096;ports:[31000-32000]");
    a.addFramework("f1", { roles: ["web"] });
    const offers = a.allocate(0);
    assert.deepEqual(who(offers), ["f1 web a0"]);
    for (const r of offers[0]!.resources) assert.equal(r.allocationRole, "web");
    assert.ok(a.available("a0").isEmpty());
  });

  it("asks the role with the lowest dominant share first", () => {
    const a = cluster(1);
    a.addFramework("f1", { roles: ["r1"] });
    a.addFramework("f2", { roles: ["r2"] });
    a.addAgent("big", { hostname: "big", total: res("cpus:8;mem:8192") });
    a.addUsed("f1", "big", res("cpus:1;mem:512").allocate("r1"));
    const offers = a.allocate(0);
    assert.ok(who(offers).includes("f2 r2 a0"));
    assert.ok(who(offers).includes("f1 r1 big") || who(offers).includes("f2 r2 big"));
  });

  it("never offers a role resources reserved to another role", () => {
    const a = new Allocator({ seed: 1 });
    a.addAgent("a0", { hostname: "h", total: res("cpus(r1):2;mem(r1):1024;cpus:1;mem:512") });
    a.addFramework("f2", { roles: ["r2"] });
    const offers = a.allocate(0);
    assert.equal(offers.length, 1);
    for (const r of offers[0]!.resources) assert.equal(r.reservations.length, 0);
  });

  it("offers a role's reservations to the role and its subroles", () => {
    const a = new Allocator({ seed: 1 });
    a.addAgent("a0", { hostname: "h", total: res("cpus(eng):2;mem(eng):1024") });
    a.addFramework("web", { roles: ["eng/web"] });
    const offers = a.allocate(0);
    assert.deepEqual(who(offers), ["web eng/web a0"]);
    assert.equal(sum(offers, "cpus"), 2);
  });

  it("does not offer deactivated agents", () => {
    const a = cluster(2);
    a.deactivateAgent("a1");
    a.addFramework("f1", { roles: ["r"] });
    assert.deepEqual(who(a.allocate(0)), ["f1 r a0"]);
    a.activateAgent("a1");
    assert.deepEqual(who(a.allocate(1000)), ["f1 r a1"]);
  });

  it("offers nothing below min_allocatable_resources unless the framework allows it", () => {
    const a = cluster(1, "cpus:0.005;mem:16");
    a.addFramework("f1", { roles: ["r"] });
    assert.deepEqual(a.allocate(0), []);
    a.addFramework("f2", { roles: ["r"], minAllocatable: new Map([["r", []]]) });
    assert.deepEqual(who(a.allocate(0)), ["f2 r a0"]);
  });

  it("keeps GPU agents for GPU-capable frameworks", () => {
    const a = cluster(1, "cpus:4;mem:4096;gpus:1");
    a.addFramework("plain", { roles: ["r"] });
    assert.deepEqual(a.allocate(0), []);
    a.addFramework("gpu", { roles: ["r"], capabilities: { gpuResources: true } });
    assert.deepEqual(who(a.allocate(0)), ["gpu r a0"]);
  });

  it("strips revocable resources for frameworks without REVOCABLE_RESOURCES", () => {
    const a = new Allocator({ seed: 1 });
    const revocable = res("cpus:4").map((r) => withOptions(r, { revocable: true }));
    a.addAgent("a0", { hostname: "h", total: res("cpus:2;mem:1024").add(revocable) });
    a.addFramework("f1", { roles: ["r"] });
    const offers = a.allocate(0);
    assert.equal(sum(offers, "cpus"), 2);
    for (const r of offers[0]!.resources) assert.equal(r.revocable, false);
    a.addFramework("f2", { roles: ["r2"], capabilities: { revocableResources: true } });
    const more = a.allocate(1);
    assert.deepEqual(who(more), ["f2 r2 a0"]);
    assert.ok([...more[0]!.resources].every((r) => r.revocable));
  });

  it("releases everything a removed framework held", () => {
    const a = cluster(2);
    a.addFramework("f1", { roles: ["r"] });
    assert.equal(a.allocate(0).length, 2);
    a.removeFramework("f1");
    assert.equal(a.available("a0").get("cpus"), 4000);
    a.addFramework("f2", { roles: ["r"] });
    assert.equal(a.allocate(0).length, 2);
  });
});

describe("allocator: offer filters", () => {
  it("does not re-offer a declined agent until the filter expires, then does", () => {
    const a = cluster(1);
    a.addFramework("f1", { roles: ["r"] });
    const [offer] = a.allocate(0);
    a.recoverResources("f1", "a0", offer!.resources, { refuseSeconds: 5 }, 0);
    assert.deepEqual(a.allocate(1000, { full: true }), []);
    assert.deepEqual(a.allocate(4999, { full: true }), []);
    assert.deepEqual(who(a.allocate(5000, { full: true })), ["f1 r a0"]);
    assert.equal(a.filterCount(), 0);
  });

  it("keeps a filter for at least one allocation interval", () => {
    assert.equal(filterTimeoutMs(0.1, 1000), 1000);
    assert.equal(filterTimeoutMs(0, 1000), 0);
    assert.equal(filterTimeoutMs(-1, 1000), 5000);
    assert.equal(filterTimeoutMs(Number.NaN, 1000), 5000);
    assert.equal(filterTimeoutMs(1e12, 1000), 365 * 24 * 3600 * 1000);
    const a = cluster(1, AGENT, { allocationIntervalMs: 2000 });
    a.addFramework("f1", { roles: ["r"] });
    const [offer] = a.allocate(0);
    a.recoverResources("f1", "a0", offer!.resources, { refuseSeconds: 0.5 }, 0);
    assert.deepEqual(a.allocate(1000, { full: true }), []);
    assert.equal(a.allocate(2000, { full: true }).length, 1);
  });

  it("re-offers when more resources than were refused become free", () => {
    const a = cluster(1);
    a.addFramework("f1", { roles: ["r"] });
    a.addFramework("f2", { roles: ["r"] });
    const [offer] = a.allocate(0);
    const taker = offer!.frameworkId;
    const other = taker === "f1" ? "f2" : "f1";
    // The taker keeps half and declines the rest for a long time.
    const half = res("cpus:2;mem:2048").allocate("r");
    a.recoverResources(taker, "a0", half, { refuseSeconds: 1000 }, 0);
    const second = a.allocate(1000, { full: true });
    assert.deepEqual(who(second), [`${other} r a0`]);
    a.recoverResources(other, "a0", second[0]!.resources, { refuseSeconds: 1000 }, 1000);
    assert.deepEqual(a.allocate(2000, { full: true }), []);
    // The taker's task ends: 4 cpus free, more than it refused, so it is asked again.
    a.recoverResources(taker, "a0", half, undefined, 2000);
    assert.deepEqual(who(a.allocate(3000, { full: true })), [`${taker} r a0`]);
  });

  it("drops a framework's filters on REVIVE", () => {
    const a = cluster(1);
    a.addFramework("f1", { roles: ["r"] });
    const [offer] = a.allocate(0);
    a.recoverResources("f1", "a0", offer!.resources, { refuseSeconds: 1000 }, 0);
    assert.equal(a.needsAllocation(), false);
    a.reviveRoles("f1", []);
    assert.equal(a.needsAllocation(), true);
    assert.deepEqual(who(a.allocate(1)), ["f1 r a0"]);
  });
});

describe("allocator: suppression and activation", () => {
  it("never offers a suppressed role, and offers it again after REVIVE", () => {
    const a = cluster(2);
    a.addFramework("f1", { roles: ["r1", "r2"], suppressedRoles: ["r1"] });
    const offers = a.allocate(0);
    assert.deepEqual(
      offers.map((o) => o.role),
      ["r2", "r2"],
    );
    for (const o of offers) a.recoverResources("f1", o.agentId, o.resources, undefined, 0);
    a.suppressRoles("f1", ["r2"]);
    assert.deepEqual(a.allocate(1000, { full: true }), []);
    assert.equal(a.isSuppressed("f1", "r2"), true);
    a.reviveRoles("f1", ["r1"]);
    assert.deepEqual(
      a.allocate(2000).map((o) => o.role),
      ["r1", "r1"],
    );
  });

  it("offers nothing to a deactivated framework until it is activated", () => {
    const a = cluster(1);
    a.addFramework("f1", { roles: ["r"] });
    a.deactivateFramework("f1");
    assert.deepEqual(a.allocate(0, { full: true }), []);
    a.activateFramework("f1");
    assert.deepEqual(who(a.allocate(1)), ["f1 r a0"]);
  });
});

describe("allocator: batching", () => {
  it("serves a burst of events with one cycle over the marked agents only", () => {
    const a = cluster(3);
    a.addFramework("f1", { roles: ["r"] });
    assert.equal(a.allocate(0).length, 3);
    a.addAgent("new1", { hostname: "n1", total: res(AGENT) });
    a.addAgent("new2", { hostname: "n2", total: res(AGENT) });
    assert.equal(a.needsAllocation(), true);
    assert.deepEqual(who(a.allocate(1)), ["f1 r new1", "f1 r new2"]);
    assert.equal(a.needsAllocation(), false);
    assert.deepEqual(a.allocate(2), []);
  });

  it("does not re-offer recovered resources before the next full cycle", () => {
    const a = cluster(1);
    a.addFramework("f1", { roles: ["r"] });
    const [offer] = a.allocate(0);
    a.recoverResources("f1", "a0", offer!.resources, undefined, 0);
    assert.deepEqual(a.allocate(1), []);
    assert.equal(a.allocate(1000, { full: true }).length, 1);
  });
});

describe("allocator: weights and quota", () => {
  it("gives a role of weight 2 twice the agents of a role of weight 1", () => {
    const a = cluster(30, "cpus:1;mem:1024");
    assert.deepEqual(a.updateWeights([["heavy", 2]]), { ok: true });
    a.addFramework("h", { roles: ["heavy"] });
    a.addFramework("l", { roles: ["light"] });
    const offers = a.allocate(0);
    assert.equal(offers.filter((o) => o.role === "heavy").length, 20);
    assert.equal(offers.filter((o) => o.role === "light").length, 10);
  });

  it("rejects invalid weights and quota as values", () => {
    const a = cluster(1);
    assert.equal(a.updateWeights([["r", 0]]).ok, false);
    assert.deepEqual(
      (a.updateQuota("eng/web", quota({ cpus: 1 })) as { code: string }).code,
      "INVALID_QUOTA",
    );
    assert.equal(a.updateQuota("r", quota({ cpus: 2 }, { cpus: 1 })).ok, false);
  });

  it("never allocates beyond a role's quota limits, chopping agents to fit", () => {
    const a = cluster(4);
    a.updateQuota("capped", quota({}, { cpus: 3, mem: 3000 }));
    a.addFramework("f1", { roles: ["capped"] });
    const offers = a.allocate(0);
    assert.equal(sum(offers, "cpus"), 3);
    assert.equal(sum(offers, "mem"), 3000);
    assert.equal(a.quotaConsumed("capped").get("cpus"), 3000);
    assert.deepEqual(a.allocate(1000, { full: true }), []);
  });

  it("limits bound the whole subtree of a role", () => {
    const a = cluster(4);
    a.updateQuota("eng", quota({}, { cpus: 6 }));
    a.addFramework("web", { roles: ["eng/web"] });
    a.addFramework("batch", { roles: ["eng/batch"] });
    assert.equal(sum(a.allocate(0), "cpus"), 6);
  });

  it("holds back headroom so that an unsatisfied guarantee can still be met", () => {
    const a = cluster(4);
    a.updateQuota("prod", quota({ cpus: 8, mem: 8192 }));
    a.addFramework("other", { roles: ["dev"] });
    // prod has no framework yet: dev may take only what exceeds prod's guarantee.
    const offers = a.allocate(0);
    assert.equal(sum(offers, "cpus"), 8);
    a.addFramework("prod-fw", { roles: ["prod"] });
    const prod = a.allocate(1000);
    assert.equal(sum(prod, "cpus"), 8);
    assert.ok(prod.every((o) => o.role === "prod"));
  });

  it("satisfies guarantees first, in the first stage of a cycle", () => {
    const a = cluster(2);
    a.updateQuota("prod", quota({ cpus: 4, mem: 4096 }, { cpus: 4, mem: 4096 }));
    a.addFramework("dev-fw", { roles: ["dev"] });
    a.addFramework("prod-fw", { roles: ["prod"] });
    const offers = a.allocate(0);
    assert.equal(
      sum(
        offers.filter((o) => o.role === "prod"),
        "cpus",
      ),
      4,
    );
    assert.equal(
      sum(
        offers.filter((o) => o.role === "dev"),
        "cpus",
      ),
      4,
    );
  });
});

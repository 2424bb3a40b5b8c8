// Behaviour at the allocator's performance shortcuts: an offer of a whole unreserved agent,
// recovery of a whole offer in one role, a decline's filter over such an offer, and the
// resource objects an offer and its decline hand back and forth.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Allocator } from "../../src/allocator/index.ts";
import { res, who } from "./helpers.ts";

const TOTAL = "cpus:4;mem:4096;ports:[31000-32000]";

function oneAgent(total = TOTAL) {
  const a = new Allocator({ seed: 5 });
  a.addAgent("a0", { hostname: "h0", total: res(total) });
  a.addFramework("f1", { roles: ["web"] });
  a.addFramework("f2", { roles: ["web"] });
  return a;
}

describe("allocator: whole-agent offers", () => {
  it("offers all of an unreserved agent and keeps the offer apart from its bookkeeping", () => {
    const a = oneAgent();
    const [offer] = a.allocate(0);
    assert.ok(offer !== undefined);
    assert.ok(a.available("a0").isEmpty());
    assert.ok(offer.resources.unallocate().equals(res(TOTAL)));
    // The caller owns the offered collection: changing it changes nothing in the allocator.
    offer.resources.subtractInPlace(offer.resources.clone());
    assert.ok(a.allocatedOn("a0").equals(res(TOTAL)));
    assert.ok(a.allocatedTo(offer.frameworkId).unallocate().equals(res(TOTAL)));
  });

  it("takes a recovered whole offer back, and its filter refuses the same offer again", () => {
    const a = oneAgent();
    const [first] = a.allocate(0);
    assert.ok(first !== undefined);
    a.recoverResources(first.frameworkId, "a0", first.resources, { refuseSeconds: 60 }, 0);
    assert.ok(a.available("a0").equals(res(TOTAL)));
    assert.ok(a.allocatedOn("a0").isEmpty());
    assert.equal(a.filterCount(), 1);
    const second = a.allocate(1000, { full: true });
    assert.equal(second.length, 1);
    assert.notEqual(second[0]!.frameworkId, first.frameworkId);
    a.recoverResources(
      second[0]!.frameworkId,
      "a0",
      second[0]!.resources,
      { refuseSeconds: 60 },
      1000,
    );
    assert.deepEqual(a.allocate(2000, { full: true }), []);
    // The first filter expires at 60 s: the first framework is offered the agent again.
    assert.deepEqual(who(a.allocate(61_000, { full: true })), [`${first.frameworkId} web a0`]);
  });

  it("still cuts reservations of other roles out of an agent that has some", () => {
    const a = oneAgent("cpus:4;mem:4096;cpus(ops):2");
    const [offer] = a.allocate(0);
    assert.ok(offer !== undefined);
    assert.equal(offer.resources.get("cpus"), 4000);
    assert.ok(a.available("a0").equals(res("cpus(ops):2")));
  });

  it("recovers part of an offer and keeps the rest allocated", () => {
    const a = oneAgent();
    const [offer] = a.allocate(0);
    assert.ok(offer !== undefined);
    const part = offer.resources.filter((r) => r.name === "mem");
    a.recoverResources(offer.frameworkId, "a0", part, undefined, 0);
    assert.ok(a.available("a0").equals(res("mem:4096")));
    assert.ok(a.allocatedOn("a0").equals(res("cpus:4;ports:[31000-32000]")));
  });

  it("hands a declined offer's own objects back and offers them again, in each role apart", () => {
    const a = new Allocator({ seed: 5 });
    a.addAgent("a0", { hostname: "h0", total: res(TOTAL) });
    a.addFramework("f1", { roles: ["web", "db"], suppressedRoles: ["db"] });
    const [first] = a.allocate(0);
    assert.ok(first?.role === "web");
    a.recoverResources("f1", "a0", first.resources, undefined, 0);
    const back = a.available("a0").toArray();
    const own = () => a.available("a0").toArray();
    const [second] = a.allocate(1000, { full: true });
    assert.ok(second?.role === "web");
    // The same objects as the first offer's, and back to the agent's own on recovery.
    assert.ok(second.resources.toArray().every((r) => first.resources.toArray().includes(r)));
    a.recoverResources("f1", "a0", second.resources, undefined, 1000);
    assert.ok(own().every((r, i) => r === back[i]));
    // Offered in the other role, the objects carry that role; back again, they are the
    // agent's own once more.
    a.suppressRoles("f1", ["web"]);
    a.reviveRoles("f1", ["db"]);
    const [third] = a.allocate(2000, { full: true });
    assert.ok(third?.role === "db");
    for (const r of third.resources) assert.equal(r.allocationRole, "db");
    assert.ok(third.resources.unallocate().equals(res(TOTAL)));
    a.recoverResources("f1", "a0", third.resources, undefined, 2000);
    assert.ok(a.available("a0").equals(res(TOTAL)));
    assert.ok(own().every((r, i) => r === back[i]));
  });
});

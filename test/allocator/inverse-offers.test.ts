// Maintenance inverse offers in the allocator (src/allocator/inverse-offers.ts, Mesos's
// hierarchical allocator): who is asked, how often, what an answer records and delays.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Allocator } from "../../src/allocator/index.ts";
import { inverseFilterMs } from "../../src/allocator/inverse-offers.ts";
import { res } from "./helpers.ts";

const WINDOW = { start: { nanoseconds: 5_000_000_000 }, duration: { nanoseconds: 3_600e9 } };

/** Agents a1 and a2; framework f1 holds a1's offer, f2 holds nothing. */
function setup() {
  const allocator = new Allocator({ seed: 1 });
  allocator.addFramework("f1", { roles: ["r"] });
  allocator.addAgent("a1", { hostname: "h1", total: res("cpus:2;mem:256") });
  const offers = allocator.allocate(0, { full: true });
  assert.equal(offers.length, 1);
  allocator.addFramework("f2", { roles: ["r"] });
  allocator.addAgent("a2", { hostname: "h2", total: res("cpus:2;mem:256") });
  return allocator;
}

const who = (list: { frameworkId: string; agentId: string }[]) =>
  list.map((d) => `${d.frameworkId}@${d.agentId}`).sort();

describe("allocator: maintenance inverse offers", () => {
  it("asks only active frameworks holding resources on an agent with a window, once until answered", () => {
    const allocator = setup();
    assert.deepEqual(allocator.generateInverseOffers(0), [], "no window, no inverse offer");
    allocator.updateUnavailability("a1", WINDOW);
    allocator.updateUnavailability("a2", WINDOW);
    const first = allocator.generateInverseOffers(0);
    assert.deepEqual(who(first), ["f1@a1"]);
    assert.deepEqual(first[0]?.unavailability, WINDOW);
    assert.deepEqual(allocator.generateInverseOffers(1000), [], "one outstanding per agent");
    allocator.deactivateFramework("f1");
    allocator.updateInverseOffer("a1", "f1", undefined, undefined, 1000);
    assert.deepEqual(
      allocator.generateInverseOffers(2000),
      [],
      "inactive frameworks are not asked",
    );
    allocator.activateFramework("f1");
    assert.deepEqual(who(allocator.generateInverseOffers(3000)), ["f1@a1"]);
  });

  it("an answer is recorded with its time; its refuse_seconds only delays the next inverse offer", () => {
    const allocator = setup();
    allocator.updateUnavailability("a1", WINDOW);
    allocator.generateInverseOffers(0);
    allocator.updateInverseOffer("a1", "f1", "DECLINE", 10, 500);
    assert.deepEqual(allocator.getInverseOfferStatuses().get("a1"), [
      { frameworkId: "f1", status: "DECLINE", timestampMs: 500 },
    ]);
    assert.deepEqual(allocator.generateInverseOffers(10_000), [], "filtered for 10 s");
    assert.deepEqual(who(allocator.generateInverseOffers(10_500)), ["f1@a1"]);
    allocator.updateInverseOffer("a1", "f1", "ACCEPT", 0, 11_000);
    assert.deepEqual(allocator.getInverseOfferStatuses().get("a1"), [
      { frameworkId: "f1", status: "ACCEPT", timestampMs: 11_000 },
    ]);
    assert.deepEqual(who(allocator.generateInverseOffers(11_000)), ["f1@a1"], "0 s: no filter");
  });

  it("a stale answer (not outstanding) is not recorded; a new window starts from a clean slate", () => {
    const allocator = setup();
    allocator.updateUnavailability("a1", WINDOW);
    allocator.updateInverseOffer("a1", "f1", "ACCEPT", undefined, 0);
    assert.deepEqual(allocator.getInverseOfferStatuses().get("a1"), []);
    allocator.generateInverseOffers(0);
    allocator.updateInverseOffer("a1", "f1", "ACCEPT", undefined, 1);
    assert.equal(allocator.getInverseOfferStatuses().get("a1")?.length, 1);
    allocator.updateUnavailability("a1", { start: { nanoseconds: 9 } });
    assert.deepEqual(allocator.getInverseOfferStatuses().get("a1"), []);
    assert.deepEqual(who(allocator.generateInverseOffers(2)), ["f1@a1"], "filters dropped too");
    allocator.updateUnavailability("a1", undefined);
    assert.equal(allocator.getInverseOfferStatuses().has("a1"), false);
    assert.deepEqual(allocator.generateInverseOffers(3), []);
  });

  it("REVIVE drops a framework's inverse offer filters; removing the agent forgets its window", () => {
    const allocator = setup();
    allocator.updateUnavailability("a1", WINDOW);
    allocator.generateInverseOffers(0);
    allocator.updateInverseOffer("a1", "f1", "DECLINE", 3600, 0);
    assert.deepEqual(allocator.generateInverseOffers(1), []);
    allocator.reviveRoles("f1", []);
    assert.deepEqual(who(allocator.generateInverseOffers(2)), ["f1@a1"]);
    allocator.removeAgent("a1");
    assert.deepEqual(allocator.getInverseOfferStatuses().size, 0);
  });

  it("refuse_seconds follows Mesos: default 5 s, negative = default, capped at a year, 0 = none", () => {
    assert.equal(inverseFilterMs(undefined), 5000);
    assert.equal(inverseFilterMs(-1), 5000);
    assert.equal(inverseFilterMs(0), 0);
    assert.equal(inverseFilterMs(0.2), 200, "no allocation-interval minimum");
    assert.equal(inverseFilterMs(1e12), 365 * 24 * 3600 * 1000);
  });
});

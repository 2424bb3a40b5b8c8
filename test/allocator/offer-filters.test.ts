import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OfferFilters } from "../../src/allocator/offer-filters.ts";
import { res } from "./helpers.ts";

describe("offer filters", () => {
  it("keep several filters of one subscription on one agent, each expiring on its own", () => {
    const filters = new OfferFilters<string>();
    filters.add("a0", 1, res("cpus:1"), 2_500);
    filters.add("a0", 1, res("cpus:3"), 2_000);
    filters.add("a0", 1, res("cpus:2"), 3_000);
    filters.add("a0", 2, res("cpus:1"), 5_000);
    assert.equal(filters.size, 4);
    const refuses = (offer: string) =>
      OfferFilters.filters(filters.forAgent("a0")?.get(1), res(offer));
    assert.ok(refuses("cpus:3"));
    const touched: string[] = [];
    // The middle one of the list goes first, then the first one.
    filters.expire(2_000, (agent) => touched.push(agent));
    assert.deepEqual(touched, ["a0"]);
    assert.equal(filters.size, 3);
    assert.ok(!refuses("cpus:3"));
    assert.ok(refuses("cpus:1"));
    filters.expire(2_500, (agent) => touched.push(agent));
    assert.equal(filters.size, 2);
    assert.ok(refuses("cpus:2"));
    filters.removeSubscription(1, () => {});
    assert.equal(filters.size, 1);
    assert.equal(filters.forAgent("a0")?.get(1), undefined);
    // The heap still holds the removed filter's entry: it surfaces and changes nothing.
    filters.expire(3_000, (agent) => touched.push(agent));
    assert.equal(touched.length, 2);
    filters.removeAgent("a0");
    assert.equal(filters.size, 0);
    assert.equal(filters.forAgent("a0"), undefined);
  });
});

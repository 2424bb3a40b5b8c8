import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ResourceQuantities } from "../../src/resources/quantities.ts";
import {
  type Resource,
  scalarResource,
  withAllocationRole,
  withOptions,
} from "../../src/resources/resource.ts";
import { Resources } from "../../src/resources/resources.ts";
import { arbResource, arbResources } from "./arbitraries.ts";

const arbRole = fc.constantFrom(undefined, "eng", "eng/web", "*", "ops");

/** Every field, so that two resources compare equal only when they are the same value. */
function fields(r: Resource): unknown {
  return { ...r };
}

function entries(rs: Resources): unknown[] {
  return rs.toArray().map((r) => [fields(r), rs.count(r)]);
}

describe("allocation role changes (the allocator's hot path)", () => {
  it("withAllocationRole gives the same resource, key included, as withOptions", () => {
    fc.assert(
      fc.property(arbResource, arbRole, arbRole, (r, first, second) => {
        // Twice, so the second call comes from the key cache.
        for (const role of [first, second, first]) {
          assert.deepEqual(
            fields(withAllocationRole(r, role)),
            fields(withOptions(r, { allocationRole: role })),
          );
        }
      }),
    );
  });

  it("allocate and unallocate equal mapping withOptions over the collection", () => {
    fc.assert(
      fc.property(arbResources, fc.constantFrom("eng", "eng/web", "*"), (rs, role) => {
        // The general path (re-merging map), counts of shared resources included.
        const viaOptions = (target: string | undefined) =>
          rs.map((r) => withOptions(r, { allocationRole: target }));
        const allocated = rs.allocate(role);
        assert.ok(allocated.equals(viaOptions(role)));
        assert.deepEqual(entries(allocated), entries(viaOptions(role)));
        assert.ok(allocated.unallocate().equals(viaOptions(undefined)));
        assert.ok(allocated.unallocate().allocate(role).equals(allocated));
      }),
    );
  });

  it("allocate returns a new collection even when nothing changes", () => {
    const rs = Resources.of(scalarResource("cpus", 1000, { allocationRole: "eng" }));
    const same = rs.allocate("eng");
    assert.notEqual(same, rs);
    same.addInPlace(scalarResource("cpus", 1000, { allocationRole: "eng" }));
    assert.equal(rs.get("cpus"), 1000);
    assert.equal(same.get("cpus"), 2000);
  });

  it("keeps entries apart that differ only in allocation role until given one role", () => {
    const rs = Resources.of(
      scalarResource("cpus", 1000, { allocationRole: "a" }),
      scalarResource("cpus", 2000, { allocationRole: "b" }),
    );
    assert.equal(rs.size, 2);
    const merged = rs.allocate("a");
    assert.equal(merged.size, 1);
    assert.equal(merged.get("cpus"), 3000);
    assert.deepEqual(
      entries(merged.unallocate()),
      entries(Resources.of(scalarResource("cpus", 3000))),
    );
  });

  it("subtracting all of a scalar (or more) removes it, like the general clamped path", () => {
    fc.assert(
      fc.property(arbResources, arbResources, (a, b) => {
        const out = a.subtract(b);
        for (const r of out) assert.ok(r.kind !== "scalar" || r.scalar > 0);
        // a - b + b contains a when b is contained (clamping loses nothing then).
        if (a.contains(b)) assert.ok(out.add(b).equals(a));
      }),
    );
  });
});

describe("ResourceQuantities indexed access", () => {
  it("nameAt and amountAt walk the entries in name order", () => {
    const q = ResourceQuantities.fromRecord({ mem: 32_000, cpus: 10, disk: 5 });
    const seen: [string, number][] = [];
    for (let i = 0; i < q.size; i++) seen.push([q.nameAt(i), q.amountAt(i)]);
    assert.deepEqual(seen, [...q]);
    assert.deepEqual(
      seen.map(([n]) => n),
      ["cpus", "disk", "mem"],
    );
  });
});

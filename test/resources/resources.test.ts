import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { normalizeRanges } from "../../src/resources/ranges.ts";
import {
  diskInfo,
  isEmptyResource,
  rangesResource,
  scalarResource,
  setResource,
} from "../../src/resources/resource.ts";
import { Resources } from "../../src/resources/resources.ts";
import { toMilli } from "../../src/resources/scalar.ts";
import { parseResourcesText } from "../../src/resources/text-format.ts";
import { arbResource, arbResources } from "./arbitraries.ts";

function parse(text: string, defaultRole?: string): Resources {
  const result = parseResourcesText(text, defaultRole);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe("Resources arithmetic", () => {
  it("merges resources of the same kind and keeps different reservations apart", () => {
    const r = parse("cpus:1;cpus:2;cpus(eng):3;mem:10");
    assert.equal(r.size, 3);
    assert.equal(r.get("cpus"), 6000);
    assert.equal(r.unreserved().get("cpus"), 3000);
    assert.equal(r.reserved("eng").get("cpus"), 3000);
  });

  it("adds 0.1 and 0.2 cpus to exactly 0.3 cpus", () => {
    const sum = Resources.of(scalarResource("cpus", toMilli(0.1))).add(
      scalarResource("cpus", toMilli(0.2)),
    );
    assert.ok(sum.equals(parse("cpus:0.3")));
  });

  it("drops a scalar subtracted to zero and never goes negative", () => {
    const r = parse("cpus:2;mem:100");
    assert.ok(r.subtract(parse("cpus:2")).equals(parse("mem:100")));
    assert.ok(r.subtract(parse("cpus:5;mem:50")).equals(parse("mem:50")));
  });

  it("splits port ranges on subtraction", () => {
    const r = parse("ports:[31000-32000]").subtract(parse("ports:[31100-31100]"));
    assert.ok(r.equals(parse("ports:[31000-31099,31101-32000]")));
  });

  it("does not let reserved resources satisfy an unreserved request", () => {
    assert.equal(parse("cpus(eng):4").contains(parse("cpus:1")), false);
    assert.equal(parse("cpus(eng):4").contains(parse("cpus(eng):1")), true);
  });

  it("throws on subtracting what is not contained when asked to check", () => {
    assert.throws(() => parse("cpus:1").subtractContained(parse("cpus:2")), /does not contain/);
    assert.ok(parse("cpus:3").subtractContained(parse("cpus:2")).equals(parse("cpus:1")));
  });

  it("leaves the receiver untouched by immutable operations and mutates only in place", () => {
    const r = parse("cpus:2");
    r.add(parse("cpus:1"));
    r.subtract(parse("cpus:1"));
    assert.equal(r.get("cpus"), 2000);
    r.addInPlace(parse("cpus:1"));
    assert.equal(r.get("cpus"), 3000);
    r.subtractInPlace(scalarResource("cpus", 500));
    assert.equal(r.get("cpus"), 2500);
  });

  it("counts shared volumes instead of merging them", () => {
    const volume = scalarResource("disk", 64_000, {
      shared: true,
      disk: diskInfo({ persistence: { id: "v1" } }),
    });
    const twice = Resources.of(volume, volume);
    assert.equal(twice.size, 1);
    assert.equal(twice.count(volume), 2);
    assert.equal(twice.get("disk"), 64_000);
    assert.equal(twice.toQuantities().get("disk"), 64_000);
    assert.ok(twice.contains(Resources.of(volume)));
    assert.equal(Resources.of(volume).contains(twice), false);
    assert.equal(twice.subtract(volume).count(volume), 1);
  });

  it("never merges or splits a persistent volume", () => {
    const v = (milli: number) =>
      scalarResource("disk", milli, { disk: diskInfo({ persistence: { id: "v1" } }) });
    const r = Resources.of(v(100_000));
    assert.equal(r.contains(v(50_000)), false);
    assert.ok(r.subtract(v(50_000)).equals(r));
    assert.ok(r.subtract(v(100_000)).isEmpty());
  });
});

describe("Resources filters", () => {
  const agent = parse("cpus:8;mem:1024;cpus(eng):2;mem(eng/web):64;cpus(ops):1");

  it("offers a role its own reservations and those of its ancestors", () => {
    assert.equal(agent.allocatableTo("eng/web").toString().includes("ops"), false);
    assert.equal(agent.allocatableTo("eng/web").get("cpus"), 10_000);
    assert.equal(agent.allocatableTo("eng/web").get("mem"), 1_088_000);
    assert.equal(agent.allocatableTo("eng").get("mem"), 1_024_000);
    assert.equal(agent.allocatableTo("other").get("cpus"), 8000);
  });

  it("selects reservations of a role subtree", () => {
    assert.equal(agent.reservedToSubtree("eng").get("cpus"), 2000);
    assert.equal(agent.reservedToSubtree("eng").get("mem"), 64_000);
    assert.equal(agent.reserved().get("cpus"), 3000);
    assert.equal(agent.reserved("eng/web").get("cpus"), 0);
  });

  it("sets and clears the allocation role, merging what becomes equal", () => {
    const allocated = agent.allocate("eng");
    assert.ok(allocated.allocatedTo("eng").equals(allocated));
    assert.ok(allocated.unallocate().equals(agent));
    assert.ok(allocated.allocatedTo("ops").isEmpty());
  });

  it("flattens reservations away and can re-reserve everything to one role", () => {
    const flat = agent.flatten();
    assert.equal(flat.size, 2);
    assert.equal(flat.get("cpus"), 11_000);
    assert.ok(agent.flatten("x").reserved("x").equals(agent.flatten("x")));
  });

  it("pushes and pops reservations for RESERVE and UNRESERVE", () => {
    const unreserved = parse("cpus:1");
    const reserved = unreserved.pushReservation({ type: "DYNAMIC", role: "eng", principal: "p" });
    assert.equal(reserved.reserved("eng").get("cpus"), 1000);
    assert.ok(reserved.popReservation().equals(unreserved));
  });

  it("separates scalars, revocable and shared resources", () => {
    const r = Resources.of(
      scalarResource("cpus", 1000, { revocable: true }),
      rangesResource("ports", normalizeRanges([[1, 2]])),
      setResource("bugs", ["a"]),
    );
    assert.deepEqual(r.scalars().names(), ["cpus"]);
    assert.deepEqual(r.nonScalars().names(), ["bugs", "ports"]);
    assert.deepEqual(r.revocable().names(), ["cpus"]);
    assert.deepEqual(r.nonRevocable().names(), ["bugs", "ports"]);
    assert.ok(r.shared().isEmpty());
  });
});

describe("Resources shrink", () => {
  it("cuts limited scalars to fit and keeps unlimited names and non-scalars whole", () => {
    const r = parse("cpus:4;cpus(eng):4;mem:100;ports:[1-10]");
    const shrunk = r.shrink(new Map([["cpus", 5000]]));
    assert.equal(shrunk.get("cpus"), 5000);
    assert.equal(shrunk.get("mem"), 100_000);
    assert.ok(shrunk.contains(parse("ports:[1-10]")));
    assert.ok(r.contains(shrunk));
    assert.ok(r.shrink(new Map([["cpus", 0]])).equals(parse("mem:100;ports:[1-10]")));
  });

  it("keeps an atomic volume only when it fits entirely", () => {
    const volume = scalarResource("disk", 64_000, {
      disk: diskInfo({ persistence: { id: "v1" } }),
    });
    const r = Resources.of(volume);
    assert.ok(r.shrink(new Map([["disk", 10_000]])).isEmpty());
    assert.ok(r.shrink(new Map([["disk", 64_000]])).equals(r));
  });
});

describe("Resources algebraic laws", () => {
  it("add is commutative and associative", () => {
    fc.assert(
      fc.property(arbResources, arbResources, arbResources, (a, b, c) => {
        assert.ok(a.add(b).equals(b.add(a)));
        assert.ok(
          a
            .add(b)
            .add(c)
            .equals(a.add(b.add(c))),
        );
      }),
    );
  });

  it("(a + b) - b == a for scalars, and a + b contains both", () => {
    fc.assert(
      fc.property(arbResources, arbResources, (a, b) => {
        const sum = a.add(b);
        const scalars = a.scalars().add(b.scalars()).subtract(b.scalars());
        assert.ok(scalars.equals(a.scalars()), `${sum} - ${b} != ${a}`);
        assert.ok(sum.contains(a));
        assert.ok(sum.contains(b));
      }),
    );
  });

  it("(a + b) - b == a - b for ranges and sets, whose addition is a union", () => {
    fc.assert(
      fc.property(arbResources, arbResources, (a, b) => {
        const expected = a.scalars().add(a.nonScalars().subtract(b));
        assert.ok(a.add(b).subtract(b).equals(expected));
      }),
    );
  });

  it("contains is reflexive and transitive", () => {
    fc.assert(
      fc.property(arbResources, arbResources, arbResources, (a, b, c) => {
        assert.ok(a.contains(a));
        const big = a.add(b).add(c);
        const mid = a.add(b);
        assert.ok(big.contains(mid) && mid.contains(a) && big.contains(a));
      }),
    );
  });

  it("subtract never yields negative or empty entries", () => {
    fc.assert(
      fc.property(arbResources, arbResources, (a, b) => {
        for (const r of a.subtract(b)) {
          assert.equal(isEmptyResource(r), false);
          if (r.kind === "scalar") assert.ok(r.scalar > 0);
        }
        assert.ok(a.contains(a.subtract(b)));
      }),
    );
  });

  it("a - b + (a ∩ b part) restores a when b is contained", () => {
    fc.assert(
      fc.property(arbResources, arbResource, (a, r) => {
        const b = Resources.of(r);
        if (a.contains(b)) assert.ok(a.subtract(b).add(b).equals(a));
      }),
    );
  });

  it("quantities of a sum are the sum of quantities", () => {
    fc.assert(
      fc.property(arbResources, arbResources, (a, b) => {
        const shared = a.shared().add(b.shared());
        if (!shared.isEmpty()) return; // shared resources count once, not per copy
        assert.ok(a.add(b).toQuantities().equals(a.toQuantities().add(b.toQuantities())));
      }),
    );
  });
});

describe("Resources copies that share arrays", () => {
  it("a clone and its original change independently, whichever changes first", () => {
    fc.assert(
      fc.property(arbResources, arbResources, (a, b) => {
        const before = a.toString();
        const copy = a.clone();
        copy.addInPlace(b);
        assert.equal(a.toString(), before);
        assert.ok(copy.equals(a.add(b)));
        const again = a.clone();
        a.subtractInPlace(b);
        assert.equal(again.toString(), before);
        assert.ok(copy.contains(again));
        a.clearInPlace();
        assert.ok(a.isEmpty());
        assert.equal(again.toString(), before);
      }),
    );
  });

  it("adding into an empty collection copies nothing the other side's changes could reach", () => {
    fc.assert(
      fc.property(arbResources, arbResources, (a, b) => {
        const before = a.toString();
        const into = Resources.empty().addInPlace(a);
        assert.ok(into.sameEntries(a));
        a.addInPlace(b);
        assert.equal(into.toString(), before);
        into.subtractInPlace(b);
        assert.ok(a.contains(into));
        const emptied = a.clone().clearInPlace();
        const refilled = emptied.addInPlace(b);
        assert.ok(refilled.equals(Resources.empty().addInPlace(b)));
        assert.ok(a.contains(b));
      }),
    );
  });
});

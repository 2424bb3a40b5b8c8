import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ResourceQuantities } from "../../src/resources/quantities.ts";

const arbQ = fc
  .array(
    fc.tuple(fc.constantFrom("cpus", "mem", "disk", "gpus"), fc.integer({ min: 0, max: 10_000 })),
    {
      maxLength: 6,
    },
  )
  .map((entries) => ResourceQuantities.from(entries));

describe("ResourceQuantities", () => {
  it("sums repeated names and drops zeros", () => {
    const q = ResourceQuantities.from([
      ["mem", 32_000],
      ["cpus", 500],
      ["cpus", 500],
      ["gpus", 0],
    ]);
    assert.deepEqual(
      [...q],
      [
        ["cpus", 1000],
        ["mem", 32_000],
      ],
    );
    assert.equal(q.get("gpus"), 0);
    assert.equal(q.has("gpus"), false);
    assert.equal(q.toString(), "cpus:1;mem:32");
  });

  it("clamps subtraction at zero", () => {
    const q = ResourceQuantities.fromRecord({ cpus: 1000, mem: 10 });
    const d = q.subtract(ResourceQuantities.fromRecord({ cpus: 3000, disk: 5 }));
    assert.deepEqual(d.toRecord(), { mem: 10 });
    q.subtractInPlace("cpus", 5000);
    assert.equal(q.get("cpus"), 0);
  });

  it("takes per-name minimum and maximum", () => {
    const a = ResourceQuantities.fromRecord({ cpus: 1000, mem: 10 });
    const b = ResourceQuantities.fromRecord({ cpus: 500, disk: 7 });
    assert.deepEqual(a.min(b).toRecord(), { cpus: 500 });
    assert.deepEqual(a.max(b).toRecord(), { cpus: 1000, disk: 7, mem: 10 });
  });

  it("treats an absent name as zero in contains", () => {
    const a = ResourceQuantities.fromRecord({ cpus: 1000 });
    assert.equal(a.contains(ResourceQuantities.fromRecord({ cpus: 1000 })), true);
    assert.equal(a.contains(ResourceQuantities.fromRecord({ mem: 1 })), false);
    assert.equal(a.contains(ResourceQuantities.empty()), true);
  });

  it("obeys the laws of non-negative vectors", () => {
    fc.assert(
      fc.property(arbQ, arbQ, arbQ, (a, b, c) => {
        assert.ok(a.add(b).equals(b.add(a)));
        assert.ok(
          a
            .add(b)
            .add(c)
            .equals(a.add(b.add(c))),
        );
        assert.ok(a.add(b).subtract(b).equals(a));
        assert.ok(a.add(b).contains(a));
        assert.ok(a.contains(a.subtract(b)));
        assert.ok(a.contains(a.min(b)) && a.max(b).contains(a));
        for (const [, v] of a.subtract(b)) assert.ok(v > 0);
        assert.ok(a.clone().addAllInPlace(b).equals(a.add(b)));
        assert.ok(a.clone().subtractAllInPlace(b).equals(a.subtract(b)));
      }),
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  normalizeSet,
  setContains,
  setDifference,
  setEqual,
  setUnion,
} from "../../src/resources/value-set.ts";

const arbSet = fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f")).map(normalizeSet);

describe("value sets", () => {
  it("sorts and removes duplicates", () => {
    assert.deepEqual(normalizeSet(["c", "a", "c", "b"]), ["a", "b", "c"]);
  });

  it("agrees with Set semantics for union, difference and containment", () => {
    fc.assert(
      fc.property(arbSet, arbSet, (a, b) => {
        assert.deepEqual(setUnion(a, b), normalizeSet([...a, ...b]));
        assert.deepEqual(
          setDifference(a, b),
          a.filter((x) => !b.includes(x)),
        );
        assert.equal(
          setContains(a, b),
          b.every((x) => a.includes(x)),
        );
        assert.ok(setEqual(setUnion(a, b), setUnion(b, a)));
      }),
    );
  });
});

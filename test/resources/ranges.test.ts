import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  addRanges,
  containsRanges,
  formatRanges,
  intersectRanges,
  isNormalized,
  normalizeRanges,
  type Ranges,
  rangesSize,
  subtractRanges,
  validateRangePairs,
} from "../../src/resources/ranges.ts";

const r = (...pairs: [number, number][]) => normalizeRanges(pairs);

// Ranges over a small universe so that overlaps are common.
const arbRanges = fc
  .array(
    fc
      .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 8 }))
      .map(([b, len]) => [b, b + len] as [number, number]),
    { maxLength: 6 },
  )
  .map((pairs) => normalizeRanges(pairs));

function members(ranges: Ranges): Set<number> {
  const s = new Set<number>();
  for (let i = 0; i < ranges.length; i += 2)
    for (let x = ranges[i]!; x <= ranges[i + 1]!; x++) s.add(x);
  return s;
}

describe("ranges", () => {
  it("normalises by sorting, merging overlaps and coalescing adjacent ranges", () => {
    assert.deepEqual(r([5, 6], [1, 2], [3, 4], [10, 12], [11, 20]), [1, 6, 10, 20]);
  });

  it("rejects a range whose begin is after its end", () => {
    assert.throws(() => r([5, 4]));
  });

  it("splits a range when a hole is subtracted", () => {
    assert.deepEqual(
      subtractRanges(r([31000, 32000]), r([31500, 31500])),
      [31000, 31499, 31501, 32000],
    );
    assert.deepEqual(subtractRanges(r([1, 10]), r([1, 10])), []);
    assert.deepEqual(subtractRanges(r([1, 10], [20, 30]), r([5, 25])), [1, 4, 26, 30]);
  });

  it("contains only ranges it fully covers", () => {
    assert.equal(containsRanges(r([1, 10], [20, 30]), r([2, 3], [25, 30])), true);
    assert.equal(containsRanges(r([1, 10], [20, 30]), r([9, 21])), false);
    assert.equal(containsRanges(r(), r()), true);
  });

  it("counts the integers covered", () => {
    assert.equal(rangesSize(r([31000, 32000])), 1001);
    assert.equal(formatRanges(r([1, 2], [4, 4])), "[1-2,4-4]");
  });

  it("reports overlapping wire ranges", () => {
    assert.match(
      validateRangePairs([
        [1, 5],
        [5, 9],
      ]) ?? "",
      /overlap/,
    );
    assert.equal(
      validateRangePairs([
        [1, 5],
        [6, 9],
      ]),
      undefined,
    );
    assert.match(validateRangePairs([[6, 5]]) ?? "", /greater/);
  });

  it("agrees with set semantics for add, subtract, intersect and contains", () => {
    fc.assert(
      fc.property(arbRanges, arbRanges, (a, b) => {
        const ma = members(a);
        const mb = members(b);
        assert.deepEqual(members(addRanges(a, b)), new Set([...ma, ...mb]));
        assert.deepEqual(members(subtractRanges(a, b)), new Set([...ma].filter((x) => !mb.has(x))));
        assert.deepEqual(members(intersectRanges(a, b)), new Set([...ma].filter((x) => mb.has(x))));
        assert.equal(
          containsRanges(a, b),
          [...mb].every((x) => ma.has(x)),
        );
      }),
    );
  });

  it("keeps every result normalised", () => {
    fc.assert(
      fc.property(arbRanges, arbRanges, (a, b) => {
        assert.ok(isNormalized(a));
        assert.ok(isNormalized(addRanges(a, b)));
        assert.ok(isNormalized(subtractRanges(a, b)));
        assert.ok(isNormalized(intersectRanges(a, b)));
      }),
    );
  });
});

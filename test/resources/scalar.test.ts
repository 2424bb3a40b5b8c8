import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  formatMilli,
  fromMilli,
  parseMilli,
  roundScalar,
  toMilli,
} from "../../src/resources/scalar.ts";

describe("fixed-point scalars", () => {
  it("adds 0.1 and 0.2 to exactly 0.3", () => {
    assert.equal(toMilli(0.1) + toMilli(0.2), toMilli(0.3));
    assert.equal(fromMilli(toMilli(0.1) + toMilli(0.2)), 0.3);
  });

  it("rounds below a thousandth to zero and halves away from zero like llround", () => {
    assert.equal(toMilli(0.0004), 0);
    assert.equal(toMilli(0.0005), 1);
    assert.equal(toMilli(-0.0005), -1);
    assert.equal(Object.is(toMilli(-0.0001), -0), false);
    assert.equal(roundScalar(1.23456), 1.235);
  });

  it("rejects non-finite values as a bug", () => {
    assert.throws(() => toMilli(Number.POSITIVE_INFINITY));
    assert.throws(() => toMilli(Number.NaN));
  });

  it("formats without trailing zeros and with at most three decimals", () => {
    assert.equal(formatMilli(24000), "24");
    assert.equal(formatMilli(1500), "1.5");
    assert.equal(formatMilli(1), "0.001");
    assert.equal(formatMilli(10050), "10.05");
    assert.equal(formatMilli(0), "0");
    assert.equal(formatMilli(-2500), "-2.5");
  });

  it("parses decimal text and refuses anything else", () => {
    assert.equal(parseMilli(" 2.5 "), 2500);
    assert.equal(parseMilli("1e3"), 1000000);
    assert.equal(parseMilli("abc"), undefined);
    assert.equal(parseMilli(""), undefined);
  });

  it("formats and parses back to the same thousandths", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (milli) => {
        assert.equal(parseMilli(formatMilli(milli)), milli);
      }),
    );
  });

  it("makes addition of rounded values associative", () => {
    const amount = fc.double({ min: 0, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(amount, amount, amount, (a, b, c) => {
        const [x, y, z] = [toMilli(a), toMilli(b), toMilli(c)];
        assert.equal(x + y + z, x + (y + z));
      }),
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  attributeFromWire,
  attributeToWire,
  formatAttributesText,
  parseAttributesText,
} from "../../src/resources/attributes.ts";
import { ResourceQuantities } from "../../src/resources/quantities.ts";
import {
  formatResourcesText,
  parseQuantitiesText,
  parseResourcesText,
} from "../../src/resources/text-format.ts";
import { arbResources } from "./arbitraries.ts";

function parse(text: string, role?: string) {
  const result = parseResourcesText(text, role);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe("resources text form", () => {
  it("parses scalars, ranges, sets and static reservations", () => {
    const r = parse(
      "cpus:24;mem:24576;disk:409600;ports:[21000-24000,30000-34000];bugs(role):{a,b,c}",
    );
    assert.equal(r.get("cpus"), 24_000);
    assert.equal(r.get("mem"), 24_576_000);
    const bugs = r.reserved("role").toArray()[0]!;
    assert.equal(bugs.kind, "set");
    assert.deepEqual(bugs.reservations, [{ type: "STATIC", role: "role" }]);
    assert.equal(
      formatResourcesText(r),
      "bugs(role):{a,b,c};cpus:24;disk:409600;mem:24576;ports:[21000-24000,30000-34000]",
    );
  });

  it("tolerates whitespace and empty tokens, and sums repeated names", () => {
    assert.equal(formatResourcesText(parse(" cpus : 1 ;; cpus:0.5; ")), "cpus:1.5");
  });

  it("reserves unlabelled resources to the default role when one is given", () => {
    assert.equal(formatResourcesText(parse("cpus:2;mem(*):3", "eng")), "cpus(eng):2;mem:3");
  });

  it("drops empty values", () => {
    assert.ok(parse("cpus:0;ports:[];bugs:{}").isEmpty());
  });

  it("rejects malformed input with a stable code and a clear message", () => {
    const cases: [string, RegExp][] = [
      ["cpus", /missing or extra ':'/],
      ["cpus:1:2", /missing or extra ':'/],
      ["cpus(eng:1", /mismatched parentheses/],
      ["cpus)eng(:1", /mismatched parentheses/],
      ["cpus:-1", /negative/],
      ["cpus:abc", /type TEXT/],
      ["ports:[5-1]", /greater/],
      ["ports:[1-5,3-9]", /overlap/],
      ["ports:[1-x]", /ranges/],
      ["bugs:{a,a}", /Duplicate/],
      [":1", /Empty resource name/],
      ["cpus(a//b):1", /Invalid role/],
    ];
    for (const [text, pattern] of cases) {
      const result = parseResourcesText(text);
      assert.equal(result.ok, false, text);
      if (!result.ok) {
        assert.equal(result.code, "INVALID_RESOURCES");
        assert.match(result.message, pattern, text);
      }
    }
  });

  it("prints what it parses stably", () => {
    fc.assert(
      fc.property(arbResources, (r) => {
        const once = formatResourcesText(r);
        assert.equal(formatResourcesText(parse(once)), once);
      }),
    );
  });
});

describe("attributes text form", () => {
  it("parses text, scalar, ranges and set attributes in order", () => {
    const result = parseAttributesText("rack:abc;zone:west;level:10;keys:[1000-1500];tags:{x,y}");
    assert.ok(result.ok);
    if (!result.ok) return;
    assert.deepEqual(
      result.value.map((a) => a.kind),
      ["text", "text", "scalar", "ranges", "set"],
    );
    assert.equal(
      formatAttributesText(result.value),
      "rack:abc;zone:west;level:10;keys:[1000-1500];tags:{x,y}",
    );
  });

  it("rejects a token without a name", () => {
    const result = parseAttributesText("rack");
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.code, "INVALID_ATTRIBUTES");
  });
});

describe("quantities text form", () => {
  it("parses scalar quantities and rejects negatives", () => {
    const result = parseQuantitiesText("cpus:0.01;mem:32");
    assert.ok(result.ok && result.value.get("cpus") === 10 && result.value.get("mem") === 32_000);
    assert.equal(parseQuantitiesText("cpus:-1").ok, false);
    assert.equal(parseQuantitiesText("ports:[1-2]").ok, false);
  });
});

describe("attributes and quantities on the wire", () => {
  it("round-trips every attribute kind through the wire message", () => {
    const parsed = parseAttributesText("rack:abc;level:10.5;keys:[1000-1500];tags:{x,y}");
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    for (const a of parsed.value) {
      const back = attributeFromWire(attributeToWire(a));
      assert.ok(back.ok);
      if (back.ok) assert.deepEqual(back.value, a);
    }
  });

  it("converts quantity maps and refuses negative amounts", () => {
    const q = ResourceQuantities.fromWire({
      quantities: { cpus: { value: 0.5 }, mem: { value: 32 } },
    });
    assert.deepEqual(q?.toRecord(), { cpus: 500, mem: 32_000 });
    assert.deepEqual(q?.toWire(), { quantities: { cpus: { value: 0.5 }, mem: { value: 32 } } });
    assert.equal(ResourceQuantities.fromWire({ quantities: { cpus: { value: -1 } } }), undefined);
  });
});

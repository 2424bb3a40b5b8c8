import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { z } from "zod";
import {
  bool,
  bytes,
  double,
  encodeTrusted,
  encodeWire,
  int64,
  optionalEnum,
  parseWire,
  parseWireText,
  protoEnum,
  repeated,
  str,
  stringifyWire,
  stripNulls,
  WIRE_JSON_MAX_DEPTH,
  wireByteLength,
} from "../../src/wire/json.ts";

const Sample = z.object({
  name: str,
  count: int64.optional(),
  weight: double.default(1.0),
  enabled: bool.optional(),
  state: protoEnum(["A", "B"]),
  kind: optionalEnum(["X", "Y"]),
  data: bytes.optional(),
  tags: repeated(str),
  inner: z.object({ value: str }).optional(),
});

test("integers are accepted as numbers or numeric strings", () => {
  const r = parseWire(Sample, { name: "n", state: "A", count: "42" });
  assert.ok(r.ok);
  assert.equal(r.value.count, 42);
  const r2 = parseWire(Sample, { name: "n", state: "A", count: 7 });
  assert.ok(r2.ok && r2.value.count === 7);
});

test("a non-integer in an integer field is rejected with the field path", () => {
  const r = parseWire(Sample, { name: "n", state: "A", count: "4.5" });
  assert.ok(!r.ok);
  assert.match(r.error, /^count: /);
});

test("doubles accept numeric strings and the Infinity spellings", () => {
  for (const [input, expected] of [
    ["2.5", 2.5],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    [3, 3],
  ] as const) {
    const r = parseWire(Sample, { name: "n", state: "A", weight: input });
    assert.ok(r.ok, String(input));
    assert.equal(r.value.weight, expected);
  }
  assert.ok(!parseWire(Sample, { name: "n", state: "A", weight: "abc" }).ok);
});

test("bools accept the strings true and false", () => {
  const r = parseWire(Sample, { name: "n", state: "A", enabled: "false" });
  assert.ok(r.ok && r.value.enabled === false);
});

test("unknown keys are ignored and null means unset", () => {
  const r = parseWire(Sample, { name: "n", state: "A", surprise: 1, count: null });
  assert.ok(r.ok);
  assert.equal("surprise" in r.value, false);
  assert.equal(r.value.count, undefined);
});

test("missing required fields are reported Mesos-style with their paths", () => {
  const r = parseWire(Sample, { inner: {} });
  assert.ok(!r.ok);
  assert.equal(r.error, "Missing required fields: name, state, inner.value");
});

test("a null required field counts as missing", () => {
  const r = parseWire(Sample, { name: null, state: "A" });
  assert.ok(!r.ok);
  assert.equal(r.error, "Missing required fields: name");
});

test("an unknown name in a required enum fails; in an optional enum it is dropped", () => {
  const bad = parseWire(Sample, { name: "n", state: "C" });
  assert.ok(!bad.ok);
  assert.equal(bad.error, "state: Failed to find enum for 'C'");
  const ok = parseWire(Sample, { name: "n", state: "B", kind: "Z" });
  assert.ok(ok.ok);
  assert.equal(ok.value.kind, undefined);
});

test("an object in a required enum is an error naming it, even one whose toString is not callable", () => {
  const bad = parseWire(Sample, { name: "n", state: { toString: "" } });
  assert.ok(!bad.ok);
  assert.equal(bad.error, `state: Failed to find enum for '{"toString":""}'`);
});

test("bytes must be padded base64", () => {
  assert.ok(parseWire(Sample, { name: "n", state: "A", data: "aGVsbG8=" }).ok);
  assert.ok(!parseWire(Sample, { name: "n", state: "A", data: "not base64!" }).ok);
});

test("declared defaults are emitted and empty repeated fields omitted on output", () => {
  const text = encodeWire(Sample, { name: "n", state: "A", tags: [] });
  assert.deepEqual(JSON.parse(text), { name: "n", state: "A", weight: 1 });
});

test("non-finite doubles print as bare tokens and parse back", () => {
  const text = stringifyWire({ limits: { cpus: Number.POSITIVE_INFINITY, mem: 5 } });
  assert.equal(text, '{"limits":{"cpus":Infinity,"mem":5}}');
  const back = parseWireText(text) as { limits: { cpus: unknown } };
  assert.equal(back.limits.cpus, "Infinity");
  const r = parseWire(z.object({ limits: z.record(z.string(), double) }), back);
  assert.ok(r.ok && r.value.limits.cpus === Number.POSITIVE_INFINITY);
});

test("the Infinity rewrite leaves strings containing the word alone", () => {
  const text = '{"message":"to Infinity and beyond","x":-Infinity}';
  assert.deepEqual(parseWireText(text), { message: "to Infinity and beyond", x: "-Infinity" });
});

test("stringify then parse round-trips arbitrary JSON-safe values with finite numbers", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = stringifyWire(v);
      assert.equal(
        typeof parseWireText(text === undefined ? "null" : text),
        typeof JSON.parse(JSON.stringify(v) ?? "null"),
      );
    }),
  );
});

test("a present field of the wrong type is not reported as missing", () => {
  const r = parseWire(Sample, { name: 5, state: "A" });
  assert.ok(!r.ok);
  assert.match(r.error, /^name: /);
});

test("an already-parsed Infinity re-encodes (parse is idempotent on doubles)", () => {
  const Limits = z.object({ cpus: double });
  const first = parseWire(Limits, { cpus: "Infinity" });
  assert.ok(first.ok);
  assert.equal(encodeWire(Limits, first.value), '{"cpus":Infinity}');
});

test("64-bit integers accept epoch times in nanoseconds", () => {
  const r = parseWire(z.object({ t: int64 }), { t: "1724431234123456789" });
  assert.ok(r.ok);
  assert.ok(Math.abs(r.value.t - 1724431234123456800) < 1e3);
});

/** What stringifyWire prints, spelled out with a replacer on every member (the slow way). */
function stringifyWithReplacer(value: unknown): string | undefined {
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return `#${String(v)}#`;
    if (key !== "" && Array.isArray(v) && v.length === 0) return undefined;
    return v;
  });
  return text
    ?.replaceAll('"#Infinity#"', "Infinity")
    .replaceAll('"#-Infinity#"', "-Infinity")
    .replaceAll('"#NaN#"', "NaN");
}

test("stringifyWire drops nested empty arrays and prints non-finite doubles wherever they are", () => {
  const special = fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN);
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      fc.jsonValue({ maxDepth: 1 }),
      special,
      fc.constant([]),
      fc.array(tie("node"), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), tie("node"), { maxKeys: 3 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, (v) => {
      assert.equal(stringifyWire(v), stringifyWithReplacer(v));
    }),
  );
  assert.equal(stringifyWire([]), "[]");
  assert.equal(stringifyWire({ a: [], b: [1] }), '{"b":[1]}');
});

test("stripNulls returns a message without nulls as it is, and copies one with nulls", () => {
  const clean = { a: { b: [1, { c: "x" }] } };
  assert.equal(stripNulls(clean), clean);
  const dirty = { a: { b: [1, { c: null, d: 2 }], e: null } };
  assert.deepEqual(stripNulls(dirty), { a: { b: [1, { d: 2 }] } });
  assert.deepEqual(dirty, { a: { b: [1, { c: null, d: 2 }], e: null } });
  // A null array element is kept: only a null field means unset.
  assert.deepEqual(stripNulls({ list: [null, 1] }), { list: [null, 1] });
});

test("encodeTrusted prints a message as encodeWire does when it is already in output form", () => {
  const message = { name: "n", weight: 2, state: "A" as const, tags: ["t"] };
  assert.deepEqual(
    JSON.parse(encodeTrusted(Sample, message)),
    JSON.parse(encodeWire(Sample, message)),
  );
});

test("encodeTrusted refuses, under the test runner, a message its schema would change", () => {
  const withStray = { name: "n", weight: 1, state: "A" as const, stray: 1 };
  assert.throws(() => encodeTrusted(Sample, withStray), /differs from its validated form/);
  // A declared default left out would appear on the wire only through the schema.
  const withoutDefault = { name: "n", state: "A" } as z.output<typeof Sample>;
  assert.throws(() => encodeTrusted(Sample, withoutDefault), /differs from its validated form/);
});

// Issue 22, fault 7: JSON nested 10,000+ levels overflowed the stack in stripNulls (a 500),
// 4 MB of nested arrays kept JSON.parse busy for seconds, and 800,000 wrong array items made
// zod and the error formatter block the event loop for ten seconds.
test("parseWireText refuses JSON nested deeper than WIRE_JSON_MAX_DEPTH with a clear message", () => {
  const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
  assert.throws(() => parseWireText(deep), /nested deeper than 100 levels/);
  const huge = `${"[".repeat(2 * 1024 * 1024)}${"]".repeat(2 * 1024 * 1024)}`;
  const started = performance.now();
  assert.throws(() => parseWireText(huge), /nested deeper than 100 levels/);
  assert.ok(performance.now() - started < 1000, "refused without parsing it");
  // Brackets inside strings do not count; 100 levels are fine.
  assert.deepEqual(parseWireText(`{"a":"${"[".repeat(500)}"}`), { a: "[".repeat(500) });
  const ok = `${"[".repeat(WIRE_JSON_MAX_DEPTH)}${"]".repeat(WIRE_JSON_MAX_DEPTH)}`;
  assert.doesNotThrow(() => parseWireText(ok));
});

test("parseWireText with maxValues refuses bodies of more values than the bound", () => {
  const wide = `[${Array(1000).fill("[]").join(",")}]`;
  assert.throws(() => parseWireText(wide, { maxValues: 500 }), /more than 500 values/);
  assert.equal((parseWireText(wide, { maxValues: 2000 }) as unknown[]).length, 1000);
  // Commas and colons inside strings are not values.
  assert.deepEqual(parseWireText('{"a":"x,y:z,,,,"}', { maxValues: 2 }), { a: "x,y:z,,,," });
});

test("parseWire refuses a deeply nested value built in code instead of overflowing the stack", () => {
  let value: unknown = {};
  for (let i = 0; i < 20_000; i++) value = { name: value };
  const result = parseWire(Sample, value);
  assert.equal(result.ok, false);
  assert.match(result.ok ? "" : result.error, /nested deeper than 100 levels/);
});

test("a wire error over many items names the first ones and how many more, quickly", () => {
  const List = z.object({ items: repeated(z.object({ value: str })) });
  const items = Array(200_000).fill([]);
  const started = performance.now();
  const result = parseWire(List, { items });
  assert.ok(performance.now() - started < 5000);
  assert.equal(result.ok, false);
  const error = result.ok ? "" : result.error;
  assert.match(error, /^items\[0\]: /);
  assert.match(error, /and 199990 more problems$/);
});

test("wireByteLength is the UTF-8 length of the JSON text", () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.string({ unit: "binary" }), (value, text) => {
      assert.equal(wireByteLength(value), Buffer.byteLength(JSON.stringify(value)));
      assert.equal(wireByteLength({ text }), Buffer.byteLength(JSON.stringify({ text })));
    }),
  );
});

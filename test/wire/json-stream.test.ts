import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { stringifyWire } from "../../src/wire/json.ts";
import {
  JSON_CHUNK_CHARS,
  jsonChunks,
  jsonText,
  StreamedArray,
  StreamedObject,
} from "../../src/wire/json-stream.ts";

/** `value` with its objects and arrays down to `depth` turned into streamed markers. */
function streamed(value: unknown, depth: number): unknown {
  if (depth === 0 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    // Items are rendered when printed: the render function does the conversion.
    return new StreamedArray(value, (item) => streamed(item, depth - 1));
  }
  return new StreamedObject(
    Object.entries(value).map(([key, member]) => [key, streamed(member, depth - 1)] as const),
  );
}

const special = fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN);
const text = fc.string({ unit: "grapheme", maxLength: 6 });
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 1 }),
    text,
    special,
    fc.constant(undefined),
    fc.constant([]),
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(text, tie("node"), { maxKeys: 4 }),
  ),
})).node;

test("a streamed document prints the text JSON.stringify and stringifyWire print for it whole", () => {
  fc.assert(
    fc.property(value, fc.integer({ min: 1, max: 4 }), (v, depth) => {
      const doc = streamed(v, depth);
      assert.equal(jsonText(doc, "json"), JSON.stringify(v) ?? "null");
      assert.equal(jsonText(doc, "wire"), stringifyWire(v) ?? "null");
    }),
    { numRuns: 500 },
  );
});

test("unicode, special numbers and empty lists print as before in both dialects", () => {
  const state = {
    frameworks: [
      {
        name: 'ñ 雪 🚀 \u2028 "quoted" \\ \u0000',
        tasks: [{ limits: { cpus: Number.POSITIVE_INFINITY, mem: Number.NaN }, labels: [] }],
        completed_tasks: [],
      },
    ],
    orphan_tasks: [],
  };
  const doc = streamed(state, 3);
  assert.equal(jsonText(doc, "json"), JSON.stringify(state));
  assert.equal(
    jsonText(doc, "wire"),
    '{"frameworks":[{"name":"ñ 雪 🚀 \u2028 \\"quoted\\" \\\\ \\u0000","tasks":[{"limits":{"cpus":Infinity,"mem":NaN}}]}]}',
  );
});

test("a big list leaves in chunks of about JSON_CHUNK_CHARS that join to the whole text", () => {
  const items = Array.from({ length: 20_000 }, (_, i) => ({ id: `task-${i}`, state: "RUNNING" }));
  const doc = new StreamedObject([["tasks", new StreamedArray(items, (t) => t)]]);
  const chunks = [...jsonChunks(doc, "json")];
  assert.ok(chunks.length > 2, `${chunks.length} chunks`);
  for (const chunk of chunks.slice(0, -1)) {
    assert.ok(chunk.length >= JSON_CHUNK_CHARS && chunk.length < JSON_CHUNK_CHARS + 100);
  }
  assert.equal(chunks.join(""), JSON.stringify({ tasks: items }));
});

test("items are rendered as they are printed, not before", () => {
  const rendered: number[] = [];
  const items = Array.from({ length: 30_000 }, (_, i) => i);
  const doc = new StreamedArray(items, (i) => {
    rendered.push(i);
    return { i, pad: "x".repeat(20) };
  });
  const chunks = jsonChunks(doc, "wire");
  chunks.next();
  assert.ok(rendered.length > 0 && rendered.length < items.length, `${rendered.length} rendered`);
});

test("a list with kept texts prints each kept text in place of printing the item again", () => {
  const items = [{ id: "a" }, { id: "b", empty: [] }, { id: "c" }];
  const kept = new Map<unknown, string>([[items[0], '{"id":"kept-a"}']]);
  const doc = new StreamedArray(
    items,
    (t) => t,
    (t, print) => kept.get(t) ?? print(t),
  );
  assert.equal(jsonText(doc, "wire"), '[{"id":"kept-a"},{"id":"b"},{"id":"c"}]');
  assert.equal(jsonText(doc, "json"), '[{"id":"kept-a"},{"id":"b","empty":[]},{"id":"c"}]');
});

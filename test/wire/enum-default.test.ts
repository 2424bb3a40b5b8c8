import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { enumWithDefault } from "../../src/wire/enum-default.ts";
import { encodeWire, parseWire } from "../../src/wire/json.ts";

const Sample = z.object({ mode: enumWithDefault(["A", "B"] as const, "A") });

test("an enum with a declared default reads absent, null and unknown names as the default", () => {
  for (const input of [{}, { mode: null }, { mode: "Z" }]) {
    assert.deepEqual(parseWire(Sample, input), { ok: true, value: { mode: "A" } });
  }
  assert.deepEqual(parseWire(Sample, { mode: "B" }), { ok: true, value: { mode: "B" } });
});

test("the default is emitted on output", () => {
  assert.equal(encodeWire(Sample, {}), '{"mode":"A"}');
});

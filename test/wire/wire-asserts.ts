// Assertions the wire tests share: a parse that must fail (and what it says), a parse that must
// succeed, and the table test every message union gets (each type parses, validates, round-trips).
import assert from "node:assert/strict";
import type { z } from "zod";
import { encodeWire, parseWire, parseWireText } from "../../src/wire/json.ts";

/** The error of a parse that must fail. */
export function errorOf(result: { ok: boolean; error?: string }): string {
  assert.equal(result.ok, false, "expected the parse to fail");
  return result.error ?? "";
}

/** The value of a parse that must succeed (the parse error is the failure message). */
export function parsedOk<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const r = parseWire(schema, json);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.value;
}

/**
 * Every message type of a union parses from its sample (an object or JSON text) as that type; with `validate`, the
 * message passes its own validation; with `roundTrip`, encoding is stable (what is printed
 * parses back to the same printed form).
 */
export function assertEveryTypeParses<S extends z.ZodType, T extends string>(
  schema: S,
  samples: Readonly<Record<T, unknown>>,
  types: readonly T[],
  check: { validate?: (message: z.output<S>) => string | undefined; roundTrip?: boolean } = {},
): void {
  for (const type of types) {
    const sample = samples[type];
    // A sample may be JSON text (the reference's examples, with Mesos's number spellings).
    const r = parseWire(schema, typeof sample === "string" ? parseWireText(sample) : sample);
    assert.ok(r.ok, `${type}: ${r.ok ? "" : r.error}`);
    assert.equal((r.value as { type?: string }).type, type);
    if (check.validate !== undefined) assert.equal(check.validate(r.value), undefined, type);
    if (check.roundTrip === true) {
      const printed = encodeWire(schema, r.value as z.input<S>);
      const again = parseWire(schema, JSON.parse(printed));
      assert.ok(again.ok);
      assert.equal(encodeWire(schema, again.value as z.input<S>), printed, type);
    }
  }
}

/**
 * A call of each type with nothing but its type is rejected with Mesos's message for the
 * sub-message its sample carries (`Expecting 'x' to be present`), unless that one is optional.
 */
export function assertSubMessageRequired<S extends z.ZodType, T extends string>(
  schema: S,
  samples: Readonly<Record<T, unknown>>,
  types: readonly T[],
  validate: (call: z.output<S>) => string | undefined,
  optional: ReadonlySet<string> = new Set(),
): void {
  for (const type of types) {
    const field = Object.keys(samples[type] as object).find((k) => k !== "type");
    const expected =
      field === undefined || optional.has(type) ? undefined : `Expecting '${field}' to be present`;
    assert.equal(validate(parsedOk(schema, { type })), expected, type);
  }
}

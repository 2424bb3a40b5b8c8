// fast-check arbitraries of valid JSON for a wire schema, derived by walking the zod schema as
// the protobuf codec does: any message's JSON, to push through protobuf and back.
import fc from "fast-check";
import type { z } from "zod";
import {
  bool,
  bytes,
  double,
  enumTableOfSchema,
  fieldNumbersOf,
  int32,
  int64,
  nanoseconds,
  Resource,
  str,
  uint32,
  uint64,
  unwrapSchema,
} from "../../src/wire/index.ts";

type Arb = fc.Arbitrary<unknown>;

/** Below this depth only required fields are generated, so that messages stay small. */
const FULL_DEPTH = 4;

const base64 = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString("base64"));

// Doubles with the values JSON and protobuf treat specially: infinities, NaN, integral values.
const anyDouble = fc.oneof(
  fc.double(),
  fc.constantFrom(0, 1, 128, 5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN),
);

const SCALARS = new Map<z.ZodType, Arb>([
  [int32, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
  [uint32, fc.integer({ min: 0, max: 2 ** 32 - 1 })],
  [int64, fc.oneof(fc.maxSafeInteger(), fc.constantFrom(-(2 ** 62), 2 ** 62, 1.7e18))],
  [uint64, fc.oneof(fc.maxSafeNat(), fc.constantFrom(2 ** 63, 2 ** 60))],
  [nanoseconds, fc.oneof(fc.maxSafeInteger(), fc.constant(1.7e18))],
  [double, anyDouble],
  [bool, fc.boolean()],
  [str, fc.string({ maxLength: 8, unit: "grapheme" })],
  [bytes, base64(0, 12)],
]);

type Def = Record<string, unknown> & { type: string };
const defOf = (s: z.ZodType) => s._zod.def as unknown as Def;
const unwrap = unwrapSchema;

/** Valid JSON for `schema`'s message (input form: parse it to get the message). */
export function arbitraryJson(schema: z.ZodType, depth = 0): Arb {
  const s = unwrap(schema);
  const scalar = SCALARS.get(s);
  if (scalar !== undefined) return scalar;
  const table = enumTableOfSchema(s);
  if (table !== undefined) return fc.constantFrom(...Object.keys(table));
  const def = defOf(s);
  switch (def.type) {
    case "object":
      return objectArb(s, def, depth);
    case "array":
      return fc.array(arbitraryJson(def.element as z.ZodType, depth + 1), {
        maxLength: depth >= FULL_DEPTH ? 0 : 2,
      });
    case "record":
      // Never empty: a map is a repeated field in protobuf, and Mesos omits an empty one.
      return fc.dictionary(
        fc.string({ minLength: 1, maxLength: 4 }),
        arbitraryJson(def.valueType as z.ZodType, depth + 1),
        { minKeys: 1, maxKeys: 2 },
      );
    case "union": {
      const object = (def.options as z.ZodType[]).find((o) => defOf(unwrap(o)).type === "object");
      if (object !== undefined) return arbitraryJson(object, depth);
      break;
    }
  }
  throw new Error(`no arbitrary for a ${def.type} schema`);
}

function objectArb(schema: z.ZodType, def: Def, depth: number): Arb {
  const shape = def.shape as Record<string, z.ZodType>;
  const numbers = fieldNumbersOf(schema) ?? {};
  const fields: Record<string, Arb> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(shape)) {
    const optional = field._zod.optin === "optional";
    if (!optional) required.push(name);
    else if (depth >= FULL_DEPTH) continue;
    const spec = numbers[name];
    const override = typeof spec === "object" ? spec[1] : undefined;
    if (override === "bytes")
      fields[name] = base64(16, 16); // UUID.value: 16 raw bytes
    else if (typeof override === "object") fields[name] = stringEnum(field, override);
    else fields[name] = arbitraryJson(field, depth + 1);
  }
  const record = fc.record(fields, { requiredKeys: required });
  return schema === unwrap(Resource) ? record.map(consistentResource) : record;
}

// A string field that is an enum in the proto (kept as text here): only names the proto knows
// survive protobuf, as in Mesos.
function stringEnum(field: z.ZodType, table: Readonly<Record<string, number>>): Arb {
  const name = fc.constantFrom(...Object.keys(table));
  return defOf(unwrap(field)).type === "array" ? fc.array(name, { maxLength: 3 }) : name;
}

const VALUE_FIELDS = { SCALAR: "scalar", RANGES: "ranges", SET: "set" } as const;

// Resource's own check: exactly the value its type names (and no TEXT).
function consistentResource(value: unknown): unknown {
  const r = { ...(value as Record<string, unknown>) };
  if (r.type === "TEXT") r.type = "SCALAR";
  for (const field of Object.values(VALUE_FIELDS)) delete r[field];
  const type = r.type as keyof typeof VALUE_FIELDS;
  r[VALUE_FIELDS[type]] =
    type === "SCALAR" ? { value: 1.5 } : type === "RANGES" ? { range: [] } : { item: ["a"] };
  return r;
}

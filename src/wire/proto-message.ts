// Protobuf field numbers, attached to the one zod schema of each message (see protobuf.ts).
//
// A message is declared once, with `message(shape, numbers)`: the shape is the zod object that
// validates and types Mesos's JSON, the numbers are the proto field numbers of the same
// fields, and the type checker insists on one for every field. The protobuf codec derives its
// encoding from both by walking the schema, so there is no second description of any message.
import { z } from "zod";

/** A proto scalar type, named where the field's zod schema does not say it (protobuf.ts). */
export type ProtoScalar =
  | "int32"
  | "int64"
  | "uint32"
  | "uint64"
  | "double"
  | "bool"
  | "string"
  | "bytes";

/** An enum's proto numbers by name (the tables of enum-numbers.ts). */
export type EnumTable = Readonly<Record<string, number>>;

/**
 * A field's proto number; with a type where the zod schema does not give it: a string field
 * that is an enum in the proto (its names kept as text), or `bytes` checked by a custom rule.
 */
export type FieldNumber = number | readonly [number, ProtoScalar | EnumTable];

export type FieldNumbers<T> = { readonly [K in keyof T]-?: FieldNumber };

// The numbers ride on the schema's definition object, not in a side table keyed by the schema:
// zod copies the definition into every derived schema (`.superRefine`, `.describe`, ...), so a
// refined message keeps its numbers.
const NUMBERS = Symbol("protobuf field numbers");
type NumberedDef = { [NUMBERS]?: Readonly<Record<string, FieldNumber>> };

/** A proto message: a zod object whose fields carry their proto field numbers. */
export function message<T extends z.core.$ZodLooseShape>(shape: T, numbers: FieldNumbers<T>) {
  const schema = z.object(shape);
  (schema._zod.def as NumberedDef)[NUMBERS] = numbers as Readonly<Record<string, FieldNumber>>;
  return schema;
}

/** The field numbers `message` attached to `schema`, if it is one. */
export function fieldNumbersOf(
  schema: z.ZodType,
): Readonly<Record<string, FieldNumber>> | undefined {
  return (schema._zod.def as NumberedDef)[NUMBERS];
}

const enumTables = new WeakMap<z.ZodType, EnumTable>();

/** Records the proto numbers of an enum schema's names (json.ts's protoEnum/optionalEnum). */
export function attachEnumTable(schema: z.ZodType, table: EnumTable): void {
  enumTables.set(schema, table);
}

export function enumTableOfSchema(schema: z.ZodType): EnumTable | undefined {
  return enumTables.get(schema);
}

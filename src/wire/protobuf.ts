// `application/x-protobuf` for the v1 APIs: Mesos's messages in the protobuf binary format,
// derived from the same zod schemas that define their JSON.
//
// Every wire message is declared once, with `message(shape, numbers)` (proto-message.ts): the
// zod shape gives the JSON schema and the static type, the numbers give each field's proto
// field number, and the proto type follows from the field's zod schema — `int32`, `uint64`,
// `double`, `bool`, `str`, `bytes` of json.ts are the proto scalars of those names, enums carry
// their number tables (enum-numbers.ts), nested objects are messages, arrays are `repeated`,
// records are `map<string, V>`. Where the zod type does not say it (a `bytes` field with a
// custom check, a string kept as text that is an enum in the proto), the number comes with the
// proto type. The codec walks a schema once, on first use, into a table per message.
//
// The codec translates between bytes and the JSON form of a message, so that everything else —
// required fields, defaults, validation, error messages — stays the JSON path's:
// - decode: bytes → JSON value → the schema's usual parse (`parseProtobuf`);
// - encode: a value of the schema (parsed or built to send) → bytes.
// proto2 semantics as Mesos's C++ parser: fields of unknown numbers are skipped; an enum number
// the table does not know leaves the field unset (as an unknown name does in Mesos's JSON);
// repeated scalars are read packed or not; a message field seen twice is merged; absent fields
// take the schema's defaults. Bytes are base64 in JSON, raw here. int64 values travel as
// JavaScript numbers, exact up to 2^53 (json.ts says why that is enough).
//
// Messages Tessera keeps opaque (kernel statistics, the CSI volume capability: an object of no
// declared fields) have no numbers: they encode as empty messages and decode to `{}`.
import type { z } from "zod";
import { nanoseconds } from "./ids.ts";
import {
  bool,
  bytes,
  double,
  int32,
  int64,
  parseWire,
  str,
  uint32,
  uint64,
  type WireResult,
} from "./json.ts";
import {
  type EnumTable,
  enumTableOfSchema,
  type FieldNumber,
  fieldNumbersOf,
  type ProtoScalar,
} from "./proto-message.ts";
import {
  ProtoDecodeError,
  ProtoReader,
  ProtoWriter,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
} from "./protobuf-bytes.ts";

/** The content type of protobuf bodies and of each record of a protobuf RecordIO stream. */
export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";

type ValueKind =
  | { readonly kind: "scalar"; readonly scalar: ProtoScalar }
  | { readonly kind: "enum"; readonly table: EnumTable; readonly names: Map<number, string> }
  | { readonly kind: "message"; readonly codec: () => MessageCodec };

interface FieldCodec {
  readonly name: string;
  readonly number: number;
  readonly value: ValueKind;
  readonly shape: "single" | "repeated" | "map";
  /** A map's entry message: `key` = 1 (string), `value` = 2. */
  readonly entry?: MessageCodec;
}

interface MessageCodec {
  readonly fields: FieldCodec[];
  readonly byNumber: Map<number, FieldCodec>;
}

const SCALARS = new Map<z.ZodType, ProtoScalar>([
  [int32, "int32"],
  [uint32, "uint32"],
  [int64, "int64"],
  [uint64, "uint64"],
  [nanoseconds, "int64"],
  [double, "double"],
  [bool, "bool"],
  [str, "string"],
  [bytes, "bytes"],
]);

const WRAPPERS = new Set(["optional", "default", "prefault", "catch", "nullable", "readonly"]);

/** Peels optional/default/catch/pipe wrappers down to a scalar, an enum or a structure. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (SCALARS.has(s) || enumTableOfSchema(s) !== undefined) return s;
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    if (WRAPPERS.has(def.type)) s = def.innerType as z.ZodType;
    else if (def.type === "pipe") s = def.in as z.ZodType;
    else if (def.type === "lazy") s = (def.getter as () => z.ZodType)();
    else return s;
  }
}

const codecs = new WeakMap<z.ZodType, MessageCodec>();

function codecOf(schema: z.ZodType): MessageCodec {
  const object = unwrapSchema(schema);
  const known = codecs.get(object);
  if (known !== undefined) return known;
  const def = object._zod.def as unknown as { type: string; shape?: Record<string, z.ZodType> };
  if (def.type !== "object" || def.shape === undefined) {
    throw new Error(`protobuf: not a message schema (${def.type})`);
  }
  const codec: MessageCodec = { fields: [], byNumber: new Map() };
  // Registered before the fields are walked: ContainerID holds a ContainerID.
  codecs.set(object, codec);
  const numbers = fieldNumbersOf(object);
  const names = Object.keys(def.shape);
  if (numbers === undefined) {
    if (names.length === 0) return codec; // opaque: see the file's opening comment
    throw new Error(`protobuf: message with fields ${names.join(", ")} has no field numbers`);
  }
  for (const name of names) {
    const field = fieldCodec(name, def.shape[name] as z.ZodType, numbers[name] as FieldNumber);
    codec.fields.push(field);
    codec.byNumber.set(field.number, field);
  }
  return codec;
}

function fieldCodec(name: string, schema: z.ZodType, spec: FieldNumber): FieldCodec {
  const number = typeof spec === "number" ? spec : spec[0];
  const override = typeof spec === "number" ? undefined : spec[1];
  let s = unwrapSchema(schema);
  let shape: FieldCodec["shape"] = "single";
  const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === "array") {
    shape = "repeated";
    s = unwrapSchema(def.element as z.ZodType);
  } else if (def.type === "record") {
    shape = "map";
    s = unwrapSchema(def.valueType as z.ZodType);
  }
  const value = valueKind(name, s, override);
  if (shape !== "map") return { name, number, shape, value };
  const key: FieldCodec = { name: "key", number: 1, shape: "single", value: STRING };
  const entryValue: FieldCodec = { name: "value", number: 2, shape: "single", value };
  const entry = {
    fields: [key, entryValue],
    byNumber: new Map([
      [1, key],
      [2, entryValue],
    ]),
  };
  return { name, number, shape, value, entry };
}

const STRING: ValueKind = { kind: "scalar", scalar: "string" };

function valueKind(
  name: string,
  schema: z.ZodType,
  override: ProtoScalar | EnumTable | undefined,
): ValueKind {
  if (typeof override === "string") return { kind: "scalar", scalar: override };
  if (override !== undefined) return enumKind(override);
  const scalar = SCALARS.get(schema);
  if (scalar !== undefined) return { kind: "scalar", scalar };
  const table = enumTableOfSchema(schema);
  if (table !== undefined) return enumKind(table);
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === "object") return { kind: "message", codec: () => codecOf(schema) };
  if (def.type === "string") return { kind: "scalar", scalar: "string" };
  if (def.type === "union") {
    // A message that JSON may also give in a shorter form (TaskInfo.limits: a bare double).
    for (const option of def.options as z.ZodType[]) {
      const u = unwrapSchema(option);
      if (u._zod.def.type === "object") return { kind: "message", codec: () => codecOf(u) };
    }
  }
  throw new Error(`protobuf: field '${name}' (${def.type}) needs its proto type`);
}

function enumKind(table: EnumTable): ValueKind {
  return {
    kind: "enum",
    table,
    names: new Map(Object.entries(table).map(([n, v]) => [v, n])),
  };
}

// --- encoding -------------------------------------------------------------------------------

/** Encodes a value of `schema` (parsed, or built to send with its defaults) as protobuf. */
export function encodeProtobuf(schema: z.ZodType, value: unknown): Uint8Array {
  const writer = new ProtoWriter();
  writeMessage(writer, codecOf(schema), value as Record<string, unknown>);
  return writer.finish();
}

/** Validates `value` against `schema`, then encodes it: the protobuf `encodeWire`. */
export function encodeProtobufChecked<S extends z.ZodType>(schema: S, value: z.input<S>) {
  return encodeProtobuf(schema, schema.parse(value));
}

function writeMessage(w: ProtoWriter, codec: MessageCodec, value: Record<string, unknown>): void {
  for (const field of codec.fields) {
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    if (field.shape === "repeated") {
      for (const item of v as unknown[]) writeValue(w, field.number, field.value, item);
    } else if (field.shape === "map") {
      for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
        w.tag(field.number, WIRE_LEN);
        const at = w.beginLengthDelimited();
        writeValue(w, 1, STRING, key);
        writeValue(w, 2, field.value, item);
        w.endLengthDelimited(at);
      }
    } else {
      writeValue(w, field.number, field.value, v);
    }
  }
}

function writeValue(w: ProtoWriter, number: number, kind: ValueKind, v: unknown): void {
  if (kind.kind === "message") {
    w.tag(number, WIRE_LEN);
    const at = w.beginLengthDelimited();
    writeMessage(w, kind.codec(), v as Record<string, unknown>);
    w.endLengthDelimited(at);
    return;
  }
  if (kind.kind === "enum") {
    const n = kind.table[String(v)];
    if (n === undefined) return; // a name Mesos does not know: unset, as in its JSON
    w.tag(number, WIRE_VARINT);
    w.varint(n);
    return;
  }
  switch (kind.scalar) {
    case "double":
      w.tag(number, WIRE_FIXED64);
      w.double(Number(v));
      return;
    case "bool":
      w.tag(number, WIRE_VARINT);
      w.varint(v === true || v === "true" ? 1 : 0);
      return;
    case "string":
      w.tag(number, WIRE_LEN);
      w.string(String(v));
      return;
    case "bytes":
      w.tag(number, WIRE_LEN);
      w.bytes(Buffer.from(String(v), "base64"));
      return;
    default:
      w.tag(number, WIRE_VARINT);
      w.varint(Math.trunc(Number(v)));
  }
}

// --- decoding -------------------------------------------------------------------------------

/**
 * Decodes protobuf bytes into the JSON form of `schema`'s message (not yet validated: use
 * `parseProtobuf`). Fails on malformed input: truncation, a wire type that contradicts the
 * field's type, a length past the end.
 */
export function decodeProtobuf(schema: z.ZodType, data: Uint8Array): WireResult<unknown> {
  const reader = new ProtoReader(data);
  const out: Record<string, unknown> = {};
  try {
    readMessage(reader, codecOf(schema), data.length, out);
  } catch (error) {
    if (error instanceof ProtoDecodeError) return { ok: false, error: error.message };
    throw error;
  }
  return { ok: true, value: out };
}

/** Decodes then validates, as `parseWire` does for JSON: defaults applied, Mesos's errors. */
export function parseProtobuf<S extends z.ZodType>(
  schema: S,
  data: Uint8Array,
): WireResult<z.output<S>> {
  const decoded = decodeProtobuf(schema, data);
  return decoded.ok ? parseWire(schema, decoded.value) : decoded;
}

const DROP = Symbol("drop");

function readMessage(
  r: ProtoReader,
  codec: MessageCodec,
  end: number,
  out: Record<string, unknown>,
): void {
  while (r.pos < end) {
    const key = r.varint(end);
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) throw new ProtoDecodeError("field number 0");
    const field = codec.byNumber.get(number);
    if (field === undefined) {
      r.skip(wireType, end);
      continue;
    }
    if (field.shape === "map") {
      readMapEntry(r, field, wireType, end, out);
    } else if (field.shape === "repeated") {
      out[field.name] ??= [];
      const list = out[field.name] as unknown[];
      if (wireType === WIRE_LEN && packable(field.value)) {
        const packedEnd = r.lengthDelimitedEnd(end);
        const elementWireType = field.value.kind === "scalar" && field.value.scalar === "double";
        while (r.pos < packedEnd) {
          const v = readValue(r, field, elementWireType ? WIRE_FIXED64 : WIRE_VARINT, packedEnd);
          if (v !== DROP) list.push(v);
        }
      } else {
        const v = readValue(r, field, wireType, end);
        if (v !== DROP) list.push(v);
      }
    } else {
      const previous = out[field.name];
      const v = readValue(r, field, wireType, end, previous);
      if (v !== DROP) out[field.name] = v;
    }
  }
  if (r.pos !== end) throw new ProtoDecodeError("field past the end of the message");
}

function packable(kind: ValueKind): boolean {
  return (
    kind.kind === "enum" || (kind.kind === "scalar" && !["string", "bytes"].includes(kind.scalar))
  );
}

function readMapEntry(
  r: ProtoReader,
  field: FieldCodec,
  wireType: number,
  end: number,
  out: Record<string, unknown>,
): void {
  expectWireType(field, wireType, WIRE_LEN);
  const entryEnd = r.lengthDelimitedEnd(end);
  const pair: Record<string, unknown> = {};
  readMessage(r, field.entry as MessageCodec, entryEnd, pair);
  out[field.name] ??= {};
  const map = out[field.name] as Record<string, unknown>;
  map[String(pair.key ?? "")] = pair.value ?? (field.value.kind === "message" ? {} : undefined);
}

const EXPECTED_WIRE_TYPE: Record<ProtoScalar, number> = {
  int32: WIRE_VARINT,
  int64: WIRE_VARINT,
  uint32: WIRE_VARINT,
  uint64: WIRE_VARINT,
  bool: WIRE_VARINT,
  double: WIRE_FIXED64,
  string: WIRE_LEN,
  bytes: WIRE_LEN,
};

function expectWireType(field: FieldCodec, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new ProtoDecodeError(
      `field '${field.name}' (${field.number}) has wire type ${actual}, expected ${expected}`,
    );
  }
}

const utf8 = new TextDecoder("utf-8");

function readValue(
  r: ProtoReader,
  field: FieldCodec,
  wireType: number,
  end: number,
  previous?: unknown,
): unknown {
  const kind = field.value;
  if (kind.kind === "message") {
    expectWireType(field, wireType, WIRE_LEN);
    const subEnd = r.lengthDelimitedEnd(end);
    // A message field that occurs twice is merged into the first (proto semantics).
    const target =
      previous !== undefined && typeof previous === "object"
        ? (previous as Record<string, unknown>)
        : {};
    readMessage(r, kind.codec(), subEnd, target);
    return target;
  }
  if (kind.kind === "enum") {
    expectWireType(field, wireType, WIRE_VARINT);
    return kind.names.get(r.int32(end)) ?? DROP;
  }
  expectWireType(field, wireType, EXPECTED_WIRE_TYPE[kind.scalar]);
  switch (kind.scalar) {
    case "int32":
      return r.int32(end);
    case "uint32":
      return r.uint32(end);
    case "int64":
      return r.int64(end);
    case "uint64":
      return r.varint(end);
    case "bool":
      return r.varint(end) !== 0;
    case "double":
      return r.double(end);
    case "string": {
      const stop = r.lengthDelimitedEnd(end);
      const text = utf8.decode(r.slice(r.pos, stop));
      r.pos = stop;
      return text;
    }
    case "bytes": {
      const stop = r.lengthDelimitedEnd(end);
      const text = Buffer.from(r.slice(r.pos, stop)).toString("base64");
      r.pos = stop;
      return text;
    }
  }
}

// The Mesos JSON dialect (reference §0.1), as building blocks for the wire schemas.
//
// Mesos maps protobuf to JSON with its own rules, not proto3's canonical JSON:
// - field names are the proto's snake_case names; unknown keys are ignored;
// - `null` means "unset" (handled once, by `stripNulls`, before validation);
// - integers are emitted as numbers but accepted as numbers or numeric strings;
// - doubles also accept "Infinity" / "-Infinity" / "NaN" and are emitted as bare tokens;
// - bools also accept "true" / "false";
// - enums are names; an unknown name in an optional field leaves it unset, in a required
//   field it is an error "Failed to find enum for '<name>'";
// - bytes are standard padded base64;
// - optional fields with a declared default are emitted on output (schemas use `.default`);
// - empty repeated fields are omitted on output.
//
// Convention for every schema in src/wire: `z.input<typeof X>` is what code builds to send,
// `z.output<typeof X>` is what a parse returns. `encodeWire` parses before it prints, so
// declared defaults always appear on the wire.
import { z } from "zod";
import { enumTableOf } from "./enum-numbers.ts";
import { attachEnumTable } from "./proto-message.ts";

export type Schema<T = unknown> = z.ZodType<T>;

const INTEGER = /^-?\d+$/;
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** Standard padded base64, as protobuf's JSON mapping writes bytes. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function integer(min: number, max: number) {
  const fromString = z
    .string()
    .regex(INTEGER, { error: "expected an integer" })
    .transform((s) => Number(s));
  return z.union([z.number(), fromString], { error: "expected an integer" }).pipe(
    // Not z.number().int(): zod 4 limits that to safe integers.
    z.number().refine(Number.isInteger, { error: "expected an integer" }).min(min).max(max),
  );
}

// JavaScript numbers hold 53 bits exactly. 64-bit fields accept their whole range, so that
// epoch times in nanoseconds (~1.7e18) parse; beyond 2^53 they round to the nearest double
// (a few hundred nanoseconds at most), which no Mesos field's meaning depends on.
export const int32 = integer(-(2 ** 31), 2 ** 31 - 1);
export const uint32 = integer(0, 2 ** 32 - 1);
export const int64 = integer(-(2 ** 63), 2 ** 63);
export const uint64 = integer(0, 2 ** 64);

const SPECIAL_DOUBLES: Record<string, number> = {
  Infinity: Number.POSITIVE_INFINITY,
  "+Infinity": Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  NaN: Number.NaN,
};

// zod's z.number() refuses non-finite values; an already-parsed Infinity must re-encode.
const anyNumber = z.custom<number>((v) => typeof v === "number", { error: "expected a number" });

export const double = z.union(
  [
    anyNumber,
    z.string().transform((s, ctx) => {
      const special = SPECIAL_DOUBLES[s];
      if (special !== undefined) return special;
      if (DECIMAL.test(s.trim())) return Number(s);
      ctx.issues.push({ code: "custom", message: `expected a number, got '${s}'`, input: s });
      return z.NEVER;
    }),
  ],
  { error: "expected a number" },
);

export const bool = z.union(
  [z.boolean(), z.enum(["true", "false"]).transform((s) => s === "true")],
  { error: "expected a boolean" },
);

export const str = z.string({ error: "expected a string" });

/** Protobuf `bytes`: standard, padded base64 text; kept as text, decode where used. */
export const bytes = z.string().regex(BASE64, { error: "expected base64-encoded bytes" });

/**
 * A proto enum in a field. Required fields reject unknown names the way Mesos does;
 * use `optionalEnum` for optional fields, where unknown names leave the field unset.
 */
export function protoEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return numberedEnum(
    values,
    z.enum(values, {
      error: (issue) =>
        issue.input === undefined
          ? undefined
          : `Failed to find enum for '${displayInput(issue.input)}'`,
    }),
  );
}

/**
 * A client's value as an error message shows it. Never String() of an object: a body such as
 * `{"toString": ""}` makes that throw, and a parse error must not become a 500.
 */
function displayInput(input: unknown): string {
  return typeof input === "string" ? input : (JSON.stringify(input) ?? String(input));
}

export function optionalEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return numberedEnum(values, z.enum(values)).optional().catch(undefined);
}

// The protobuf codec needs each enum's numbers: names made by `enumNames` bring their table
// (an enum without one cannot be part of a protobuf message; the codec says so on first use).
function numberedEnum<S extends z.ZodType>(values: readonly string[], schema: S): S {
  const table = enumTableOf(values);
  if (table !== undefined) attachEnumTable(schema, table);
  return schema;
}

/** A proto `repeated` field: an array, absent when empty on output. */
export function repeated<S extends z.ZodType>(item: S) {
  return z.array(item, { error: "expected an array" }).optional();
}

/**
 * Removes `null` members recursively: in Mesos's JSON a null field is an unset field. Nulls
 * are rare, so the value is first searched without allocating and returned as it is when it
 * has none (every message on the task launch path is stripped; copying each one cost more
 * than the search).
 */
export function stripNulls(value: unknown): unknown {
  return hasNullMember(value, 0) ? copyWithoutNulls(value) : value;
}

/** Thrown (and turned into a wire error) for a value nested deeper than the bound. */
class TooDeep extends Error {}

function hasNullMember(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object") return false;
  // The walk is recursive: the depth bound keeps a hostile value from overflowing the stack.
  if (depth >= WIRE_JSON_MAX_DEPTH) throw new TooDeep(tooDeepMessage());
  if (Array.isArray(value)) {
    for (const item of value) if (hasNullMember(item, depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const member = record[key];
    if (member === null || hasNullMember(member, depth + 1)) return true;
  }
  return false;
}

function copyWithoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyWithoutNulls);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== null) out[k] = copyWithoutNulls(v);
    }
    return out;
  }
  return value;
}

export type WireResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Validates JSON (already `JSON.parse`d) against a wire schema. Errors are phrased like
 * Mesos's: "Missing required fields: a.b, c" first, then one line per other problem,
 * each naming the field path.
 */
export function parseWire<S extends z.ZodType>(schema: S, json: unknown): WireResult<z.output<S>> {
  const fast = fastPaths.get(schema);
  if (fast?.(json) === true) {
    if (verifyTrusted) assertFastPathAgrees(schema, json);
    return { ok: true, value: json as z.output<S> };
  }
  let stripped: unknown;
  try {
    stripped = stripNulls(json);
  } catch (error) {
    if (error instanceof TooDeep) return { ok: false, error: error.message };
    throw error;
  }
  const result = schema.safeParse(stripped, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: formatWireError(result.error) };
}

const fastPaths = new WeakMap<z.ZodType, (json: unknown) => boolean>();

/**
 * Lets parseWire return JSON of `schema` as it is when `recognise` says so: a predicate
 * (src/wire/fast-path.ts) that accepts only JSON the schema would accept and give back
 * unchanged. Everything it does not recognise is parsed by the schema as before.
 */
export function registerFastPath(schema: z.ZodType, recognise: (json: unknown) => boolean): void {
  fastPaths.set(schema, recognise);
}

function assertFastPathAgrees(schema: z.ZodType, json: unknown): void {
  const result = schema.safeParse(json);
  if (result.success && sameJson(JSON.parse(JSON.stringify(result.data)), json)) return;
  throw new Error(
    `parseWire: a fast path accepted what the schema ${result.success ? "changes" : "refuses"}: ${JSON.stringify(json)}`,
  );
}

/**
 * How many problems an error message lists; the rest are counted. A body of 800,000 wrong
 * items made 800,000 issues, and formatting them all took longer than validating them.
 */
export const WIRE_ERROR_MAX_ISSUES = 10;

export function formatWireError(error: z.ZodError): string {
  const missing: string[] = [];
  const other: string[] = [];
  const shown = error.issues.slice(0, WIRE_ERROR_MAX_ISSUES);
  const more = error.issues.length - shown.length;
  for (const issue of flattenIssues(shown)) {
    const path = formatPath(issue.path);
    if (issue.input === undefined && path !== "" && issue.code !== "custom") {
      missing.push(path);
    } else {
      other.push(path === "" ? issue.message : `${path}: ${issue.message}`);
    }
  }
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`Missing required fields: ${missing.join(", ")}`);
  parts.push(...other);
  if (more > 0) parts.push(`and ${more} more problems`);
  return parts.join("; ");
}

type Issue = z.core.$ZodIssue;

// A union reports its branches' issues nested; surface the most relevant branch so the
// message names the innermost field instead of "invalid input".
function flattenIssues(issues: readonly Issue[], prefix: PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const best = issue.errors.reduce((a, b) => (deepest(b) > deepest(a) ? b : a));
      if (deepest(best) > 0) {
        out.push(...flattenIssues(best, path));
        continue;
      }
    }
    out.push({ ...issue, path } as Issue);
  }
  return out;
}

function deepest(issues: readonly Issue[]): number {
  // A loop, not Math.max(...spread): a union branch may hold many thousands of issues.
  let max = 0;
  for (const issue of issues) if (issue.path.length > max) max = issue.path.length;
  return max;
}

/** A zod issue path as `a.b[0].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

const INF = "\u0000+Infinity\u0000";
const NEG_INF = "\u0000-Infinity\u0000";
const NAN = "\u0000NaN\u0000";

/**
 * Prints a value in Mesos's JSON dialect: empty arrays omitted, non-finite doubles as the
 * bare tokens `Infinity`, `-Infinity`, `NaN` (as Mesos does, although strict JSON has none).
 */
export function stringifyWire(value: unknown): string {
  // A replacer makes JSON.stringify call back into JavaScript for every member, several
  // times slower than without one; most messages have nothing to replace, which a walk
  // finds out for less.
  if (!needsReplacing(value, true)) return JSON.stringify(value);
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) {
      return Number.isNaN(v) ? NAN : v > 0 ? INF : NEG_INF;
    }
    if (key !== "" && Array.isArray(v) && v.length === 0) return undefined;
    return v;
  });
  if (!text.includes("\\u0000")) return text;
  return text
    .replaceAll(JSON.stringify(INF), "Infinity")
    .replaceAll(JSON.stringify(NEG_INF), "-Infinity")
    .replaceAll(JSON.stringify(NAN), "NaN");
}

/** True when `value` holds a non-finite number or an empty array below the top level. */
function needsReplacing(value: unknown, top: boolean): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    if (value.length === 0) return !top;
    for (const item of value) if (needsReplacing(item, false)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (needsReplacing(record[key], false)) return true;
  return false;
}

/**
 * Deepest nesting of arrays and objects a wire text or value may have. The deepest Mesos
 * message (a LAUNCH_GROUP's Docker volume driver options inside a Call) nests about 16 levels;
 * 100 leaves room and keeps every recursive walk (null stripping, zod) far from the stack limit.
 */
export const WIRE_JSON_MAX_DEPTH = 100;

export interface WireTextLimits {
  /**
   * Most values (array items and object members, counted by their separators) the text may
   * hold; checked before JSON.parse, whose work, like zod's after it, grows with the count.
   */
  readonly maxValues?: number;
}

/**
 * Most values a request body may hold (`WireTextLimits.maxValues` for the v1 APIs). Parse work
 * grows with the count, not the bytes: zod spends about 1 us per valid value and 3-4 us per
 * wrong one, so 100,000 bounds one body's validation to about half a second (ten 4 MB bodies of
 * empty arrays blocked the event loop for 13.7 s before). Real calls hold far fewer: an ACCEPT
 * launching 1,000 tasks about 40,000, an explicit RECONCILE of 20,000 tasks 100,000.
 */
export const WIRE_REQUEST_MAX_VALUES = 100_000;

function tooDeepMessage(): string {
  return `JSON is nested deeper than ${WIRE_JSON_MAX_DEPTH} levels`;
}

/**
 * One pass over the text, skipping strings, that refuses it before JSON.parse runs: deeper than
 * WIRE_JSON_MAX_DEPTH (4 MB of `[` kept JSON.parse busy for two seconds), or more values than
 * `maxValues`. Malformed text is left for JSON.parse to report.
 */
function checkShape(text: string, maxValues: number): void {
  let depth = 0;
  let values = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c /* \ */) slashes++;
        i = end;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > WIRE_JSON_MAX_DEPTH) throw new SyntaxError(tooDeepMessage());
      if (++values > maxValues) throw new SyntaxError(tooManyValues(maxValues));
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    } else if (c === 0x2c /* , */) {
      if (++values > maxValues) throw new SyntaxError(tooManyValues(maxValues));
    }
  }
}

function tooManyValues(maxValues: number): string {
  return `JSON holds more than ${maxValues} values`;
}

/**
 * Parses text in Mesos's JSON dialect: strict JSON plus bare Infinity / -Infinity / NaN.
 * Throws a SyntaxError for malformed text, text nested deeper than WIRE_JSON_MAX_DEPTH, and
 * text of more than `limits.maxValues` values.
 */
export function parseWireText(text: string, limits: WireTextLimits = {}): unknown {
  checkShape(text, limits.maxValues ?? Number.POSITIVE_INFINITY);
  try {
    return JSON.parse(text);
  } catch (strictError) {
    if (!/Infinity|NaN/.test(text)) throw strictError;
    // Quote the bare tokens outside strings; the schemas' `double` accepts them as strings.
    const quoted = text.replace(
      /("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)/g,
      (_m, s: string | undefined, token: string | undefined) => s ?? `"${token}"`,
    );
    return JSON.parse(quoted);
  }
}

const NON_ASCII = /[^ -~\t\n\r]/;

/** Bytes of `value` printed as JSON in UTF-8 (what it weighs in a request body). */
export function wireByteLength(value: unknown): number {
  const text = JSON.stringify(value) ?? "";
  let bytes = text.length;
  // Most JSON is ASCII: one native scan instead of a loop over every character.
  if (!NON_ASCII.test(text)) return bytes;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A UTF-16 unit is 1 byte below 0x80, 2 below 0x800, else 3; a surrogate pair (two
    // units, each counted 1 + 1 here) is 4.
    if (c >= 0x80) bytes += c < 0x800 ? 1 : c >= 0xd800 && c < 0xe000 ? 1 : 2;
  }
  return bytes;
}

/** Validates then prints: what the shells call to put a message on the wire. */
export function encodeWire<S extends z.ZodType>(schema: S, value: z.input<S>): string {
  return stringifyWire(schema.parse(value));
}

/**
 * Prints a message this process built itself from values it had already validated (a pure
 * core's events and calls), typed as the schema's *output*, so declared defaults are already
 * present: no second validation. Input is validated once, where it enters a process; parsing
 * our own messages again on the way out cost more CPU than anything else on the task launch
 * path.
 *
 * Under the test runner (`NODE_TEST_CONTEXT` set) each message is also encoded the checked
 * way and the two must carry the same JSON, so a message with a stray field or a value the
 * schema refuses fails the tests instead of reaching a peer.
 */
export function encodeTrusted<S extends z.ZodType>(schema: S, value: z.output<S>): string {
  const text = stringifyWire(value);
  if (verifyTrusted) assertSameJson(text, encodeWire(schema, value as z.input<S>), schema);
  return text;
}

const verifyTrusted = process.env.NODE_TEST_CONTEXT !== undefined;

/**
 * encodeTrusted's check for text this process printed some other way (piece by piece,
 * json-stream.ts): under the test runner, `text` must carry the JSON of `value` validated.
 * `text` is only called then.
 */
export function verifyTrustedText<S extends z.ZodType>(
  schema: S,
  text: () => string,
  value: () => z.input<S>,
): void {
  if (verifyTrusted) assertSameJson(text(), encodeWire(schema, value()), schema);
}

function assertSameJson(trusted: string, checked: string, schema: z.ZodType): void {
  if (trusted === checked) return;
  if (sameJson(parseWireText(trusted), parseWireText(checked))) return;
  throw new Error(
    `encodeTrusted: message differs from its validated form (${schema.description ?? "schema"}): ${trusted} vs ${checked}`,
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}

// A JSON document printed piece by piece: the master's state (hundreds of thousands of tasks,
// hundreds of MB of JSON) as chunks of about JSON_CHUNK_CHARS, so that the shell can write each
// and let the event loop run between them, instead of building one object tree and one string
// of the whole state while every other call waits (issue 21: 3 s and more for /master/state).
//
// A document is plain JSON values with two markers in it: a StreamedObject (members in order,
// any of them may hold markers) and a StreamedArray (items rendered one at a time, when the
// printer reaches them, each printed with one native JSON.stringify). The output is the text
// the whole document would print as at once, in either dialect: "json" is JSON.stringify
// (legacy endpoints), "wire" is stringifyWire (empty arrays below the top omitted, non-finite
// doubles as bare tokens).
import { stringifyWire } from "./json.ts";

/** Characters per chunk: large enough that a write per chunk costs little, small enough that
 *  printing one (about a millisecond) never holds the event loop for long. */
export const JSON_CHUNK_CHARS = 256 * 1024;

export type JsonDialect = "json" | "wire";

/** An object printed member by member; members whose value is undefined are left out. */
export class StreamedObject {
  constructor(readonly members: readonly (readonly [string, unknown])[]) {}
}

/**
 * An item's printed text kept from an earlier answer: `fragment(item, print)` returns the text
 * it keeps for the item while still valid, else `print(item)` (the item rendered and printed
 * now), which it may keep. Its validity is the keeper's to judge (state-json.ts).
 */
export type Fragments<T> = (item: T, print: (item: T) => string) => string;

/** A list printed item by item: `render` turns each item into the JSON value it shows as. */
export class StreamedArray<T = unknown> {
  constructor(
    readonly items: readonly T[],
    readonly render: (item: T) => unknown,
    /** Kept texts of items; an item with one renders to a plain value (no markers). */
    readonly fragments?: Fragments<T>,
  ) {}
}

/** A plain object (which may hold markers) as a StreamedObject, its members in order. */
export function streamedObject(value: Record<string, unknown>): StreamedObject {
  return new StreamedObject(Object.entries(value));
}

interface Out {
  text: string;
  readonly print: (value: unknown) => string | undefined;
}

/** The document's text in chunks of about JSON_CHUNK_CHARS (the last one may be shorter). */
export function* jsonChunks(root: unknown, dialect: JsonDialect): Generator<string, void, void> {
  const out: Out = { text: "", print: dialect === "wire" ? stringifyWire : JSON.stringify };
  yield* printValue(root, dialect, out);
  if (out.text !== "") yield out.text;
}

/** The whole document as one string (tests; small documents). */
export function jsonText(root: unknown, dialect: JsonDialect): string {
  let text = "";
  for (const chunk of jsonChunks(root, dialect)) text += chunk;
  return text;
}

function leftOut(key: string, value: unknown, dialect: JsonDialect): boolean {
  if (value === undefined) return true;
  // stringifyWire drops empty arrays below the top, their member with them (its replacer
  // takes a member named "" for the top, and keeps it).
  if (dialect !== "wire" || key === "") return false;
  if (value instanceof StreamedArray) return value.items.length === 0;
  return Array.isArray(value) && value.length === 0;
}

function* printValue(value: unknown, dialect: JsonDialect, out: Out): Generator<string> {
  if (value instanceof StreamedObject) {
    out.text += "{";
    let first = true;
    for (const [key, member] of value.members) {
      if (leftOut(key, member, dialect)) continue;
      out.text += `${first ? "" : ","}${JSON.stringify(key)}:`;
      first = false;
      yield* printValue(member, dialect, out);
    }
    out.text += "}";
  } else if (value instanceof StreamedArray) {
    out.text += "[";
    const { items, render, fragments } = value;
    const print = (raw: unknown) => printPlain(render(raw), dialect, out);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out.text += ",";
      if (fragments !== undefined) {
        out.text += fragments(items[i]!, print);
        if (out.text.length >= JSON_CHUNK_CHARS) {
          yield out.text;
          out.text = "";
        }
        continue;
      }
      const item = render(items[i]);
      if (leftOut("item", item, dialect)) {
        // Inside an array, what the dialect leaves out shows as null (as JSON.stringify has it).
        out.text += "null";
      } else if (item instanceof StreamedObject || item instanceof StreamedArray) {
        yield* printValue(item, dialect, out);
      } else {
        out.text += out.print(item) ?? "null";
      }
      if (out.text.length >= JSON_CHUNK_CHARS) {
        yield out.text;
        out.text = "";
      }
    }
    out.text += "]";
  } else {
    out.text += out.print(value) ?? "null";
  }
  if (out.text.length >= JSON_CHUNK_CHARS) {
    yield out.text;
    out.text = "";
  }
}

/** An array item that holds no markers, as its text. */
function printPlain(item: unknown, dialect: JsonDialect, out: Out): string {
  if (leftOut("item", item, dialect)) return "null";
  if (item instanceof StreamedObject || item instanceof StreamedArray) {
    return jsonText(item, dialect);
  }
  return out.print(item) ?? "null";
}

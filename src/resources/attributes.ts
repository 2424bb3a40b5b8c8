// Agent attributes (`Attribute`, reference §2.4) and their text form
// `rack:abc;zone:west;level:10;keys:[1000-1500]`. Unlike resources, attributes may be TEXT and
// are never merged: repeated names are kept in order, as Mesos keeps them.
import type { Attribute as WireAttribute } from "../wire/resource.ts";
import { normalizeRanges, type Ranges, rangePairs, validateRangePairs } from "./ranges.ts";
import { fail, ok, type ParseResult } from "./result.ts";
import { fromMilli, type Milli, toMilli } from "./scalar.ts";
import { formatValue, parseValue } from "./text-format.ts";
import { normalizeSet, type ValueSet } from "./value-set.ts";

export type Attribute =
  | { readonly name: string; readonly kind: "scalar"; readonly scalar: Milli }
  | { readonly name: string; readonly kind: "ranges"; readonly ranges: Ranges }
  | { readonly name: string; readonly kind: "set"; readonly set: ValueSet }
  | { readonly name: string; readonly kind: "text"; readonly text: string };

export function parseAttributesText(text: string): ParseResult<Attribute[]> {
  const out: Attribute[] = [];
  for (const rawToken of text.split(";")) {
    const token = rawToken.trim();
    if (token.length === 0) continue;
    const colon = token.indexOf(":");
    const name = colon < 0 ? "" : token.slice(0, colon).trim();
    if (colon < 0 || name.length === 0) {
      return fail("INVALID_ATTRIBUTES", `Invalid attribute, expected 'name:value' in '${token}'`);
    }
    const parsed = parseValue(token.slice(colon + 1));
    if ("error" in parsed) {
      return fail("INVALID_ATTRIBUTES", `Bad value for attribute '${name}': ${parsed.error}`);
    }
    out.push({ name, ...parsed.value });
  }
  return ok(out);
}

export function formatAttributeValue(a: Attribute): string {
  return formatValue(a);
}

export function formatAttributesText(attributes: readonly Attribute[]): string {
  return attributes.map((a) => `${a.name}:${formatAttributeValue(a)}`).join(";");
}

/** Converts a wire Attribute (the schema already checked that the value matches the type). */
export function attributeFromWire(w: WireAttribute): ParseResult<Attribute> {
  const bad = (message: string) =>
    fail<Attribute>("INVALID_ATTRIBUTES", `Attribute '${w.name}': ${message}`);
  switch (w.type) {
    case "SCALAR": {
      const value = w.scalar?.value;
      if (value === undefined || !Number.isFinite(value))
        return bad("missing or non-finite scalar");
      return ok({ name: w.name, kind: "scalar", scalar: toMilli(value) });
    }
    case "RANGES": {
      const pairs = (w.ranges?.range ?? []).map((r) => [r.begin, r.end] as [number, number]);
      const error = validateRangePairs(pairs);
      if (error !== undefined) return bad(error);
      return ok({ name: w.name, kind: "ranges", ranges: normalizeRanges(pairs) });
    }
    case "SET":
      return ok({ name: w.name, kind: "set", set: normalizeSet(w.set?.item ?? []) });
    case "TEXT":
      if (w.text === undefined) return bad("missing text value");
      return ok({ name: w.name, kind: "text", text: w.text.value });
  }
}

export function attributeToWire(a: Attribute): WireAttribute {
  switch (a.kind) {
    case "scalar":
      return { name: a.name, type: "SCALAR", scalar: { value: fromMilli(a.scalar) } };
    case "ranges":
      return {
        name: a.name,
        type: "RANGES",
        ranges: { range: rangePairs(a.ranges).map(([begin, end]) => ({ begin, end })) },
      };
    case "set":
      return { name: a.name, type: "SET", set: { item: a.set.slice() } };
    case "text":
      return { name: a.name, type: "TEXT", text: { value: a.text } };
  }
}

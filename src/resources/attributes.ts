// Agent attributes (`Attribute`, reference §2.4) and their text form
// `rack:abc;zone:west;level:10;keys:[1000-1500]`. Unlike resources, attributes may be TEXT and
// are never merged: repeated names are kept in order, as Mesos keeps them.
import { formatRanges, type Ranges } from "./ranges.ts";
import { fail, ok, type ParseResult } from "./result.ts";
import { formatMilli, type Milli } from "./scalar.ts";
import { parseValue } from "./text-format.ts";
import { formatSet, type ValueSet } from "./value-set.ts";

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
  switch (a.kind) {
    case "scalar":
      return formatMilli(a.scalar);
    case "ranges":
      return formatRanges(a.ranges);
    case "set":
      return formatSet(a.set);
    case "text":
      return a.text;
  }
}

export function formatAttributesText(attributes: readonly Attribute[]): string {
  return attributes.map((a) => `${a.name}:${formatAttributeValue(a)}`).join(";");
}

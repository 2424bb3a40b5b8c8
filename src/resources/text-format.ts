// Mesos's text forms (reference §2.4): the agent's `--resources` string
// `cpus:24;mem:24576;ports:[21000-24000,30000-34000];bugs(role):{a,b,c}`, the `--attributes`
// string `rack:abc;zone:west;level:10;keys:[1000-1500]`, and scalar quantity lists
// `cpus:0.01;mem:32` (`--min_allocatable_resources`, quota).
//
// Resources: tokens separated by ';', each `name:value` or `name(role):value`. `(role)` is a
// STATIC reservation; "*" means unreserved. Mesos accepts no principal in the parentheses
// (`Resources::fromSimpleString`). A value is `[a-b,...]` (RANGES), `{x,...}` (SET) or a number
// (SCALAR); anything else is TEXT, which resources cannot hold. Repeated names are added up,
// empty values dropped, as Mesos does. (Mesos also accepts a JSON array of Resource objects;
// that path lives with the wire conversion in wire-format.ts.)
import { ResourceQuantities } from "./quantities.ts";
import { formatRanges, normalizeRanges, type Ranges, validateRangePairs } from "./ranges.ts";
import {
  type Reservation,
  type Resource,
  type ResourceOptions,
  rangesResource,
  reservationRole,
  scalarResource,
  setResource,
  withOptions,
} from "./resource.ts";
import { Resources } from "./resources.ts";
import { fail, ok, type ParseResult } from "./result.ts";
import { validateRole } from "./roles.ts";
import { formatMilli, type Milli, parseMilli } from "./scalar.ts";
import { formatSet, normalizeSet, type ValueSet } from "./value-set.ts";

/** A parsed `Value` of the text form. */
export type TextValue =
  | { readonly kind: "scalar"; readonly scalar: Milli }
  | { readonly kind: "ranges"; readonly ranges: Ranges }
  | { readonly kind: "set"; readonly set: ValueSet }
  | { readonly kind: "text"; readonly text: string };

const RANGE_BOUND = /^\d+$/;

/** Parses one value (Mesos `values::parse`); errors are messages. */
export function parseValue(raw: string): { value: TextValue } | { error: string } {
  const text = raw.trim();
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) return { error: `Expecting one or more "ranges" in '${text}'` };
    const inner = text.slice(1, -1).trim();
    const pairs: [number, number][] = [];
    if (inner.length > 0) {
      for (const part of inner.split(",")) {
        const bounds = part.split("-").map((s) => s.trim());
        if (bounds.length !== 2 || !RANGE_BOUND.test(bounds[0]!) || !RANGE_BOUND.test(bounds[1]!)) {
          return { error: `Expecting one or more "ranges" in '${text}'` };
        }
        const begin = Number(bounds[0]);
        const end = Number(bounds[1]);
        if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) {
          return { error: `Range bound out of range in '${text}'` };
        }
        pairs.push([begin, end]);
      }
    }
    const invalid = validateRangePairs(pairs);
    if (invalid !== undefined) return { error: invalid };
    return { value: { kind: "ranges", ranges: normalizeRanges(pairs) } };
  }
  if (text.startsWith("{")) {
    if (!text.endsWith("}")) return { error: `Expecting a set in '${text}'` };
    const inner = text.slice(1, -1).trim();
    const items = inner.length === 0 ? [] : inner.split(",").map((s) => s.trim());
    if (items.some((item) => item.length === 0)) return { error: `Empty item in set '${text}'` };
    const set = normalizeSet(items);
    if (set.length !== items.length) return { error: `Duplicate items in set '${text}'` };
    return { value: { kind: "set", set } };
  }
  const milli = parseMilli(text);
  if (milli !== undefined) return { value: { kind: "scalar", scalar: milli } };
  return { value: { kind: "text", text } };
}

function invalid<T>(message: string): ParseResult<T> {
  return fail("INVALID_RESOURCES", message);
}

/**
 * Parses the resources text form. Resources without `(role)` get `defaultRole` (default "*",
 * unreserved; another role makes them STATIC reservations, like the agent's `--default_role`).
 */
export function parseResourcesText(text: string, defaultRole = "*"): ParseResult<Resources> {
  const out = Resources.empty();
  for (const rawToken of text.split(";")) {
    const token = rawToken.trim();
    if (token.length === 0) continue;
    const parts = token.split(":");
    if (parts.length !== 2) {
      return invalid(`Bad value for resources, missing or extra ':' in '${token}'`);
    }
    const head = parts[0]!;
    let name = head.trim();
    let role = defaultRole;
    const open = head.indexOf("(");
    if (open >= 0 || head.includes(")")) {
      const close = head.indexOf(")");
      if (open < 0 || close < open || head.slice(close + 1).trim().length > 0) {
        return invalid(`Bad value for resources, mismatched parentheses in '${token}'`);
      }
      name = head.slice(0, open).trim();
      role = head.slice(open + 1, close).trim();
    }
    if (name.length === 0) return invalid(`Empty resource name in '${token}'`);
    const roleError = validateRole(role);
    if (roleError !== undefined) return invalid(`Invalid role in '${token}': ${roleError}`);
    const parsed = parseValue(parts[1]!);
    if ("error" in parsed) return invalid(`Bad value for resource '${name}': ${parsed.error}`);
    const value = parsed.value;
    const opts: ResourceOptions =
      role === "*" ? {} : { reservations: [{ type: "STATIC", role } satisfies Reservation] };
    let resource: Resource;
    switch (value.kind) {
      case "scalar":
        if (value.scalar < 0) {
          return invalid(`Invalid scalar resource '${name}': the value must not be negative`);
        }
        resource = scalarResource(name, value.scalar, opts);
        break;
      case "ranges":
        resource = rangesResource(name, value.ranges, opts);
        break;
      case "set":
        resource = setResource(name, value.set, opts);
        break;
      case "text":
        return invalid(`Bad type for resource '${name}' value '${value.text}' type TEXT`);
    }
    out.addInPlace(resource);
  }
  return ok(out);
}

/** A value in the text form (the inverse of `parseValue`): a resource's or an attribute's. */
export function formatValue(value: TextValue): string {
  switch (value.kind) {
    case "scalar":
      return formatMilli(value.scalar);
    case "ranges":
      return formatRanges(value.ranges);
    case "set":
      return formatSet(value.set);
    case "text":
      return value.text;
  }
}

/**
 * Prints resources in the text form, sorted by name then role. Only what the form can express
 * survives: the current reservation role (printed as a static one); principals, labels,
 * refinements, allocation, revocable, shared and disk info are not printed.
 */
export function formatResourcesText(resources: Iterable<Resource>): string {
  // Project onto what the form expresses first, so that entries differing only in what is
  // dropped are merged and print(parse(print(x))) == print(x).
  const projected = Resources.empty();
  for (const r of resources) {
    const role = reservationRole(r);
    projected.addInPlace(
      withOptions(r, {
        reservations: role === "*" ? [] : [{ type: "STATIC", role }],
        allocationRole: undefined,
        revocable: false,
        shared: false,
        disk: undefined,
        providerId: undefined,
      }),
    );
  }
  const parts: [string, string][] = [];
  for (const r of projected) {
    const role = reservationRole(r);
    const head = role === "*" ? r.name : `${r.name}(${role})`;
    parts.push([`${r.name}\u0000${role}`, `${head}:${formatValue(r)}`]);
  }
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return parts.map((p) => p[1]).join(";");
}

/** Parses `cpus:0.01;mem:32` into quantities (scalars only, non-negative, repeats summed). */
export function parseQuantitiesText(text: string): ParseResult<ResourceQuantities> {
  const q = ResourceQuantities.empty();
  for (const rawToken of text.split(";")) {
    const token = rawToken.trim();
    if (token.length === 0) continue;
    const parts = token.split(":");
    const name = parts[0]?.trim() ?? "";
    if (parts.length !== 2 || name.length === 0) {
      return fail(
        "INVALID_QUANTITIES",
        `Bad value for quantities, expected 'name:number' in '${token}'`,
      );
    }
    const milli = parseMilli(parts[1]!);
    if (milli === undefined || milli < 0) {
      return fail(
        "INVALID_QUANTITIES",
        `Bad quantity for '${name}': expected a non-negative number`,
      );
    }
    q.addInPlace(name, milli);
  }
  return ok(q);
}

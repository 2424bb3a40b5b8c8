// String sets, Mesos `Value::Set`. Stored sorted and de-duplicated so that equality, union,
// difference and containment are linear merges.
import { arraysEqual } from "./array-equal.ts";

export type ValueSet = readonly string[];

export const EMPTY_SET: ValueSet = Object.freeze([]) as ValueSet;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted, de-duplicated copy of the items. */
export function normalizeSet(items: Iterable<string>): ValueSet {
  const sorted = [...new Set(items)].sort(compare);
  return sorted;
}

export function setUnion(a: ValueSet, b: ValueSet): ValueSet {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = compare(a[i]!, b[j]!);
    if (c < 0) out.push(a[i++]!);
    else if (c > 0) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

export function setDifference(a: ValueSet, b: ValueSet): ValueSet {
  if (a.length === 0 || b.length === 0) return a;
  const out: string[] = [];
  let j = 0;
  for (const item of a) {
    while (j < b.length && b[j]! < item) j++;
    if (j < b.length && b[j] === item) continue;
    out.push(item);
  }
  return out;
}

export function setContains(a: ValueSet, b: ValueSet): boolean {
  let i = 0;
  for (const item of b) {
    while (i < a.length && a[i]! < item) i++;
    if (i >= a.length || a[i] !== item) return false;
  }
  return true;
}

export const setEqual: (a: ValueSet, b: ValueSet) => boolean = arraysEqual;

/** Mesos's text form: "{a,b,c}". */
export function formatSet(items: ValueSet): string {
  return `{${items.join(",")}}`;
}

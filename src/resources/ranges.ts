// Integer ranges (ports), Mesos `Value::Ranges`. Stored compactly as a flat array
// [begin0, end0, begin1, end1, ...] with inclusive bounds, sorted, non-overlapping and
// coalesced (Mesos merges [1-2] and [3-4] into [1-4]), so that equality is array equality and
// add / subtract / contains are single linear merges over both operands.
import { arraysEqual } from "./array-equal.ts";

/** Normalised ranges: flat [begin, end] pairs, sorted, disjoint, non-adjacent. */
export type Ranges = readonly number[];

export const EMPTY_RANGES: Ranges = Object.freeze([]) as Ranges;

/** Appends [begin, end] to ranges built in order of their begin, merging it into the last one
 *  where the two overlap or touch. */
function appendCoalesced(out: number[], begin: number, end: number): void {
  const last = out.length - 1;
  if (last > 0 && begin <= out[last]! + 1) {
    if (end > out[last]!) out[last] = end;
  } else {
    out.push(begin, end);
  }
}

/** Builds normalised ranges from arbitrary [begin, end] pairs (overlaps and adjacency merged). */
export function normalizeRanges(pairs: Iterable<readonly [number, number]>): Ranges {
  const list: [number, number][] = [];
  for (const [begin, end] of pairs) {
    if (!(Number.isSafeInteger(begin) && Number.isSafeInteger(end)) || begin < 0 || begin > end) {
      throw new RangeError(`invalid range [${begin}-${end}]`);
    }
    list.push([begin, end]);
  }
  list.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [begin, end] of list) appendCoalesced(out, begin, end);
  return out;
}

/** Checks that a flat array is normalised (used by invariant assertions and tests). */
export function isNormalized(ranges: Ranges): boolean {
  if (ranges.length % 2 !== 0) return false;
  for (let i = 0; i < ranges.length; i += 2) {
    const begin = ranges[i]!;
    const end = ranges[i + 1]!;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin > end || begin < 0) {
      return false;
    }
    if (i > 0 && begin <= ranges[i - 1]! + 1) return false;
  }
  return true;
}

/** Union of two normalised range lists. */
export function addRanges(a: Ranges, b: Ranges): Ranges {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let begin: number;
    let end: number;
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
      begin = a[i]!;
      end = a[i + 1]!;
      i += 2;
    } else {
      begin = b[j]!;
      end = b[j + 1]!;
      j += 2;
    }
    appendCoalesced(out, begin, end);
  }
  return out;
}

/** Set difference a \ b: removes every integer of b from a, splitting ranges as needed. */
export function subtractRanges(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0 || b.length === 0) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let begin = a[i]!;
    const end = a[i + 1]!;
    // Skip b-ranges entirely below this a-range.
    while (j < b.length && b[j + 1]! < begin) j += 2;
    let k = j;
    while (k < b.length && b[k]! <= end && begin <= end) {
      const cutBegin = b[k]!;
      const cutEnd = b[k + 1]!;
      if (cutBegin > begin) out.push(begin, cutBegin - 1);
      begin = cutEnd + 1;
      if (cutEnd > end) break;
      k += 2;
    }
    if (begin <= end) out.push(begin, end);
  }
  return out;
}

/** True when every integer of b lies in a. */
export function containsRanges(a: Ranges, b: Ranges): boolean {
  let i = 0;
  for (let j = 0; j < b.length; j += 2) {
    const begin = b[j]!;
    const end = b[j + 1]!;
    while (i < a.length && a[i + 1]! < begin) i += 2;
    if (i >= a.length || a[i]! > begin || a[i + 1]! < end) return false;
  }
  return true;
}

/** Intersection of two normalised range lists. */
export function intersectRanges(a: Ranges, b: Ranges): Ranges {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const begin = Math.max(a[i]!, b[j]!);
    const end = Math.min(a[i + 1]!, b[j + 1]!);
    if (begin <= end) out.push(begin, end);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

export const rangesEqual: (a: Ranges, b: Ranges) => boolean = arraysEqual;

/** Number of integers covered (e.g. [31000-32000] has 1001). */
export function rangesSize(ranges: Ranges): number {
  let size = 0;
  for (let i = 0; i < ranges.length; i += 2) size += ranges[i + 1]! - ranges[i]! + 1;
  return size;
}

/** The ranges as [begin, end] pairs (for the wire). */
export function rangePairs(ranges: Ranges): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < ranges.length; i += 2) out.push([ranges[i]!, ranges[i + 1]!]);
  return out;
}

/** Mesos's text form: "[31000-32000,33000-33000]". */
export function formatRanges(ranges: Ranges): string {
  const parts: string[] = [];
  for (let i = 0; i < ranges.length; i += 2) parts.push(`${ranges[i]}-${ranges[i + 1]}`);
  return `[${parts.join(",")}]`;
}

/**
 * Validates raw wire ranges the way Mesos does for resources: each begin <= end and no two
 * ranges overlap. Returns an error message or undefined.
 */
export function validateRangePairs(
  pairs: readonly (readonly [number, number])[],
): string | undefined {
  for (const [begin, end] of pairs) {
    // uint64 on the wire, but range arithmetic (end + 1) is exact only on safe integers.
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) {
      return `Invalid range [${begin}-${end}]: bounds must be integers up to ${Number.MAX_SAFE_INTEGER}`;
    }
    if (begin > end) return `Invalid range [${begin}-${end}]: begin is greater than end`;
  }
  const sorted = [...pairs].sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur[0] <= prev[1])
      return `Ranges [${prev[0]}-${prev[1]}] and [${cur[0]}-${cur[1]}] overlap`;
  }
  return undefined;
}

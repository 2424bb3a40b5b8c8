// Value arithmetic between two resources of the same key (same kind and metadata): the
// per-entry step of the `Resources` operations.
import { addRanges, containsRanges, rangesEqual, subtractRanges } from "./ranges.ts";
import { type Resource, withRanges, withScalar, withSet } from "./resource.ts";
import { setContains, setDifference, setEqual, setUnion } from "./value-set.ts";

export function mergeValues(a: Resource, b: Resource): Resource {
  if (a.kind === "scalar" && b.kind === "scalar") return withScalar(a, a.scalar + b.scalar);
  if (a.kind === "ranges" && b.kind === "ranges")
    return withRanges(a, addRanges(a.ranges, b.ranges));
  if (a.kind === "set" && b.kind === "set") return withSet(a, setUnion(a.set, b.set));
  throw new Error(`bug: merging ${a.kind} with ${b.kind} under one key`);
}

/** a - b for same-key resources, clamped (scalars at 0, ranges/sets by set difference). */
export function subtractValues(a: Resource, b: Resource): Resource {
  if (a.kind === "scalar" && b.kind === "scalar") {
    return withScalar(a, a.scalar > b.scalar ? a.scalar - b.scalar : 0);
  }
  if (a.kind === "ranges" && b.kind === "ranges") {
    return withRanges(a, subtractRanges(a.ranges, b.ranges));
  }
  if (a.kind === "set" && b.kind === "set") return withSet(a, setDifference(a.set, b.set));
  throw new Error(`bug: subtracting ${b.kind} from ${a.kind} under one key`);
}

export function containsValue(a: Resource, b: Resource): boolean {
  if (a.kind === "scalar" && b.kind === "scalar") return a.scalar >= b.scalar;
  if (a.kind === "ranges" && b.kind === "ranges") return containsRanges(a.ranges, b.ranges);
  if (a.kind === "set" && b.kind === "set") return setContains(a.set, b.set);
  return false;
}

export function equalValue(a: Resource, b: Resource): boolean {
  if (a.kind === "scalar" && b.kind === "scalar") return a.scalar === b.scalar;
  if (a.kind === "ranges" && b.kind === "ranges") return rangesEqual(a.ranges, b.ranges);
  if (a.kind === "set" && b.kind === "set") return setEqual(a.set, b.set);
  return false;
}

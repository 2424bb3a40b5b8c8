// Dense scalar vectors for the sorters' hot math (DESIGN.md: "Resource vectors and DRF shares
// are plain numbers in arrays, updated incrementally"). Resource names are interned to small
// integer ids once; a vector is a plain array of thousandths indexed by id (missing = 0).
// The arithmetic on `Resources` itself stays in src/resources; these vectors are only derived
// from it.
import { assert } from "../base/assert.ts";
import { ResourceQuantities, type Resources } from "../resources/index.ts";

export type ScalarVector = number[];

/** Interns resource names to dense ids, shared by every vector of one allocator. */
export class NameIndex {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  lookup(name: string): number | undefined {
    return this.ids.get(name);
  }

  name(id: number): string {
    return this.names[id]!;
  }

  get size(): number {
    return this.names.length;
  }
}

/**
 * The scalar part of `resources` as a sparse list of (id, thousandths) pairs: what one
 * allocation adds to (or one recovery removes from) a sorter node.
 */
export interface ScalarDelta {
  readonly ids: number[];
  readonly millis: number[];
}

/**
 * The scalars of `resources` (`all`) and, separately, the unreserved non-revocable ones that
 * quota and headroom govern (`governed`), in one pass.
 */
export interface ScalarDeltas {
  readonly all: ScalarDelta;
  readonly governed: ScalarDelta;
}

export function emptyDeltas(): ScalarDeltas {
  return { all: { ids: [], millis: [] }, governed: { ids: [], millis: [] } };
}

/**
 * With `into`, its arrays are overwritten (a scratch buffer reused by every allocation:
 * deltas are applied at once and never kept). Entries are written by index and the arrays
 * cut to size at the end: `length = 0` would drop their backing stores every time.
 */
export function scalarDeltas(
  resources: Resources,
  names: NameIndex,
  into: ScalarDeltas = emptyDeltas(),
): ScalarDeltas {
  const { all, governed } = into;
  let allSize = 0;
  let governedSize = 0;
  for (const r of resources) {
    if (r.kind !== "scalar") continue;
    const id = names.id(r.name);
    allSize = addTo(all, allSize, id, r.scalar);
    if (r.reservations.length === 0 && !r.revocable) {
      governedSize = addTo(governed, governedSize, id, r.scalar);
    }
  }
  truncate(all, allSize);
  truncate(governed, governedSize);
  return into;
}

/** Adds `milli` to `id` among the first `size` entries; answers the new size. */
function addTo(delta: ScalarDelta, size: number, id: number, milli: number): number {
  const { ids, millis } = delta;
  for (let i = 0; i < size; i++) {
    if (ids[i] === id) {
      millis[i]! += milli;
      return size;
    }
  }
  ids[size] = id;
  millis[size] = milli;
  return size + 1;
}

function truncate(delta: ScalarDelta, size: number): void {
  if (delta.ids.length !== size) {
    delta.ids.length = size;
    delta.millis.length = size;
  }
}

/** Distinct deltas `KeptDeltas` keeps shared; past it, each caller gets a copy of its own. */
export const KEPT_DELTAS_BOUND = 4096;

function sameDelta(a: ScalarDelta, b: ScalarDelta): boolean {
  if (a.ids.length !== b.ids.length) return false;
  for (let i = 0; i < a.ids.length; i++) {
    if (a.ids[i] !== b.ids[i] || a.millis[i] !== b.millis[i]) return false;
  }
  return true;
}

function hashDelta(h: number, d: ScalarDelta): number {
  let out = h;
  for (let i = 0; i < d.ids.length; i++) {
    const m = d.millis[i]!;
    out = Math.imul(out ^ d.ids[i]!, 0x9e3779b1);
    out = Math.imul(out ^ (m | 0), 0x85ebca6b) ^ ((m / 0x100000000) | 0);
  }
  return out;
}

/**
 * One kept copy of each distinct deltas, for deltas kept per agent (agents of one cluster are
 * mostly alike: a copy each would be a few hundred bytes per agent). Found by a numeric hash
 * of the content (no key string to build), compared in full.
 */
export class KeptDeltas {
  private readonly byHash = new Map<number, ScalarDeltas[]>();
  private size = 0;

  /** The kept deltas equal to `d` (kept now when new); `d` itself is not kept. */
  keep(d: ScalarDeltas): ScalarDeltas {
    // Masked to a small integer: the Map key stays unboxed.
    const hash = hashDelta(hashDelta(0, d.all), d.governed) & 0x3fffffff;
    const bucket = this.byHash.get(hash);
    if (bucket !== undefined) {
      for (const k of bucket) {
        if (sameDelta(k.all, d.all) && sameDelta(k.governed, d.governed)) return k;
      }
    }
    const all = { ids: d.all.ids.slice(), millis: d.all.millis.slice() };
    const governed = sameDelta(d.governed, d.all)
      ? all
      : { ids: d.governed.ids.slice(), millis: d.governed.millis.slice() };
    const kept = { all, governed };
    if (this.size < KEPT_DELTAS_BOUND) {
      if (bucket !== undefined) bucket.push(kept);
      else this.byHash.set(hash, [kept]);
      this.size++;
    }
    return kept;
  }
}

/** A vector as quantities by name (zeros dropped). */
export function vectorQuantities(v: ScalarVector, names: NameIndex): ResourceQuantities {
  const q = ResourceQuantities.empty();
  for (let i = 0; i < v.length; i++) if (v[i]! > 0) q.addInPlace(names.name(i), v[i]!);
  return q;
}

/** `v += sign * delta` (in place). */
export function applyDelta(v: ScalarVector, delta: ScalarDelta, sign: 1 | -1): void {
  const { ids, millis } = delta;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    while (v.length <= id) v.push(0);
    const next = v[id]! + sign * millis[i]!;
    // Allocations are integer thousandths, so an exact zero floor is an invariant.
    if (next < 0) assert(false, `allocation of resource ${id} went negative`);
    v[id] = next;
  }
}

export function isZeroVector(v: ScalarVector): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

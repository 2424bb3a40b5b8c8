// The sorters (Mesos `sorter/drf` and `sorter/random`): who is asked first. One role sorter
// over the hierarchical role tree, and one flat framework sorter per role (reference §6.1).
//
// Clients are paths ("eng/web"); a hierarchical sorter keeps internal nodes for path
// prefixes, and a client that also has sub-clients sits under its own internal node as a
// virtual leaf (Mesos's "." child). Internal nodes aggregate the allocations of their subtree.
//
// DRF order: ascending dominant share (max over scalar names of allocated / cluster total,
// names with total 0 and fairness-excluded names skipped) divided by weight; ties by the
// number of allocations made to the node (ascending), then by path. The result of a walk is
// the pre-order list of active leaves, children of each internal node taken in that order.
// Random order: at each internal node the active children are shuffled with probability
// proportional to their weights, afresh on every walk (Mesos `RandomSorter`).
//
// Incrementality: every internal node keeps its active children in a list that is kept in
// order. A change to a node (allocation, activation) only marks it pending in its parent;
// pending nodes are re-positioned (binary search) when the sorter is next walked, so a walk
// never re-sorts everything and a change made while walking does not disturb the walk (the
// same effect as Mesos calling `sort()` once per agent). A change of the cluster total
// changes every share, so it triggers one full re-sort at the next walk.
import type { SeededRandom } from "../base/prng.ts";
import { parentRole } from "../resources/index.ts";
import { ChunkedList } from "./chunked-list.ts";
import { applyDelta, type ScalarDelta, type ScalarVector } from "./scalar-vector.ts";

export type SorterKind = "drf" | "random";

/** State shared by all sorters of one allocator. */
export interface SorterContext {
  /** Cluster total per name id, in thousandths. */
  readonly total: ScalarVector;
  /** Bumped whenever `total` changes. */
  totalVersion: number;
  /** Per name id: true when excluded from fairness (`--fair_sharing_excluded_resource_names`). */
  readonly excluded: boolean[];
}

class SorterNode<T> {
  readonly children: SorterNode<T>[] = [];
  /** Active children; in DRF order for "drf" sorters once flushed. */
  list = new ChunkedList<SorterNode<T>>();
  /** Children whose key or activity changed since the last flush. */
  pending: SorterNode<T>[] = [];
  activeChildren = 0;
  active = false;
  inList = false;
  isPending = false;
  removed = false;
  readonly alloc: ScalarVector = [];
  count = 0;
  share = 0;
  weight = 1;
  /** The key this node was placed in its parent's list with (to find it by binary search). */
  listShare = 0;
  listCount = 0;

  constructor(
    readonly path: string,
    public parent: SorterNode<T> | undefined,
    readonly payload: T | undefined,
  ) {}

  get isLeaf(): boolean {
    return this.payload !== undefined;
  }
}

const REBUILD_FRACTION = 8;

/** DRF order: share, then allocation count, then path. */
function compareNodes<T>(a: SorterNode<T>, b: SorterNode<T>): number {
  if (a.share !== b.share) return a.share - b.share;
  if (a.count !== b.count) return a.count - b.count;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Insertion point: after every node that is not after `n` (stable among equals). */
function orderedNotAfter<T>(m: SorterNode<T>, n: SorterNode<T>): boolean {
  return compareNodes(m, n) <= 0;
}

/** Lookup by the key a node was placed with (its current key may have changed since). */
function placedBefore<T>(m: SorterNode<T>, n: SorterNode<T>): boolean {
  return (
    m.listShare < n.listShare ||
    (m.listShare === n.listShare &&
      (m.listCount < n.listCount || (m.listCount === n.listCount && m.path < n.path)))
  );
}

export class Sorter<T> {
  private readonly root = new SorterNode<T>("", undefined, undefined);
  private readonly leaves = new Map<string, SorterNode<T>>();
  private readonly internals = new Map<string, SorterNode<T>>();
  private readonly dirtyParents: SorterNode<T>[] = [];
  private sortedTotalVersion = -1;
  private walking = false;

  constructor(
    readonly kind: SorterKind,
    private readonly context: SorterContext,
    private readonly hierarchical: boolean,
    private readonly weightOf: (path: string) => number,
    private readonly random: SeededRandom,
  ) {
    this.internals.set("", this.root);
  }

  get size(): number {
    return this.leaves.size;
  }

  has(path: string): boolean {
    return this.leaves.has(path);
  }

  add(path: string, payload: T): void {
    if (this.leaves.has(path)) throw new Error(`bug: sorter client ${path} added twice`);
    const own = this.internals.get(path);
    const parent = own ?? this.internalFor(this.parentPath(path));
    const leaf = new SorterNode<T>(path, parent, payload);
    leaf.weight = this.weightOf(path);
    parent.children.push(leaf);
    this.leaves.set(path, leaf);
  }

  /** Removes a client; whatever it still holds is taken out of its ancestors' totals. */
  remove(path: string): void {
    const leaf = this.leaf(path);
    this.setActive(leaf, false);
    this.addToAncestors(leaf, leaf.alloc, -1);
    this.leaves.delete(path);
    this.detach(leaf);
  }

  isActive(path: string): boolean {
    return this.leaves.get(path)?.active ?? false;
  }

  activate(path: string): void {
    this.setActive(this.leaf(path), true);
  }

  deactivate(path: string): void {
    this.setActive(this.leaf(path), false);
  }

  allocated(path: string, delta: ScalarDelta): void {
    const leaf = this.leaf(path);
    applyDelta(leaf.alloc, delta, 1);
    leaf.count++;
    this.markPending(leaf);
    for (let n = leaf.parent; n !== undefined && n !== this.root; n = n.parent) {
      applyDelta(n.alloc, delta, 1);
      n.count++;
      this.markPending(n);
    }
  }

  unallocated(path: string, delta: ScalarDelta): void {
    const leaf = this.leaf(path);
    applyDelta(leaf.alloc, delta, -1);
    this.markPending(leaf);
    this.addToAncestors(leaf, { ids: delta.ids, millis: delta.millis }, -1);
  }

  /** The client's allocation per name id (read-only view). */
  allocation(path: string): readonly number[] {
    return this.leaf(path).alloc;
  }

  /** The client's current weighted dominant share. */
  share(path: string): number {
    const leaf = this.leaf(path);
    return this.computeShare(leaf.alloc, leaf.weight);
  }

  /** Re-reads the weight of every node (after `updateWeights`). */
  refreshWeights(): void {
    for (const node of [...this.leaves.values(), ...this.internals.values()]) {
      const weight = this.weightOf(node.path);
      if (weight !== node.weight) {
        node.weight = weight;
        this.markPending(node);
      }
    }
  }

  /**
   * Visits the active clients in order until `visit` returns false. Changes made by `visit`
   * take effect at the next walk.
   */
  walk(visit: (payload: T) => boolean): void {
    if (this.walking) throw new Error("bug: nested walk of one sorter");
    this.flush();
    this.walking = true;
    try {
      if (this.kind === "drf") this.walkOrdered(this.root, visit);
      else this.walkRandom(this.root, visit);
    } finally {
      this.walking = false;
    }
  }

  /** The active clients' paths in order (tests and metrics; allocates). */
  sorted(): string[] {
    const out: string[] = [];
    this.walk((payload) => {
      out.push(this.pathOf(payload));
      return true;
    });
    return out;
  }

  private pathOf(payload: T): string {
    for (const [path, leaf] of this.leaves) if (leaf.payload === payload) return path;
    throw new Error("bug: unknown payload");
  }

  // --- tree structure ---------------------------------------------------------------------

  private parentPath(path: string): string {
    if (!this.hierarchical) return "";
    return parentRole(path) ?? "";
  }

  private leaf(path: string): SorterNode<T> {
    const leaf = this.leaves.get(path);
    if (leaf === undefined) throw new Error(`bug: unknown sorter client ${path}`);
    return leaf;
  }

  /** The internal node for `path`, created (with its ancestors) when missing. */
  private internalFor(path: string): SorterNode<T> {
    const existing = this.internals.get(path);
    if (existing !== undefined) return existing;
    const parent = this.internalFor(this.parentPath(path));
    const node = new SorterNode<T>(path, parent, undefined);
    node.weight = this.weightOf(path);
    parent.children.push(node);
    this.internals.set(path, node);
    // A client with this path becomes the virtual leaf of the new internal node: it is
    // re-created there with what it holds and its activity.
    const leaf = this.leaves.get(path);
    if (leaf !== undefined) {
      const wasActive = leaf.active;
      this.setActive(leaf, false);
      this.addToAncestors(leaf, leaf.alloc, -1);
      this.detach(leaf, false);
      const moved = new SorterNode<T>(path, node, leaf.payload);
      moved.weight = leaf.weight;
      moved.count = leaf.count;
      moved.alloc.push(...leaf.alloc);
      node.children.push(moved);
      this.leaves.set(path, moved);
      this.addToAncestors(moved, moved.alloc, 1);
      node.count += moved.count;
      if (wasActive) this.setActive(moved, true);
    }
    return node;
  }

  /** Unlinks a node from its parent and prunes internal nodes left without children. */
  private detach(node: SorterNode<T>, prune = true): void {
    const parent = node.parent;
    if (parent === undefined) return;
    const at = parent.children.indexOf(node);
    if (at >= 0) parent.children.splice(at, 1);
    node.removed = true;
    this.markPending(node);
    if (prune && parent !== this.root && parent.children.length === 0) {
      this.internals.delete(parent.path);
      this.detach(parent);
    }
  }

  private addToAncestors(leaf: SorterNode<T>, v: ScalarVector | ScalarDelta, sign: 1 | -1): void {
    const delta: ScalarDelta = Array.isArray(v)
      ? { ids: v.map((_, i) => i), millis: v.slice() }
      : v;
    for (let n = leaf.parent; n !== undefined && n !== this.root; n = n.parent) {
      applyDelta(n.alloc, delta, sign);
      this.markPending(n);
    }
  }

  private setActive(leaf: SorterNode<T>, active: boolean): void {
    if (leaf.active === active) return;
    leaf.active = active;
    this.markPending(leaf);
    for (let n = leaf.parent; n !== undefined; n = n.parent) {
      n.activeChildren += active ? 1 : -1;
      const nowActive = n.activeChildren > 0;
      if (nowActive === n.active) break;
      n.active = nowActive;
      this.markPending(n);
    }
  }

  // --- ordering ---------------------------------------------------------------------------

  private markPending(node: SorterNode<T>): void {
    const parent = node.parent;
    if (parent === undefined || node.isPending) return;
    node.isPending = true;
    if (parent.pending.length === 0) this.dirtyParents.push(parent);
    parent.pending.push(node);
  }

  private computeShare(alloc: ScalarVector, weight: number): number {
    const { total, excluded } = this.context;
    let share = 0;
    for (let i = 0; i < alloc.length; i++) {
      const t = total[i] ?? 0;
      const a = alloc[i]!;
      if (t <= 0 || a === 0 || excluded[i] === true) continue;
      const s = a / t;
      if (s > share) share = s;
    }
    return share / weight;
  }

  private static compare<T>(a: SorterNode<T>, b: SorterNode<T>): number {
    return compareNodes(a, b);
  }

  private flush(): void {
    if (this.sortedTotalVersion !== this.context.totalVersion) {
      this.sortedTotalVersion = this.context.totalVersion;
      for (const parent of this.dirtyParents) {
        for (const n of parent.pending) n.isPending = false;
        parent.pending = [];
      }
      this.dirtyParents.length = 0;
      this.rebuild(this.root);
      return;
    }
    for (let i = 0; i < this.dirtyParents.length; i++) {
      const parent = this.dirtyParents[i]!;
      // The pending array is emptied when done, not replaced (one flush per agent visited).
      const pending = parent.pending;
      for (const n of pending) n.isPending = false;
      if (parent.removed && parent !== this.root) {
        pending.length = 0;
        continue;
      }
      // (A DRF list's order is fully determined by the keys, so one changed node is always
      // re-positioned; a random sorter's list keeps the order the rebuild gives it.)
      const single = this.kind === "drf" && pending.length === 1;
      if (!single && pending.length * REBUILD_FRACTION > parent.list.length) {
        for (const n of pending) n.share = this.computeShare(n.alloc, n.weight);
        pending.length = 0;
        this.relist(parent);
        continue;
      }
      for (const n of pending) {
        if (n.inList && parent.list.length === 1 && n.active && !n.removed) {
          // The only entry stays where it is (e.g. role "*" alone in the role sorter).
          n.share = this.computeShare(n.alloc, n.weight);
          n.listShare = n.share;
          n.listCount = n.count;
          continue;
        }
        if (n.inList) {
          this.positionOf(parent.list, n);
          parent.list.removeAt(parent.list.atChunk, parent.list.atIndex);
          n.inList = false;
        }
        n.share = this.computeShare(n.alloc, n.weight);
        if (n.active && !n.removed) this.insert(parent.list, n);
      }
      pending.length = 0;
    }
    this.dirtyParents.length = 0;
  }

  /** Leaves in the list's (atChunk, atIndex) where `n` is, found by the key it was placed with. */
  private positionOf(list: ChunkedList<SorterNode<T>>, n: SorterNode<T>): void {
    if (this.kind === "drf") {
      list.search(placedBefore, n);
      if (list.atFound() === n) return;
    }
    if (!list.find(n)) throw new Error(`bug: sorter node ${n.path} missing from its list`);
  }

  private insert(list: ChunkedList<SorterNode<T>>, n: SorterNode<T>): void {
    n.inList = true;
    n.listShare = n.share;
    n.listCount = n.count;
    if (this.kind === "random") {
      list.push(n);
      return;
    }
    list.search(orderedNotAfter, n);
    list.insertAt(list.atChunk, list.atIndex, n);
  }

  private relist(parent: SorterNode<T>): void {
    for (const chunk of parent.list.chunks) for (const n of chunk) n.inList = false;
    const list: SorterNode<T>[] = [];
    for (const n of parent.children) {
      if (n.active) {
        n.inList = true;
        n.listShare = n.share;
        n.listCount = n.count;
        list.push(n);
      }
    }
    if (this.kind === "drf") list.sort(Sorter.compare);
    parent.list = ChunkedList.from(list);
  }

  private rebuild(node: SorterNode<T>): void {
    for (const child of node.children) {
      child.share = this.computeShare(child.alloc, child.weight);
      if (!child.isLeaf) this.rebuild(child);
    }
    this.relist(node);
  }

  private walkOrdered(node: SorterNode<T>, visit: (payload: T) => boolean): boolean {
    const chunks = node.list.chunks;
    for (let k = 0; k < chunks.length; k++) {
      const chunk = chunks[k]!;
      for (let i = 0; i < chunk.length; i++) {
        const child = chunk[i]!;
        if (child.payload !== undefined) {
          if (!visit(child.payload)) return false;
        } else if (!this.walkOrdered(child, visit)) return false;
      }
    }
    return true;
  }

  private walkRandom(node: SorterNode<T>, visit: (payload: T) => boolean): boolean {
    const order = node.list.toArray();
    const n = order.length;
    const equal = order.every((c) => c.weight === order[0]!.weight);
    if (!equal) {
      // Weighted shuffle (Efraimidis–Spirakis): smallest Exp(1)/weight key first.
      const keys = new Map<SorterNode<T>, number>();
      for (const c of order) keys.set(c, -Math.log(1 - this.random.nextFloat()) / c.weight);
      order.sort((a, b) => keys.get(a)! - keys.get(b)!);
    }
    for (let i = 0; i < n; i++) {
      if (equal) {
        // Lazy Fisher–Yates: only as much shuffling as the walk consumes.
        const j = i + this.random.nextInt(n - i);
        const tmp = order[i]!;
        order[i] = order[j]!;
        order[j] = tmp;
      }
      const child = order[i]!;
      if (child.payload !== undefined) {
        if (!visit(child.payload)) return false;
      } else if (!this.walkRandom(child, visit)) return false;
    }
    return true;
  }
}

// The tree both sorter types share (sorter.ts): clients and internal nodes, what each holds,
// which are active, and the incremental upkeep of every internal node's list of active
// children. How siblings are ordered in those lists and how a walk visits them is the sorter
// type's `SiblingOrder` (drf-sorter.ts, random-sorter.ts), handed in once at construction.
//
// Incrementality: a change to a node (allocation, activation) only marks it pending in its
// parent; pending nodes are re-positioned when the sorter is next walked, so a walk never
// re-sorts everything and a change made while walking does not disturb the walk (the same
// effect as Mesos calling `sort()` once per agent). A change of the cluster total changes
// every share, so it triggers one full rebuild at the next walk.
import { assert } from "../base/assert.ts";
import { parentRole } from "../resources/index.ts";
import { ChunkedList } from "./chunked-list.ts";
import { applyDelta, type ScalarDelta, type ScalarVector } from "./scalar-vector.ts";
import type { Sorter, SorterContext, SorterKind } from "./sorter.ts";

export class SorterNode<T> {
  readonly children: SorterNode<T>[] = [];
  /** Active children, in the sorter type's order once flushed. */
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

/** What a sorter type decides: the order of an internal node's active children. */
export interface SiblingOrder {
  /**
   * True when a list's order follows from the nodes' keys alone, so that one changed node is
   * always re-positioned in place; otherwise many changes at once relist the node.
   */
  readonly keyed: boolean;
  /** Puts `n` (its list keys just set) into `list`. */
  insert<T>(list: ChunkedList<SorterNode<T>>, n: SorterNode<T>): void;
  /**
   * Tries to leave the list's position (atChunk, atIndex) at `n` cheaply; false when it did
   * not (the tree then searches the list linearly).
   */
  locate<T>(list: ChunkedList<SorterNode<T>>, n: SorterNode<T>): boolean;
  /** Orders, in place, the active children of a node being relisted. */
  arrange<T>(children: SorterNode<T>[]): void;
  /** Visits the active leaves under `node`; false as soon as `visit` returned false. */
  walk<T>(node: SorterNode<T>, visit: (payload: T) => boolean): boolean;
}

/**
 * Empties an array that is filled again soon (the pending lists, once per agent visited):
 * popped, so that it keeps its backing store (`length = 0` gives it up, and the next push
 * allocates a new one).
 */
function emptyArray(a: unknown[]): void {
  while (a.length > 0) a.pop();
}

/** Past this fraction of a list pending at once, the list is rebuilt instead of patched. */
const REBUILD_FRACTION = 8;

export class SorterTree<T> implements Sorter<T> {
  private readonly root = new SorterNode<T>("", undefined, undefined);
  private readonly leaves = new Map<string, SorterNode<T>>();
  private readonly internals = new Map<string, SorterNode<T>>();
  private readonly dirtyParents: SorterNode<T>[] = [];
  private sortedTotalVersion = -1;
  private walking = false;

  constructor(
    readonly kind: SorterKind,
    private readonly order: SiblingOrder,
    private readonly context: SorterContext,
    private readonly hierarchical: boolean,
    private readonly weightOf: (path: string) => number,
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
    // The root too: it holds what all clients hold (`totalAllocation`).
    for (let n = leaf.parent; n !== undefined; n = n.parent) {
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

  allocation(path: string): readonly number[] {
    return this.leaf(path).alloc;
  }

  totalAllocation(): readonly number[] {
    return this.root.alloc;
  }

  share(path: string): number {
    const leaf = this.leaf(path);
    return this.computeShare(leaf.alloc, leaf.weight);
  }

  refreshWeights(): void {
    for (const node of [...this.leaves.values(), ...this.internals.values()]) {
      const weight = this.weightOf(node.path);
      if (weight !== node.weight) {
        node.weight = weight;
        this.markPending(node);
      }
    }
  }

  walk(visit: (payload: T) => boolean): void {
    if (this.walking) throw new Error("bug: nested walk of one sorter");
    this.flush();
    this.walking = true;
    try {
      this.order.walk(this.root, visit);
    } finally {
      this.walking = false;
    }
  }

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
    for (let n = leaf.parent; n !== undefined; n = n.parent) {
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
      if (n.activeChildren < 0 || n.activeChildren > n.children.length) {
        assert(false, `sorter node ${n.path} counts ${n.activeChildren} active children`);
      }
      const nowActive = n.activeChildren > 0;
      if (nowActive === n.active) break;
      n.active = nowActive;
      this.markPending(n);
    }
  }

  // --- keeping the lists in order ---------------------------------------------------------

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

  private flush(): void {
    if (this.sortedTotalVersion !== this.context.totalVersion) {
      this.sortedTotalVersion = this.context.totalVersion;
      for (let i = 0; i < this.dirtyParents.length; i++) {
        const parent = this.dirtyParents[i]!;
        for (let k = 0; k < parent.pending.length; k++) parent.pending[k]!.isPending = false;
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
      for (let k = 0; k < pending.length; k++) pending[k]!.isPending = false;
      if (parent.removed && parent !== this.root) {
        emptyArray(pending);
        continue;
      }
      const single = this.order.keyed && pending.length === 1;
      if (!single && pending.length * REBUILD_FRACTION > parent.list.length) {
        for (let k = 0; k < pending.length; k++) {
          const n = pending[k]!;
          n.share = this.computeShare(n.alloc, n.weight);
        }
        emptyArray(pending);
        this.relist(parent);
        continue;
      }
      for (let k = 0; k < pending.length; k++) this.reposition(parent, pending[k]!);
      emptyArray(pending);
    }
    emptyArray(this.dirtyParents);
  }

  /** Takes a pending node out of its parent's list and puts it back where it now belongs. */
  private reposition(parent: SorterNode<T>, n: SorterNode<T>): void {
    const list = parent.list;
    if (n.inList && list.length === 1 && n.active && !n.removed) {
      // The only entry stays where it is (e.g. role "*" alone in the role sorter).
      n.share = this.computeShare(n.alloc, n.weight);
      n.listShare = n.share;
      n.listCount = n.count;
      return;
    }
    if (n.inList) {
      if (!this.order.locate(list, n) && !list.find(n)) {
        throw new Error(`bug: sorter node ${n.path} missing from its list`);
      }
      list.removeAt(list.atChunk, list.atIndex);
      n.inList = false;
    }
    n.share = this.computeShare(n.alloc, n.weight);
    if (n.active && !n.removed) {
      n.inList = true;
      n.listShare = n.share;
      n.listCount = n.count;
      this.order.insert(list, n);
    }
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
    this.order.arrange(list);
    parent.list = ChunkedList.from(list);
  }

  private rebuild(node: SorterNode<T>): void {
    for (const child of node.children) {
      child.share = this.computeShare(child.alloc, child.weight);
      if (!child.isLeaf) this.rebuild(child);
    }
    this.relist(node);
  }
}

// The sorters (Mesos `sorter/drf` and `sorter/random`): who is asked first. One role sorter
// over the hierarchical role tree, and one flat framework sorter per role (reference §6.1).
//
// Clients are paths ("eng/web"); a hierarchical sorter keeps internal nodes for path
// prefixes, and a client that also has sub-clients sits under its own internal node as a
// virtual leaf (Mesos's "." child). Internal nodes aggregate the allocations of their subtree.
//
// Two sorter types behind the one `Sorter` interface, chosen once by `createSorter`:
// - DRF (drf-sorter.ts): ascending dominant share (max over scalar names of allocated /
//   cluster total, names with total 0 and fairness-excluded names skipped) divided by weight;
//   ties by the number of allocations made to the node (ascending), then by path. A walk is
//   the pre-order list of active leaves, children of each internal node taken in that order.
// - Random (random-sorter.ts): at each internal node the active children are shuffled with
//   probability proportional to their weights, afresh on every walk (Mesos `RandomSorter`).
// Both share the tree, its allocation bookkeeping and its incremental upkeep
// (sorter-tree.ts); a sorter type only says how siblings are ordered and walked.
import type { SeededRandom } from "../base/prng.ts";
import { DrfOrder } from "./drf-sorter.ts";
import { RandomOrder } from "./random-sorter.ts";
import type { ScalarDelta, ScalarVector } from "./scalar-vector.ts";
import { SorterTree } from "./sorter-tree.ts";

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

/** Who is asked first, over clients named by (role) paths, each carrying a payload. */
export interface Sorter<T> {
  readonly kind: SorterKind;
  /** The number of clients. */
  readonly size: number;
  has(path: string): boolean;
  add(path: string, payload: T): void;
  /** Removes a client; whatever it still holds is taken out of its ancestors' totals. */
  remove(path: string): void;
  isActive(path: string): boolean;
  activate(path: string): void;
  deactivate(path: string): void;
  allocated(path: string, delta: ScalarDelta): void;
  unallocated(path: string, delta: ScalarDelta): void;
  /** The client's allocation per name id (read-only view). */
  allocation(path: string): readonly number[];
  /** What all clients together hold, per name id (read-only view). */
  totalAllocation(): readonly number[];
  /** The client's current weighted dominant share. */
  share(path: string): number;
  /** Re-reads the weight of every node (after `updateWeights`). */
  refreshWeights(): void;
  /**
   * Visits the active clients in order until `visit` returns false. Changes made by `visit`
   * take effect at the next walk.
   */
  walk(visit: (payload: T) => boolean): void;
  /** The active clients' paths in order (tests and metrics; allocates). */
  sorted(): string[];
}

/**
 * A sorter of the given type. `hierarchical`: paths form a tree (the role sorter); otherwise
 * every client is a child of the root (a role's framework sorter). `random` is used by the
 * random sorter only.
 */
export function createSorter<T>(
  kind: SorterKind,
  context: SorterContext,
  hierarchical: boolean,
  weightOf: (path: string) => number,
  random: SeededRandom,
): Sorter<T> {
  const order = kind === "drf" ? new DrfOrder() : new RandomOrder(random);
  return new SorterTree<T>(kind, order, context, hierarchical, weightOf);
}

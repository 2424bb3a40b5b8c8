// The DRF sorter type (Mesos `DRFSorter`, reference §6.1): siblings in ascending weighted
// dominant share, ties by allocation count, then by path; a walk takes every internal node's
// children in that order (pre-order over the active leaves). The lists are kept in this order
// incrementally (sorter-tree.ts), so a walk only reads them.
import type { ChunkedList } from "./chunked-list.ts";
import type { SiblingOrder, SorterNode } from "./sorter-tree.ts";

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

export class DrfOrder implements SiblingOrder {
  // A DRF list's order is fully determined by the keys, so one changed node is always
  // re-positioned by binary search.
  readonly keyed = true;

  insert<T>(list: ChunkedList<SorterNode<T>>, n: SorterNode<T>): void {
    list.search(orderedNotAfter, n);
    list.insertAt(list.atChunk, list.atIndex, n);
  }

  locate<T>(list: ChunkedList<SorterNode<T>>, n: SorterNode<T>): boolean {
    list.search(placedBefore, n);
    return list.atFound() === n;
  }

  arrange<T>(children: SorterNode<T>[]): void {
    children.sort(compareNodes);
  }

  walk<T>(node: SorterNode<T>, visit: (payload: T) => boolean): boolean {
    const chunks = node.list.chunks;
    for (let k = 0; k < chunks.length; k++) {
      const chunk = chunks[k]!;
      for (let i = 0; i < chunk.length; i++) {
        const child = chunk[i]!;
        if (child.payload !== undefined) {
          if (!visit(child.payload)) return false;
        } else if (!this.walk(child, visit)) return false;
      }
    }
    return true;
  }
}

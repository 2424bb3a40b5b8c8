// The random sorter type (Mesos `RandomSorter`): at each internal node the active children are
// shuffled with probability proportional to their weights, afresh on every walk, from the
// allocator's seeded generator. Lists hold the active children in no particular order.
import type { SeededRandom } from "../base/prng.ts";
import type { ChunkedList } from "./chunked-list.ts";
import type { SiblingOrder, SorterNode } from "./sorter-tree.ts";

export class RandomOrder implements SiblingOrder {
  // A list's order is whatever the last rebuild gave it, so there is no key to re-position
  // by: many changes at once relist the node.
  readonly keyed = false;

  constructor(private readonly random: SeededRandom) {}

  insert<T>(list: ChunkedList<SorterNode<T>>, n: SorterNode<T>): void {
    list.push(n);
  }

  locate<T>(_list: ChunkedList<SorterNode<T>>, _n: SorterNode<T>): boolean {
    return false;
  }

  arrange<T>(_children: SorterNode<T>[]): void {}

  walk<T>(node: SorterNode<T>, visit: (payload: T) => boolean): boolean {
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
      } else if (!this.walk(child, visit)) return false;
    }
    return true;
  }
}

// The jobs' next due times as a binary min-heap, so a tick costs O(k log n) for the k jobs due
// rather than a scan of every job (10,000 jobs due every minute, issue #16's benchmark). Entries
// are not removed when a job changes: each carries the due time it was pushed with, and the
// core skips an entry whose job no longer has that due time (lazy deletion).

export interface DueEntry {
  readonly dueMs: number;
  readonly job: string;
}

export class DueHeap {
  readonly #items: DueEntry[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(entry: DueEntry): void {
    const items = this.#items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as DueEntry).dueMs <= entry.dueMs) break;
      items[i] = items[parent] as DueEntry;
      i = parent;
    }
    items[i] = entry;
  }

  peek(): DueEntry | undefined {
    return this.#items[0];
  }

  pop(): DueEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as DueEntry).dueMs < (items[left] as DueEntry).dueMs
          ? right
          : left;
      if ((items[child] as DueEntry).dueMs >= last.dueMs) break;
      items[i] = items[child] as DueEntry;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

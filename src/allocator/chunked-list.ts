// An ordered list stored as a sequence of short arrays ("chunks"), for the sorters' lists of
// active children. A DRF allocation usually moves one client from the front of a list of
// thousands to near its back; in one flat array that shifts every entry in between, here it
// shifts at most one chunk's worth at each end, plus a binary search over the chunks.
// Order is whatever the caller's positions make it: the list neither sorts nor compares.

/** Chunks are split when they grow past twice this length. */
const CHUNK = 64;

export class ChunkedList<E> {
  /** Never empty chunks; `chunks.length === 0` when the list is empty. */
  readonly chunks: E[][] = [];
  length = 0;
  /** The position found by the last `search` or `find` (no result object per call). */
  atChunk = 0;
  atIndex = 0;

  static from<E>(items: readonly E[]): ChunkedList<E> {
    const list = new ChunkedList<E>();
    for (let i = 0; i < items.length; i += CHUNK) list.chunks.push(items.slice(i, i + CHUNK));
    list.length = items.length;
    return list;
  }

  toArray(): E[] {
    const out: E[] = [];
    for (const chunk of this.chunks) for (const e of chunk) out.push(e);
    return out;
  }

  /**
   * Finds the first entry for which `before(entry, key)` is false, assuming it is true for a
   * prefix of the list and false after it (a binary search), and leaves its position in
   * (atChunk, atIndex); atChunk === chunks.length means the end. `before` should be a
   * module-level function, so that a search allocates nothing.
   */
  search<K>(before: (e: E, key: K) => boolean, key: K): void {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    // First chunk whose last entry is not before.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = chunks[mid]!;
      if (before(c[c.length - 1]!, key)) lo = mid + 1;
      else hi = mid;
    }
    this.atChunk = lo;
    this.atIndex = 0;
    if (lo === chunks.length) return;
    const c = chunks[lo]!;
    let a = 0;
    let b = c.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (before(c[mid]!, key)) a = mid + 1;
      else b = mid;
    }
    this.atIndex = a;
  }

  /** The entry at (atChunk, atIndex), undefined at the end. */
  atFound(): E | undefined {
    return this.chunks[this.atChunk]?.[this.atIndex];
  }

  /** Inserts `e` before the entry at (chunk, index), or at the end when chunk is past it. */
  insertAt(chunk: number, index: number, e: E): void {
    const chunks = this.chunks;
    this.length++;
    if (chunks.length === 0) {
      chunks.push([e]);
      return;
    }
    let c: E[];
    if (chunk >= chunks.length) {
      c = chunks[chunks.length - 1]!;
      c.push(e);
      chunk = chunks.length - 1;
    } else {
      // Shifting by hand: `splice` would allocate its result array on every call.
      c = chunks[chunk]!;
      c.push(e);
      for (let i = c.length - 1; i > index; i--) c[i] = c[i - 1]!;
      c[index] = e;
    }
    if (c.length > 2 * CHUNK) chunks.splice(chunk + 1, 0, c.splice(CHUNK));
  }

  push(e: E): void {
    this.insertAt(this.chunks.length, 0, e);
  }

  removeAt(chunk: number, index: number): void {
    const c = this.chunks[chunk]!;
    for (let i = index; i < c.length - 1; i++) c[i] = c[i + 1]!;
    c.pop();
    this.length--;
    if (c.length === 0) {
      const chunks = this.chunks;
      for (let k = chunk; k < chunks.length - 1; k++) chunks[k] = chunks[k + 1]!;
      chunks.pop();
    }
  }

  /**
   * Finds `e` by identity (a linear scan; for lists not kept in key order); leaves its
   * position in (atChunk, atIndex) and answers whether it is there.
   */
  find(e: E): boolean {
    const chunks = this.chunks;
    for (let k = 0; k < chunks.length; k++) {
      const index = chunks[k]!.indexOf(e);
      if (index >= 0) {
        this.atChunk = k;
        this.atIndex = index;
        return true;
      }
    }
    return false;
  }
}

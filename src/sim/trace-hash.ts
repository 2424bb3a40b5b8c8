// A running 64-bit hash of the simulation's trace (two 32-bit FNV-1a lanes with different
// offsets): cheap enough to fold in every delivery, stable across runs and platforms.
export class TraceHash {
  #a = 0x811c9dc5;
  #b = 0x01000193 ^ 0x5bd1e995;
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(record: string): void {
    let a = this.#a;
    let b = this.#b;
    for (let i = 0; i < record.length; i++) {
      const c = record.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
    }
    // A separator, so that ["ab", "c"] and ["a", "bc"] differ.
    this.#a = Math.imul(a ^ 0x1f, 0x01000193);
    this.#b = Math.imul(b ^ 0x1e, 0x01000193);
    this.#count++;
  }

  /** 16 hex digits. */
  hex(): string {
    const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
    return hex(this.#a) + hex(this.#b);
  }
}

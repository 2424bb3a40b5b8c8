// `ResourceQuantities`: scalar amounts by name, no metadata (Mesos `ResourceQuantities`).
// The allocator's quota, headroom and DRF arithmetic runs on these, so they are two small
// parallel arrays sorted by name, and every binary operation is one linear merge.
//
// Canonical form: names sorted, every amount > 0 (a name at zero is absent). Subtraction is
// clamped at zero. Immutable methods return new objects; `*InPlace` variants mutate.

import { assert } from "../base/assert.ts";
import type { ResourceQuantities as WireResourceQuantities } from "../wire/resource.ts";
import { formatMilli, fromMilli, type Milli, scalarInRange, toMilli } from "./scalar.ts";

export class ResourceQuantities {
  private names: string[];
  private millis: number[];

  private constructor(names: string[], millis: number[]) {
    this.names = names;
    this.millis = millis;
  }

  static empty(): ResourceQuantities {
    return new ResourceQuantities([], []);
  }

  /** From (name, thousandths) pairs; repeated names are summed, zeros dropped. */
  static from(entries: Iterable<readonly [string, Milli]>): ResourceQuantities {
    const q = ResourceQuantities.empty();
    for (const [name, milli] of entries) q.addInPlace(name, milli);
    return q;
  }

  /** From a record of thousandths: `{ cpus: 1500, mem: 32000 }`. */
  static fromRecord(record: Readonly<Record<string, Milli>>): ResourceQuantities {
    return ResourceQuantities.from(Object.entries(record));
  }

  /**
   * From the wire `ResourceQuantities { quantities: map<string, Scalar> }` (OfferFilters).
   * Returns undefined for a negative or non-finite amount (the caller reports it).
   */
  static fromWire(w: WireResourceQuantities): ResourceQuantities | undefined {
    const q = ResourceQuantities.empty();
    for (const [name, scalar] of Object.entries(w.quantities ?? {})) {
      if (!scalarInRange(scalar.value) || scalar.value < 0) return undefined;
      q.addInPlace(name, toMilli(scalar.value));
    }
    return q;
  }

  toWire(): WireResourceQuantities {
    const quantities: Record<string, { value: number }> = {};
    for (let i = 0; i < this.names.length; i++) {
      quantities[this.names[i]!] = { value: fromMilli(this.millis[i]!) };
    }
    return { quantities };
  }

  get size(): number {
    return this.names.length;
  }

  isEmpty(): boolean {
    return this.names.length === 0;
  }

  clone(): ResourceQuantities {
    return new ResourceQuantities(this.names.slice(), this.millis.slice());
  }

  /** The amount for `name` in thousandths; 0 when absent. */
  get(name: string): Milli {
    const i = this.find(name);
    return i >= 0 && this.names[i] === name ? this.millis[i]! : 0;
  }

  has(name: string): boolean {
    const i = this.find(name);
    return i >= 0 && this.names[i] === name;
  }

  *entries(): IterableIterator<[string, Milli]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i]!, this.millis[i]!];
  }

  [Symbol.iterator](): IterableIterator<[string, Milli]> {
    return this.entries();
  }

  /** The i-th name in name order (0 <= i < size); with `amountAt`, iteration without garbage. */
  nameAt(i: number): string {
    return this.names[i]!;
  }

  /** The amount of the i-th name, in thousandths. */
  amountAt(i: number): Milli {
    return this.millis[i]!;
  }

  nameList(): readonly string[] {
    return this.names.slice();
  }

  toRecord(): Record<string, Milli> {
    const out: Record<string, Milli> = {};
    for (let i = 0; i < this.names.length; i++) out[this.names[i]!] = this.millis[i]!;
    return out;
  }

  /** Binary search: index of `name`, or of the first name after it (may be `size`). */
  private find(name: string): number {
    let lo = 0;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.names[mid]! < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sets the amount of `name` (mutates); 0 removes it. */
  setInPlace(name: string, milli: Milli): this {
    if (!(Number.isSafeInteger(milli) && milli >= 0)) {
      assert(false, `quantity ${name} must be >= 0: ${milli}`);
    }
    const i = this.find(name);
    const present = i < this.names.length && this.names[i] === name;
    // Shifted by hand: `splice` allocates its result array on every call (the allocator's
    // quota arithmetic builds many small quantities per allocation).
    const names = this.names;
    const millis = this.millis;
    if (milli === 0) {
      if (present) {
        for (let k = i; k < names.length - 1; k++) {
          names[k] = names[k + 1]!;
          millis[k] = millis[k + 1]!;
        }
        names.pop();
        millis.pop();
      }
    } else if (present) {
      millis[i] = milli;
    } else {
      names.push(name);
      millis.push(milli);
      for (let k = names.length - 1; k > i; k--) {
        names[k] = names[k - 1]!;
        millis[k] = millis[k - 1]!;
      }
      names[i] = name;
      millis[i] = milli;
    }
    return this;
  }

  /** Adds `milli` to one name (mutates). */
  addInPlace(name: string, milli: Milli): this {
    return milli === 0 ? this : this.setInPlace(name, this.get(name) + milli);
  }

  /** Subtracts from one name, clamped at zero (mutates). */
  subtractInPlace(name: string, milli: Milli): this {
    const current = this.get(name);
    return current === 0 ? this : this.setInPlace(name, current > milli ? current - milli : 0);
  }

  // Merge-based binary operations. `pick(a, b)` combines the two amounts (0 when absent).
  private merge(other: ResourceQuantities, pick: (a: number, b: number) => number) {
    const names: string[] = [];
    const millis: number[] = [];
    const an = this.names;
    const bn = other.names;
    let i = 0;
    let j = 0;
    while (i < an.length || j < bn.length) {
      let name: string;
      let a = 0;
      let b = 0;
      if (j >= bn.length || (i < an.length && an[i]! < bn[j]!)) {
        name = an[i]!;
        a = this.millis[i++]!;
      } else if (i >= an.length || bn[j]! < an[i]!) {
        name = bn[j]!;
        b = other.millis[j++]!;
      } else {
        name = an[i]!;
        a = this.millis[i++]!;
        b = other.millis[j++]!;
      }
      const v = pick(a, b);
      if (v > 0) {
        names.push(name);
        millis.push(v);
      }
    }
    return new ResourceQuantities(names, millis);
  }

  add(other: ResourceQuantities): ResourceQuantities {
    if (other.names.length === 0) return this.clone();
    return this.merge(other, (a, b) => a + b);
  }

  /** Clamped at zero per name (Mesos `ResourceQuantities::operator-`). */
  subtract(other: ResourceQuantities): ResourceQuantities {
    if (other.names.length === 0) return this.clone();
    return this.merge(other, (a, b) => (a > b ? a - b : 0));
  }

  /** Per-name minimum; names missing on either side count as 0 and drop out. */
  min(other: ResourceQuantities): ResourceQuantities {
    return this.merge(other, Math.min);
  }

  /** Per-name maximum. */
  max(other: ResourceQuantities): ResourceQuantities {
    return this.merge(other, Math.max);
  }

  /** Mutating add of a whole collection. */
  addAllInPlace(other: ResourceQuantities): this {
    for (let j = 0; j < other.names.length; j++) this.addInPlace(other.names[j]!, other.millis[j]!);
    return this;
  }

  /** Mutating clamped subtract of a whole collection. */
  subtractAllInPlace(other: ResourceQuantities): this {
    for (let j = 0; j < other.names.length; j++) {
      this.subtractInPlace(other.names[j]!, other.millis[j]!);
    }
    return this;
  }

  /** True when every amount of `other` is <= the amount here. */
  contains(other: ResourceQuantities): boolean {
    const an = this.names;
    let i = 0;
    for (let j = 0; j < other.names.length; j++) {
      const name = other.names[j]!;
      while (i < an.length && an[i]! < name) i++;
      if (i >= an.length || an[i] !== name || this.millis[i]! < other.millis[j]!) return false;
    }
    return true;
  }

  equals(other: ResourceQuantities): boolean {
    if (this.names.length !== other.names.length) return false;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] !== other.names[i] || this.millis[i] !== other.millis[i]) return false;
    }
    return true;
  }

  /** Mesos text form `cpus:1.5;mem:32`. */
  toString(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.names.length; i++) {
      parts.push(`${this.names[i]}:${formatMilli(this.millis[i]!)}`);
    }
    return parts.join(";");
  }
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ChunkedList } from "../../src/allocator/chunked-list.ts";
import { createSorter, SeededRandom, type SorterContext } from "../../src/allocator/index.ts";

const before = (e: number, key: number) => e < key;
const notAfter = (e: number, key: number) => e <= key;

describe("chunked list", () => {
  it("keeps the order of sorted inserts and removals like a plain sorted array", () => {
    const op = fc.oneof(
      fc.record({ insert: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ remove: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const list = new ChunkedList<number>();
        const plain: number[] = [];
        for (const o of ops) {
          if ("insert" in o) {
            list.search(notAfter, o.insert);
            list.insertAt(list.atChunk, list.atIndex, o.insert);
            let at = 0;
            while (at < plain.length && plain[at]! <= o.insert) at++;
            plain.splice(at, 0, o.insert);
          } else if (plain.length > 0) {
            const value = plain[o.remove % plain.length]!;
            list.search(before, value);
            assert.equal(list.atFound(), value);
            list.removeAt(list.atChunk, list.atIndex);
            plain.splice(plain.indexOf(value), 1);
          }
          assert.equal(list.length, plain.length);
        }
        assert.deepEqual(list.toArray(), plain);
        for (const chunk of list.chunks) assert.ok(chunk.length > 0 && chunk.length <= 128);
      }),
    );
  });

  it("finds entries by identity and reports the end of the list", () => {
    const list = ChunkedList.from(Array.from({ length: 200 }, (_, i) => i * 2));
    assert.equal(list.chunks.length, 4);
    assert.ok(list.find(130));
    assert.equal(list.chunks[list.atChunk]![list.atIndex], 130);
    assert.equal(list.find(131), false);
    list.search(before, 1_000);
    assert.equal(list.atChunk, list.chunks.length);
    assert.equal(list.atFound(), undefined);
    list.push(1_000);
    assert.equal(list.toArray().at(-1), 1_000);
  });
});

describe("DRF sorter over long lists", () => {
  it("walks clients in the order a full sort gives, after many allocations", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(299), fc.integer({ min: 1, max: 5_000 }), fc.boolean()), {
          minLength: 1,
          maxLength: 400,
        }),
        (steps) => {
          const ctx: SorterContext = { total: [1_000_000], totalVersion: 0, excluded: [] };
          const s = createSorter<string>("drf", ctx, false, () => 1, new SeededRandom(1));
          const alloc = new Map<string, { milli: number; count: number }>();
          for (let i = 0; i < 300; i++) {
            const path = `fw-${String(i).padStart(3, "0")}`;
            s.add(path, path);
            s.activate(path);
            alloc.set(path, { milli: 0, count: 0 });
          }
          for (const [client, milli, back] of steps) {
            const path = `fw-${String(client).padStart(3, "0")}`;
            const a = alloc.get(path)!;
            if (back && a.milli >= milli) {
              s.unallocated(path, { ids: [0], millis: [milli] });
              a.milli -= milli;
            } else {
              s.allocated(path, { ids: [0], millis: [milli] });
              a.milli += milli;
              a.count++;
            }
            // Walk after every step, as the allocator does once per agent.
            s.walk(() => false);
          }
          const expected = [...alloc]
            .sort(
              ([p, x], [q, y]) =>
                x.milli - y.milli || x.count - y.count || (p < q ? -1 : p > q ? 1 : 0),
            )
            .map(([p]) => p);
          assert.deepEqual(s.sorted(), expected);
        },
      ),
      { numRuns: 50 },
    );
  });
});

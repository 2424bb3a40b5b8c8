import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  createSorter,
  SeededRandom,
  type SorterContext,
  type SorterKind,
} from "../../src/allocator/index.ts";

// One resource name (id 0 = cpus, id 1 = mem) with a fixed cluster total.
function context(cpus = 100_000, mem = 100_000): SorterContext {
  return { total: [cpus, mem], totalVersion: 0, excluded: [] };
}

function sorter(
  weights: Record<string, number> = {},
  ctx = context(),
  hierarchical = true,
  kind: SorterKind = "drf",
) {
  const s = createSorter<string>(
    kind,
    ctx,
    hierarchical,
    (p) => weights[p] ?? 1,
    new SeededRandom(3),
  );
  const add = (path: string) => {
    s.add(path, path);
    s.activate(path);
  };
  return { s, add };
}

const cpus = (milli: number) => ({ ids: [0], millis: [milli] });

const sorted = (paths: Iterable<string>) => [...paths].sort();

// What every sorter type promises through the `Sorter` interface, whatever its order.
for (const kind of ["drf", "random"] as const satisfies readonly SorterKind[]) {
  describe(`${kind} sorter, through the Sorter interface`, () => {
    const make = (weights: Record<string, number> = {}, ctx = context()) =>
      sorter(weights, ctx, true, kind);

    it("is of the type it was created as", () => {
      assert.equal(make().s.kind, kind);
    });

    it("visits exactly the active clients, each once per walk", () => {
      const { s, add } = make();
      for (const c of ["a", "b", "eng", "eng/web", "eng/batch"]) add(c);
      s.deactivate("b");
      s.deactivate("eng/web");
      assert.deepEqual(sorted(s.sorted()), ["a", "eng", "eng/batch"]);
      s.activate("b");
      assert.deepEqual(sorted(s.sorted()), ["a", "b", "eng", "eng/batch"]);
      assert.equal(s.size, 5);
      assert.equal(s.isActive("eng/web"), false);
      assert.equal(s.isActive("eng/batch"), true);
    });

    it("answers a client's allocation and its share divided by its weight", () => {
      const { s, add } = make({ a: 2 });
      add("a");
      s.allocated("a", { ids: [0, 1], millis: [30_000, 10_000] });
      s.unallocated("a", { ids: [0], millis: [10_000] });
      assert.deepEqual(s.allocation("a"), [20_000, 10_000]);
      assert.equal(s.share("a"), 0.1);
    });

    it("re-reads weights when told to", () => {
      const weights: Record<string, number> = {};
      const { s, add } = make(weights);
      add("a");
      s.allocated("a", cpus(40_000));
      assert.equal(s.share("a"), 0.4);
      weights.a = 4;
      s.refreshWeights();
      assert.equal(s.share("a"), 0.1);
    });

    it("keeps a client's allocation when a subrole turns it into an internal node", () => {
      const { s, add } = make();
      add("a");
      s.allocated("a", cpus(10_000));
      add("a/x");
      assert.equal(s.share("a"), 0.1);
      assert.deepEqual(sorted(s.sorted()), ["a", "a/x"]);
      s.remove("a/x");
      assert.equal(s.has("a/x"), false);
      assert.deepEqual(s.sorted(), ["a"]);
      assert.deepEqual(s.allocation("a"), [10_000]);
    });

    it("stops a walk when the visitor says so", () => {
      const { s, add } = make();
      for (const c of ["a", "b", "c"]) add(c);
      const seen: string[] = [];
      s.walk((p) => {
        seen.push(p);
        return seen.length < 2;
      });
      assert.equal(seen.length, 2);
    });

    it("applies a change made during a walk at the next walk", () => {
      const { s, add } = make();
      for (const c of ["a", "b", "c"]) add(c);
      const seen: string[] = [];
      s.walk((p) => {
        if (seen.length === 0) for (const c of ["a", "b", "c"]) if (c !== p) s.deactivate(c);
        seen.push(p);
        return true;
      });
      assert.deepEqual(sorted(seen), ["a", "b", "c"]);
      assert.deepEqual(s.sorted(), [seen[0]]);
    });

    it("refuses a nested walk of itself", () => {
      const { s, add } = make();
      add("a");
      const walkInside = () => {
        s.sorted();
        return true;
      };
      assert.throws(() => s.walk(walkInside), /nested walk/);
    });

    it("keeps visiting exactly the active clients under random changes", () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(7), fc.integer({ min: -3_000, max: 5_000 }), fc.boolean()), {
            maxLength: 80,
          }),
          (ops) => {
            const names = ["a", "b", "c", "d", "e/x", "e/y", "e", "f"];
            const { s, add } = make({ b: 2, e: 0.5 });
            for (const n of names) add(n);
            const held = new Map(names.map((n) => [n, 0]));
            const active = new Set(names);
            for (const [i, amount, toggle] of ops) {
              const n = names[i]!;
              if (amount > 0) {
                s.allocated(n, cpus(amount));
                held.set(n, held.get(n)! + amount);
              } else if (amount < 0 && held.get(n)! >= -amount) {
                s.unallocated(n, cpus(-amount));
                held.set(n, held.get(n)! + amount);
              }
              if (toggle) {
                if (active.delete(n)) s.deactivate(n);
                else {
                  active.add(n);
                  s.activate(n);
                }
              }
              assert.deepEqual(sorted(s.sorted()), sorted(active));
            }
            for (const n of names) assert.deepEqual(s.allocation(n)[0] ?? 0, held.get(n));
          },
        ),
        { numRuns: 100 },
      );
    });
  });
}

describe("DRF sorter", () => {
  it("orders clients by ascending dominant share", () => {
    const { s, add } = sorter();
    for (const c of ["a", "b", "c"]) add(c);
    s.allocated("a", cpus(30_000));
    s.allocated("b", { ids: [1], millis: [10_000] });
    s.allocated("c", cpus(20_000));
    assert.deepEqual(s.sorted(), ["b", "c", "a"]);
    s.unallocated("a", cpus(25_000));
    assert.deepEqual(s.sorted(), ["a", "b", "c"]);
  });

  it("divides the share by the weight", () => {
    const { s, add } = sorter({ a: 2 });
    add("a");
    add("b");
    s.allocated("a", cpus(30_000));
    s.allocated("b", cpus(20_000));
    assert.deepEqual(s.sorted(), ["a", "b"]);
    assert.equal(s.share("a"), 0.15);
  });

  it("breaks ties by allocation count, then by name", () => {
    const { s, add } = sorter();
    for (const c of ["c", "b", "a"]) add(c);
    assert.deepEqual(s.sorted(), ["a", "b", "c"]);
    s.allocated("a", cpus(1_000));
    s.unallocated("a", cpus(1_000));
    assert.deepEqual(s.sorted(), ["b", "c", "a"]);
  });

  it("ignores fairness-excluded names and names with no total", () => {
    const ctx: SorterContext = { total: [100_000, 0, 10], totalVersion: 0, excluded: [] };
    ctx.excluded[2] = true;
    const { s, add } = sorter({}, ctx);
    add("a");
    add("b");
    s.allocated("a", { ids: [0, 2], millis: [10_000, 10] });
    s.allocated("b", { ids: [0, 1], millis: [20_000, 5] });
    assert.equal(s.share("a"), 0.1);
    assert.equal(s.share("b"), 0.2);
  });

  it("leaves inactive clients out of the walk", () => {
    const { s, add } = sorter();
    add("a");
    add("b");
    s.deactivate("a");
    assert.deepEqual(s.sorted(), ["b"]);
    s.activate("a");
    assert.deepEqual(s.sorted(), ["a", "b"]);
  });

  it("sorts siblings within each subtree and walks the tree in pre-order", () => {
    const { s, add } = sorter();
    for (const c of ["eng/web", "eng/batch", "ops", "eng"]) add(c);
    s.allocated("eng/web", cpus(10_000));
    s.allocated("eng/batch", cpus(5_000));
    s.allocated("ops", cpus(12_000));
    // eng's subtree holds 15% > ops's 12%, so ops comes first; inside eng the role itself
    // (a virtual leaf with 0%) comes before its children.
    assert.deepEqual(s.sorted(), ["ops", "eng", "eng/batch", "eng/web"]);
  });

  it("keeps a client's allocation when a subrole turns it into an internal node", () => {
    const { s, add } = sorter();
    add("a");
    add("b");
    s.allocated("a", cpus(10_000));
    add("a/x");
    assert.equal(s.share("a"), 0.1);
    assert.deepEqual(s.sorted(), ["b", "a/x", "a"]);
    s.remove("a/x");
    assert.deepEqual(s.sorted(), ["b", "a"]);
  });

  it("re-sorts everything when the cluster total changes", () => {
    const ctx = context();
    const { s, add } = sorter({}, ctx);
    add("a");
    add("b");
    s.allocated("a", cpus(10_000));
    s.allocated("b", { ids: [1], millis: [20_000] });
    assert.deepEqual(s.sorted(), ["a", "b"]);
    ctx.total[1] = 1_000_000;
    ctx.totalVersion++;
    assert.deepEqual(s.sorted(), ["b", "a"]);
  });

  it("keeps the incremental order equal to a full sort under random changes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 7 }),
            fc.integer({ min: -3_000, max: 5_000 }),
            fc.boolean(),
          ),
          { maxLength: 80 },
        ),
        (ops) => {
          const names = ["a", "b", "c", "d", "e/x", "e/y", "e", "f"];
          const { s, add } = sorter({ b: 2, e: 0.5 });
          for (const n of names) add(n);
          const held = new Map(names.map((n) => [n, 0]));
          const counts = new Map(names.map((n) => [n, 0]));
          const active = new Map(names.map((n) => [n, true]));
          for (const [i, amount, toggle] of ops) {
            const n = names[i]!;
            if (amount > 0) {
              s.allocated(n, cpus(amount));
              held.set(n, held.get(n)! + amount);
              counts.set(n, counts.get(n)! + 1);
            } else if (held.get(n)! >= -amount && amount < 0) {
              s.unallocated(n, cpus(-amount));
              held.set(n, held.get(n)! + amount);
            }
            if (toggle) {
              active.set(n, !active.get(n));
              if (active.get(n)) s.activate(n);
              else s.deactivate(n);
            }
            s.sorted(); // walk (and flush) at random points
          }
          // Expected: the hierarchical DRF order computed from scratch.
          const w = (p: string) => ({ b: 2, e: 0.5 })[p] ?? 1;
          const key = (paths: string[], weightPath: string) => {
            const total = paths.reduce((x, p) => x + held.get(p)!, 0);
            const count = paths.reduce((x, p) => x + counts.get(p)!, 0);
            return { share: total / 100_000 / w(weightPath), count };
          };
          const cmp = (a: { share: number; count: number; path: string }, b: typeof a) =>
            a.share - b.share || a.count - b.count || (a.path < b.path ? -1 : 1);
          const eChildren = ["e", "e/x", "e/y"]
            .filter((n) => active.get(n))
            .map((n) => ({ ...key([n], n), path: n }))
            .sort(cmp)
            .map((x) => x.path);
          const top = ["a", "b", "c", "d", "f"]
            .filter((n) => active.get(n))
            .map((n) => ({ ...key([n], n), path: n, list: [n] }));
          if (eChildren.length > 0)
            top.push({ ...key(["e", "e/x", "e/y"], "e"), path: "e", list: eChildren });
          const expected = top.sort(cmp).flatMap((x) => x.list);
          assert.deepEqual(s.sorted(), expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("random sorter", () => {
  it("visits every active client once per walk, reproducibly from the seed", () => {
    const orders = [0, 1].map(() => {
      const { s, add } = sorter({}, context(), true, "random");
      for (const c of ["a", "b", "c", "d/x", "d/y"]) add(c);
      return [s.sorted(), s.sorted(), s.sorted()];
    });
    assert.deepEqual(orders[0], orders[1]);
    for (const order of orders[0]!)
      assert.deepEqual([...order].sort(), ["a", "b", "c", "d/x", "d/y"]);
  });

  it("puts heavier clients first more often, in proportion to weight", () => {
    const { s, add } = sorter({ heavy: 3 }, context(), false, "random");
    add("heavy");
    add("light");
    let heavyFirst = 0;
    const walks = 4_000;
    for (let i = 0; i < walks; i++) if (s.sorted()[0] === "heavy") heavyFirst++;
    // P(heavy first) = 3 / (3 + 1) = 0.75.
    assert.ok(Math.abs(heavyFirst / walks - 0.75) < 0.05, `${heavyFirst / walks}`);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FrameworkState, Holding } from "../../src/allocator/records.ts";
import { Resources } from "../../src/resources/index.ts";
import { agentRecord, res } from "./helpers.ts";

describe("holdings of a framework on an agent", () => {
  it("behave like a Map from role to resources, insertion order included", () => {
    const roles = ["a", "b", "c", "d/e"];
    const op = fc.tuple(fc.constantFrom(...roles), fc.boolean());
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const fw = new FrameworkState("f");
        const agent = agentRecord("a0");
        const h = new Holding(fw, agent);
        const model = new Map<string, Resources>();
        for (const [role, add] of ops) {
          if (add && !model.has(role)) {
            const held = Resources.empty();
            model.set(role, held);
            h.add(role, held);
          } else if (!add) {
            model.delete(role);
            h.delete(role);
          }
          assert.deepEqual(h.entries(), [...model]);
          assert.equal(h.isEmpty(), model.size === 0);
          for (const r of roles) assert.equal(h.get(r), model.get(r));
        }
      }),
    );
  });

  it("copy a collection handed in before changing it, in the first role and the others", () => {
    const fw = new FrameworkState("f");
    const h = new Holding(fw, agentRecord("a0"));
    const first = res("cpus:1");
    const second = res("mem:32");
    h.add("a", first);
    h.add("b", second);
    h.addTo("a", res("cpus:1"));
    h.addTo("b", res("mem:32"));
    assert.ok(first.equals(res("cpus:1")));
    assert.ok(second.equals(res("mem:32")));
    assert.ok(h.get("a")!.equals(res("cpus:2")));
    assert.ok(h.get("b")!.equals(res("mem:64")));
    h.subtractFrom("a", res("cpus:2"));
    assert.ok(h.get("a")!.isEmpty());
    // Handed back whole (the very entries): emptied without touching what was handed in.
    const third = res("disk:5");
    h.delete("a");
    h.delete("b");
    h.add("c", third);
    h.subtractFrom("c", third.clone());
    assert.ok(h.get("c")!.isEmpty());
    assert.ok(third.equals(res("disk:5")));
  });

  it("are listed per framework in the order they were made, without the unlinked ones", () => {
    const fw = new FrameworkState("f");
    const agents = [0, 1, 2, 3].map((i) => agentRecord(`a${i}`, "cpus:1", i));
    const hs = agents.map((a) => new Holding(fw, a));
    for (const h of hs) fw.link(h);
    fw.unlink(hs[0]!);
    fw.unlink(hs[2]!);
    fw.link(hs[0]!);
    assert.deepEqual(
      fw.holdings().map((h) => h.agent.id),
      ["a1", "a3", "a0"],
    );
    for (const h of fw.holdings()) fw.unlink(h);
    assert.deepEqual(fw.holdings(), []);
  });
});

describe("holdings on an agent", () => {
  it("are found by framework and kept in the order made, past the indexed size too", () => {
    const agent = agentRecord("a0");
    const fws = Array.from({ length: 20 }, (_, i) => new FrameworkState(`f${i}`));
    const hs = fws.map((fw) => new Holding(fw, agent));
    const model: Holding[] = [];
    const check = () => {
      assert.deepEqual(agent.holdings(), model);
      for (const fw of fws)
        assert.equal(
          agent.holdingOf(fw),
          model.find((h) => h.fw === fw),
        );
    };
    for (const h of hs) {
      agent.addHolding(h);
      model.push(h);
      check();
    }
    for (const i of [3, 0, 19, 10, 11]) {
      agent.removeHolding(hs[i]!);
      model.splice(model.indexOf(hs[i]!), 1);
      check();
    }
    agent.addHolding(hs[3]!);
    model.push(hs[3]!);
    check();
    for (const h of [...model]) {
      agent.removeHolding(h);
      model.splice(model.indexOf(h), 1);
      check();
    }
    agent.addHolding(hs[5]!);
    model.push(hs[5]!);
    check();
  });

  it("reuse the holding last given up for the next framework, empty", () => {
    const agent = agentRecord("a0");
    const [f, g] = [new FrameworkState("f"), new FrameworkState("g")];
    const h = agent.newHolding(f);
    agent.addHolding(h);
    h.add("a", res("cpus:1"));
    h.delete("a");
    agent.removeHolding(h);
    const next = agent.newHolding(g);
    assert.equal(next, h);
    assert.equal(next.fw, g);
    assert.ok(next.isEmpty());
    agent.addHolding(next);
    assert.equal(agent.holdingOf(g), next);
    assert.equal(agent.holdingOf(f), undefined);
    assert.notEqual(agent.newHolding(f), next);
  });
});

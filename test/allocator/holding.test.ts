import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FrameworkState, Holding } from "../../src/allocator/records.ts";
import { Resources } from "../../src/resources/index.ts";
import { agentRecord } from "./helpers.ts";

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
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  canPreempt,
  choosePreemption,
  type Need,
  type PreemptionAgent,
  type PreemptionCandidate,
  type PreemptionTask,
} from "../../../src/frameworks/services/preemption.ts";

const need = (cpus: number, mem = 0): Need => [cpus * 1000, mem * 1000, 0, 0];

const task = (id: string, fields: Partial<PreemptionTask> = {}): PreemptionTask => ({
  id,
  role: "web",
  preemptible: true,
  revocable: false,
  priority: 0,
  uses: need(1, 128),
  ...fields,
});

const preferred = (fields: Partial<PreemptionCandidate> = {}): PreemptionCandidate => ({
  role: "web",
  preemptible: false,
  revocable: false,
  priority: 0,
  needs: need(2, 256),
  ...fields,
});

const agent = (
  agentId: string,
  tasks: PreemptionTask[],
  free: Need = need(0),
): PreemptionAgent => ({
  agentId,
  free,
  tasks,
});

describe("preemption: who may preempt whom", () => {
  test("a preferred candidate preempts preemptible tasks of any role", () => {
    assert.ok(canPreempt(preferred(), task("v", { role: "batch" })));
  });
  test("a preemptible candidate never preempts a preferred task, whatever the priorities", () => {
    const c = preferred({ preemptible: true, priority: 100 });
    assert.equal(canPreempt(c, task("v", { preemptible: false, priority: -5 })), false);
  });
  test("by priority only inside one role", () => {
    const c = preferred({ preemptible: true, priority: 10 });
    assert.ok(canPreempt(c, task("v", { priority: 1 })));
    assert.equal(canPreempt(c, task("v", { role: "other", priority: 1 })), false);
    assert.equal(canPreempt(c, task("v", { priority: 10 })), false);
  });
  test("a preferred task falls only to a preferred candidate of its role with a higher priority", () => {
    const victim = task("v", { preemptible: false, priority: 1 });
    assert.ok(canPreempt(preferred({ priority: 2 }), victim));
    assert.equal(canPreempt(preferred({ priority: 1 }), victim), false);
    assert.equal(canPreempt(preferred({ priority: 2, role: "other" }), victim), false);
  });
  test("revocable tasks free revocable room only: they are victims of revocable candidates alone", () => {
    const victim = task("v", { revocable: true });
    assert.equal(canPreempt(preferred(), victim), false);
    assert.ok(canPreempt(preferred({ preemptible: true, revocable: true, priority: 1 }), victim));
  });
});

describe("preemption: choosing victims", () => {
  test("picks the fewest victims that free enough room, lowest priority first", () => {
    const choice = choosePreemption(preferred({ needs: need(2, 256) }), [
      agent("A", [task("a1"), task("a2"), task("a3")]),
      agent("B", [task("b-big", { uses: need(2, 256), priority: 3 }), task("b-small")]),
    ]);
    assert.deepEqual(choice, { agentId: "B", victims: ["b-big"] });
  });
  test("counts what the agent has free already, and preempts nothing where room is free", () => {
    const short = choosePreemption(preferred({ needs: need(2, 256) }), [
      agent("A", [task("a1"), task("a2")], need(1, 128)),
    ]);
    assert.deepEqual(short, { agentId: "A", victims: ["a1"] });
    const roomy = choosePreemption(preferred({ needs: need(2, 256) }), [
      agent("A", [task("a1")], need(4, 512)),
    ]);
    assert.equal(roomy, undefined);
  });
  test("no agent whose eligible victims free enough room: no preemption", () => {
    const choice = choosePreemption(preferred({ needs: need(3, 256) }), [
      agent("A", [task("a1"), task("p", { preemptible: false })]),
    ]);
    assert.equal(choice, undefined);
  });
  test("agents the candidate may not use (constraints, dedicated hosts) are skipped", () => {
    const choice = choosePreemption(
      preferred({ needs: need(1, 128) }),
      [agent("A", [task("a1")]), agent("B", [task("b1")])],
      (id) => id === "B",
    );
    assert.deepEqual(choice, { agentId: "B", victims: ["b1"] });
  });
});

/** cpus and mem in thousandths, from `min` (cpus) up to `max`; disk and gpus left at 0. */
const arbNeed = (max: number, minCpus = 0) =>
  fc.tuple(
    fc.integer({ min: minCpus, max }),
    fc.integer({ min: 0, max }),
    fc.constant(0),
    fc.constant(0),
  );
/** Who an instance is: the fields the rules read. */
const arbWho = {
  role: fc.constantFrom("web", "batch"),
  preemptible: fc.boolean(),
  revocable: fc.boolean(),
  priority: fc.integer({ min: -2, max: 3 }),
};
const arbTask = fc.record({ id: fc.uuid(), ...arbWho, uses: arbNeed(4000) });
const arbCandidate = fc.record({ ...arbWho, needs: arbNeed(6000, 1) });
const arbAgents = fc.array(
  fc.record({
    agentId: fc.uuid(),
    free: arbNeed(2000),
    tasks: fc.array(arbTask, { maxLength: 8 }),
  }),
  { maxLength: 6 },
);

describe("preemption: properties", () => {
  test("every victim may be preempted by the candidate: never a preferred task for a preemptible one, never across roles by priority, and the victims free enough room", () => {
    fc.assert(
      fc.property(arbCandidate, arbAgents, (candidate, agents) => {
        const choice = choosePreemption(candidate, agents);
        if (choice === undefined) return;
        const on = agents.find((a) => a.agentId === choice.agentId) as PreemptionAgent;
        const victims = choice.victims.map(
          (id) => on.tasks.find((t) => t.id === id) as PreemptionTask,
        );
        assert.ok(victims.length > 0);
        const freed = [...on.free];
        for (const v of victims) {
          assert.ok(canPreempt(candidate, v));
          if (candidate.preemptible)
            assert.ok(v.preemptible, "a preferred task preempted for a preemptible one");
          if (v.role !== candidate.role) assert.ok(!candidate.preemptible && v.preemptible);
          for (let d = 0; d < 4; d++) freed[d] = (freed[d] as number) + (v.uses[d] as number);
        }
        for (let d = 0; d < 4; d++)
          assert.ok((freed[d] as number) >= (candidate.needs[d] as number));
        // Minimal: without any one victim the room would not be enough.
        for (const v of victims) {
          const without = freed.map((f, d) => f - (v.uses[d] as number));
          assert.ok(
            without.some((f, d) => f < (candidate.needs[d] as number)),
            "an unneeded victim",
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  test("decides over 10,000 instances on 1,000 agents in one pass", () => {
    const agents: PreemptionAgent[] = [];
    for (let a = 0; a < 1000; a++) {
      const tasks: PreemptionTask[] = [];
      for (let t = 0; t < 10; t++)
        tasks.push(task(`t${a}-${t}`, { priority: (a + t) % 5, preemptible: t % 2 === 0 }));
      agents.push(agent(`A${a}`, tasks));
    }
    const choice = choosePreemption(preferred({ needs: need(2, 256) }), agents);
    assert.ok(choice !== undefined);
    assert.equal(choice.victims.length, 2);
  });
});

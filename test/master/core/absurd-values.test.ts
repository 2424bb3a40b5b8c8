// Absurd but valid numbers (issue 22, fault 1): a double the JSON parser accepts but the
// fixed-point arithmetic of src/resources cannot hold must be refused with a Mesos-shaped error
// before anything changes. Before the fix, `cpus: 1e308` threw inside ACCEPT after the offer had
// been removed: the resources never went back and the agent was never offered again.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { MasterOutput } from "../../../src/master/core/types.ts";
import type { TaskInfo } from "../../../src/wire/task.ts";
import { agentSubscribeCall, commandTask, Harness } from "./harness.ts";

function cpusTask(id: string, agentId: string, cpus: number): TaskInfo {
  return {
    ...commandTask(id, agentId),
    resources: [{ name: "cpus", type: "SCALAR", scalar: { value: cpus } }],
  } as TaskInfo;
}

function setup() {
  const h = new Harness();
  const agent = h.addAgent("a1", "cpus:4;mem:1024");
  const fw = h.subscribe();
  h.allocate();
  const offer = h.offers(fw.streamId)[0];
  assert.ok(offer, "an offer was made");
  return { h, agent, fw, offer };
}

function accept(
  h: Harness,
  fw: { frameworkId: string; streamId: string },
  offerId: { value: string },
  tasks: TaskInfo[],
): MasterOutput | undefined {
  return h.call(fw.streamId, fw.frameworkId, {
    type: "ACCEPT",
    accept: {
      offer_ids: [offerId],
      operations: [{ type: "LAUNCH", launch: { task_infos: tasks } }],
      filters: { refuse_seconds: 0 },
    },
  });
}

describe("absurd resource values at ACCEPT", () => {
  for (const [name, cpus, message] of [
    ["1e308 cpus", 1e308, /Task uses invalid resources: .*cpus.*beyond/],
    ["1e13 cpus (beyond the fixed-point range)", 1e13, /Task uses invalid resources: .*beyond/],
    ["-1 cpus", -1, /Task uses invalid resources: .*non-negative/],
  ] as const) {
    it(`a LAUNCH with ${name} gets TASK_ERROR and the offer's resources go back to the allocator`, () => {
      const { h, agent, fw, offer } = setup();
      const reply = accept(h, fw, offer.id, [cpusTask("t1", agent.agentId, cpus)]);
      assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 202 });
      const status = h.updates(fw.streamId)[0];
      assert.equal(status?.state, "TASK_ERROR");
      assert.equal(status?.reason, "REASON_TASK_INVALID");
      assert.match(status?.message ?? "", message);
      assert.equal(h.master.snapshot(h.nowMs).tasks.length, 0);
      assert.match(h.allocator.calls.at(-1) ?? "", /^recover .* cpus\{allocated:\*\}:4; mem/);
      assert.deepEqual(h.master.invariantViolations(), []);
      // The agent is offered again.
      h.allocate();
      assert.equal(h.offers(fw.streamId).length, 2, "the agent's resources are offered again");
    });
  }

  it("a LAUNCH of 1e-300 cpus (zero at three decimals) changes nothing it cannot undo", () => {
    const { h, agent, fw, offer } = setup();
    const reply = accept(h, fw, offer.id, [cpusTask("t1", agent.agentId, 1e-300)]);
    assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 202 });
    assert.deepEqual(h.master.invariantViolations(), []);
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 2, "the agent is offered again");
  });

  it("a LAUNCH with a port range up to 2^64 gets TASK_ERROR and changes nothing", () => {
    const { h, agent, fw, offer } = setup();
    const task = {
      ...commandTask("t1", agent.agentId),
      resources: [
        { name: "ports", type: "RANGES", ranges: { range: [{ begin: 2 ** 60, end: 2 ** 64 }] } },
      ],
    } as TaskInfo;
    accept(h, fw, offer.id, [task]);
    assert.match(h.updates(fw.streamId)[0]?.message ?? "", /Task uses invalid resources: .*range/);
    assert.deepEqual(h.master.invariantViolations(), []);
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 2);
  });

  it("a valid task after an absurd one in the same LAUNCH still runs", () => {
    const { h, agent, fw, offer } = setup();
    accept(h, fw, offer.id, [
      cpusTask("bad", agent.agentId, 1e308),
      commandTask("good", agent.agentId, "cpus:1;mem:128"),
    ]);
    assert.deepEqual(
      h.master.snapshot(h.nowMs).tasks.map((t) => t.taskId),
      ["good"],
    );
    assert.equal(h.updates(fw.streamId)[0]?.state, "TASK_ERROR");
  });

  it("a RESERVE of 1e308 cpus is refused and the offer's resources go back", () => {
    const { h, fw, offer } = setup();
    const reply = h.call(fw.streamId, fw.frameworkId, {
      type: "ACCEPT",
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: "RESERVE",
            id: { value: "op1" },
            reserve: {
              resources: [
                {
                  name: "cpus",
                  type: "SCALAR",
                  scalar: { value: 1e308 },
                  reservations: [{ type: "DYNAMIC", role: "*" }],
                },
              ],
            },
          },
        ],
        filters: { refuse_seconds: 0 },
      },
    });
    assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 202 });
    assert.deepEqual(h.master.invariantViolations(), []);
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 2);
  });
});

describe("absurd resource values from agents", () => {
  for (const [name, value] of [
    ["1e308", 1e308],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["NaN", Number.NaN],
    ["-4", -4],
  ] as const) {
    it(`an agent registering with cpus ${name} is dropped (Mesos drops invalid registrations) and not admitted`, () => {
      const h = new Harness();
      const streamId = h.newStreamId("agent");
      const call = agentSubscribeCall("a1", "mem:1024");
      const bad = [{ name: "cpus", type: "SCALAR" as const, scalar: { value } }];
      call.subscribe!.agent_info.resources = bad;
      call.subscribe!.total_resources = bad;
      h.step({ kind: "agent_subscribe", agentStreamId: streamId, call });
      const events = h.agentEventsOn(streamId);
      assert.equal(
        events.find((e) => e.type === "SUBSCRIBED"),
        undefined,
      );
      assert.deepEqual(events, []);
      assert.ok(h.closedStreams.has(streamId));
      assert.equal(h.master.getAgents().agents?.length ?? 0, 0);
      assert.equal(h.registry.admitted.size, 0);
      assert.doesNotMatch(JSON.stringify(h.master.getState()), /Infinity|NaN|null/);
    });
  }
});

describe("absurd quota values", () => {
  it("a forced UPDATE_QUOTA of 1e308 cpus is refused before it is persisted", () => {
    const h = new Harness();
    const requestId = h.operator({
      type: "UPDATE_QUOTA",
      configs: [{ role: "web", guarantees: { cpus: 1e308 }, limits: {} }],
      force: true,
    });
    const reply = h.replies.get(requestId);
    assert.ok(reply?.kind === "reply" && !reply.reply.ok);
    assert.match(
      reply.kind === "reply" && !reply.reply.ok ? reply.reply.error.message : "",
      /must be a non-negative number up to/,
    );
    assert.equal(h.registry.quotas.size, 0);
  });
});

describe("absurd values: any double", () => {
  it("no double in a LAUNCH, RESERVE or agent registration makes the core throw or break an invariant", () => {
    const value = fc.oneof(
      fc.double(),
      fc.constantFrom(1e308, 1e13, 9.007e12, -0, 1e-300, Number.MAX_SAFE_INTEGER, 2 ** 64),
    );
    fc.assert(
      fc.property(value, value, fc.integer({ min: 0, max: 2 ** 62 }), (cpus, mem, port) => {
        const { h, agent, fw, offer } = setup();
        const resources = [
          { name: "cpus", type: "SCALAR" as const, scalar: { value: cpus } },
          { name: "mem", type: "SCALAR" as const, scalar: { value: mem } },
          {
            name: "ports",
            type: "RANGES" as const,
            ranges: { range: [{ begin: port, end: port }] },
          },
        ];
        h.call(fw.streamId, fw.frameworkId, {
          type: "ACCEPT",
          accept: {
            offer_ids: [offer.id],
            operations: [
              {
                type: "LAUNCH",
                launch: { task_infos: [{ ...commandTask("t", agent.agentId), resources }] },
              },
              { type: "RESERVE", reserve: { resources } },
            ],
            filters: { refuse_seconds: 0 },
          },
        });
        const call = agentSubscribeCall("a2", "mem:1");
        call.subscribe!.agent_info.resources = resources;
        call.subscribe!.total_resources = resources;
        h.step({ kind: "agent_subscribe", agentStreamId: "other", call });
        assert.deepEqual(h.master.invariantViolations(), []);
        h.allocate();
        assert.ok(h.offers(fw.streamId).length >= 2, "the first agent is offered again");
      }),
      { numRuns: 200 },
    );
  });
});

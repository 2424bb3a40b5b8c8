import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskInfo } from "../../../src/wire/task.ts";
import { acceptCall } from "../scheduler-calls.ts";
import { commandTask, Harness, wireResources, withOffer } from "./harness.ts";

const PA = [{ type: "PARTITION_AWARE" as const }];

/** The framework ACCEPTs the offer with one LAUNCH_GROUP of `tasks` on DEFAULT executor "ex". */
function launchGroup(
  h: ReturnType<typeof withOffer>["h"],
  fw: ReturnType<typeof withOffer>["fw"],
  offerId: ReturnType<typeof withOffer>["offer"]["id"],
  tasks: unknown[],
  executorResources?: string,
): void {
  h.call(
    fw.streamId,
    fw.frameworkId,
    acceptCall(
      [offerId],
      [
        {
          type: "LAUNCH_GROUP",
          launch_group: {
            executor: {
              type: "DEFAULT",
              executor_id: { value: "ex" },
              ...(executorResources === undefined
                ? {}
                : { resources: wireResources(executorResources) }),
            },
            task_group: { tasks: tasks as never },
          },
        },
      ],
    ),
  );
}

describe("offers", () => {
  it("one offer per framework, role and agent, with hostname, url and the agent's resources", () => {
    const { offer, agent } = withOffer();
    assert.equal(offer.id.value, "M-O0");
    assert.equal(offer.agent_id.value, agent.agentId);
    assert.equal(offer.hostname, "a1");
    assert.equal(offer.url?.path, "/slave(1)");
    assert.deepEqual(
      offer.resources?.map((r) => [r.name, r.scalar?.value, r.role]),
      [
        ["cpus", 4, "*"],
        ["mem", 1024, "*"],
      ],
    );
    // Not MULTI_ROLE: no allocation_info on resources.
    assert.equal(offer.resources?.[0]?.allocation_info, undefined);
  });

  it("MULTI_ROLE frameworks see allocation_info on offered resources", () => {
    const h = new Harness();
    h.addAgent("a1");
    const fw = h.subscribe({ capabilities: [{ type: "MULTI_ROLE" }], roles: ["web"] });
    h.allocate();
    assert.deepEqual(h.offers(fw.streamId)[0]?.resources?.[0]?.allocation_info, { role: "web" });
  });

  it("offers are rescinded when the framework disconnects", () => {
    const { h, fw, offer } = withOffer();
    h.step({ kind: "scheduler_stream_closed", streamId: fw.streamId });
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 0);
    assert.ok(h.allocator.calls.some((c) => c.startsWith(`recover ${fw.frameworkId}`)));
    void offer;
  });

  it("offers are rescinded after --offer_timeout, without a filter", () => {
    const h = new Harness({ flags: { offerTimeoutMs: 30_000 } });
    h.addAgent("a1");
    const fw = h.subscribe();
    h.allocate();
    const offer = h.offers(fw.streamId)[0];
    h.advance(30_000);
    const rescinds = h.frameworkEvents(fw.streamId).filter((e) => e.type === "RESCIND");
    assert.deepEqual(rescinds[0]?.rescind?.offer_id, offer?.id);
    assert.ok(h.allocator.calls.some((c) => c.endsWith(" 0") && c.startsWith("recover")));
  });

  it("DECLINE returns the resources with the refuse filter", () => {
    const { h, fw, offer } = withOffer();
    h.call(fw.streamId, fw.frameworkId, {
      type: "DECLINE",
      decline: { offer_ids: [offer.id], filters: { refuse_seconds: 30 } },
    });
    assert.match(h.allocator.calls.at(-1) ?? "", / 30$/);
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 0);
  });
});

describe("ACCEPT", () => {
  it("a valid LAUNCH creates a TASK_STAGING task, sends RUN_TASK and recovers the unused part with the filters", () => {
    const { h, agent, fw, offer } = withOffer();
    const reply = h.launch(fw, [offer.id], [commandTask("t1", agent.agentId)], {
      refuse_seconds: 7,
    });
    assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 202 });
    const task = h.master.snapshot(h.nowMs).tasks[0];
    assert.equal(task?.state, "TASK_STAGING");
    assert.equal(h.updates(fw.streamId).length, 0, "no UPDATE for STAGING");
    const run = h.agentEventsOn(agent.streamId).find((e) => e.type === "RUN_TASK");
    assert.equal(run?.run_task?.task.task_id.value, "t1");
    assert.equal(
      h.allocator.calls.at(-1),
      `recover ${fw.frameworkId} ${agent.agentId} cpus{allocated:*}:3; mem{allocated:*}:896 7`,
    );
  });

  it("an unknown offer gives TASK_LOST (REASON_INVALID_OFFERS) to a legacy framework and TASK_DROPPED to a partition-aware one", () => {
    for (const [caps, expected] of [
      [[], "TASK_LOST"],
      [PA, "TASK_DROPPED"],
    ] as const) {
      const { h, agent, fw } = withOffer({ capabilities: [...caps] });
      h.launch(fw, [{ value: "M-O99" }], [commandTask("t1", agent.agentId)]);
      const status = h.updates(fw.streamId)[0];
      assert.equal(status?.state, expected);
      assert.equal(status?.reason, "REASON_INVALID_OFFERS");
      assert.equal(status?.source, "SOURCE_MASTER");
      assert.equal(
        status?.message,
        "Task launched with invalid offers: Offer M-O99 is no longer valid",
      );
      assert.equal(status?.uuid, undefined);
      assert.equal(h.master.snapshot(h.nowMs).tasks.length, 0);
    }
  });

  it("an offer of another framework is invalid", () => {
    const h = new Harness();
    const agent = h.addAgent("a1");
    const a = h.subscribe();
    const b = h.subscribe();
    h.allocate();
    const offer = h.offers(a.streamId)[0];
    assert.ok(offer);
    h.launch(b, [offer.id], [commandTask("t1", agent.agentId)]);
    assert.equal(
      h.updates(b.streamId)[0]?.message,
      `Task launched with invalid offers: Offer ${offer.id.value} has invalid framework`,
    );
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 1, "the other framework's offer stays");
  });

  it("offers from two agents are invalid and both are consumed", () => {
    const h = new Harness();
    const a1 = h.addAgent("a1");
    h.addAgent("a2");
    const fw = h.subscribe();
    h.allocate();
    const offers = h.offers(fw.streamId);
    assert.equal(offers.length, 2);
    const ids = offers.map((o) => o.id);
    h.launch(fw, ids, [commandTask("t1", a1.agentId)]);
    const status = h.updates(fw.streamId)[0];
    assert.equal(status?.state, "TASK_LOST");
    assert.match(status?.message ?? "", /Aggregated offers must belong to one single agent/);
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 0);
  });

  it("a duplicated offer id is invalid", () => {
    const { h, agent, fw, offer } = withOffer();
    h.launch(fw, [offer.id, offer.id], [commandTask("t1", agent.agentId)]);
    assert.equal(
      h.updates(fw.streamId)[0]?.message,
      `Task launched with invalid offers: Duplicate offer ${offer.id.value} in offer list`,
    );
  });

  for (const [name, mutate, message] of [
    [
      "a bad task id",
      (t: TaskInfo) => ({ ...t, task_id: { value: "a/b" } }),
      "Task ID 'a/b' is invalid: ID 'a/b' contains invalid characters '/' or '\\'",
    ],
    [
      "resources not in the offer",
      (t: TaskInfo) => ({ ...t, resources: wireResources("cpus:8;mem:128") }),
      /^Task uses more resources cpus\{allocated:\*\}:8; mem\{allocated:\*\}:128 than available/,
    ],
    ["no resources", (t: TaskInfo) => ({ ...t, resources: [] }), "Task uses no resources"],
    [
      "both command and executor",
      (t: TaskInfo) => ({
        ...t,
        executor: { executor_id: { value: "e" }, command: { shell: true, value: "x" } },
      }),
      "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present",
    ],
    [
      "neither command nor executor",
      (t: TaskInfo) => {
        const { command: _c, ...rest } = t;
        return rest as TaskInfo;
      },
      "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present",
    ],
    [
      "another agent's id",
      (t: TaskInfo) => ({ ...t, agent_id: { value: "M-S9" } }),
      "Task uses invalid agent: M-S9",
    ],
    [
      "an executor of another framework",
      (t: TaskInfo) => {
        const { command: _c, ...rest } = t;
        return {
          ...rest,
          executor: {
            executor_id: { value: "e" },
            framework_id: { value: "other" },
            command: { shell: true, value: "x" },
          },
        } as TaskInfo;
      },
      "ExecutorInfo has an invalid FrameworkID (Actual: other vs Expected: M-0000)",
    ],
  ] as const) {
    it(`a task with ${name} gets TASK_ERROR (REASON_TASK_INVALID) and leaves state unchanged`, () => {
      const { h, agent, fw, offer } = withOffer();
      h.launch(fw, [offer.id], [mutate(commandTask("t1", agent.agentId))]);
      const status = h.updates(fw.streamId)[0];
      assert.equal(status?.state, "TASK_ERROR");
      assert.equal(status?.reason, "REASON_TASK_INVALID");
      if (typeof message === "string") assert.equal(status?.message, message);
      else assert.match(status?.message ?? "", message);
      const snap = h.master.snapshot(h.nowMs);
      assert.equal(snap.tasks.length, 0);
      assert.equal(snap.offers.length, 0, "the offer is consumed");
      assert.equal(h.agentEventsOn(agent.streamId).filter((e) => e.type === "RUN_TASK").length, 0);
      // The whole offer goes back to the allocator.
      assert.equal(
        h.allocator.calls.at(-1),
        `recover ${fw.frameworkId} ${agent.agentId} cpus{allocated:*}:4; mem{allocated:*}:1024 5`,
      );
    });
  }

  it("duplicate task ids in one ACCEPT: the second gets TASK_ERROR 'Task has duplicate ID'", () => {
    const { h, agent, fw, offer } = withOffer();
    h.launch(fw, [offer.id], [commandTask("t1", agent.agentId), commandTask("t1", agent.agentId)]);
    const updates = h.updates(fw.streamId);
    assert.equal(updates.length, 1);
    assert.equal(updates[0]?.message, "Task has duplicate ID: t1");
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 1);
  });

  it("tasks draw from one pool: the second task that no longer fits gets TASK_ERROR", () => {
    const { h, agent, fw, offer } = withOffer();
    h.launch(
      fw,
      [offer.id],
      [
        commandTask("t1", agent.agentId, "cpus:3;mem:100"),
        commandTask("t2", agent.agentId, "cpus:3;mem:100"),
      ],
    );
    assert.equal(h.updates(fw.streamId)[0]?.task_id.value, "t2");
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 1);
  });

  it("LAUNCH_GROUP launches every task on the default executor with one RUN_TASK_GROUP", () => {
    const { h, agent, fw, offer } = withOffer();
    const tasks = [commandTask("g1", agent.agentId), commandTask("g2", agent.agentId)];
    launchGroup(h, fw, offer.id, tasks, "cpus:0.1;mem:32");
    const snap = h.master.snapshot(h.nowMs);
    assert.deepEqual(
      snap.tasks.map((t) => [t.taskId, t.executorId, t.state]),
      [
        ["g1", "ex", "TASK_STAGING"],
        ["g2", "ex", "TASK_STAGING"],
      ],
    );
    assert.equal(
      h.agentEventsOn(agent.streamId).filter((e) => e.type === "RUN_TASK_GROUP").length,
      1,
    );
  });

  it("an invalid task in a group fails the whole group with REASON_TASK_GROUP_INVALID", () => {
    const { h, agent, fw, offer } = withOffer();
    launchGroup(h, fw, offer.id, [
      commandTask("g1", agent.agentId),
      commandTask("g1", agent.agentId),
    ]);
    const updates = h.updates(fw.streamId);
    assert.deepEqual(
      updates.map((u) => [u.state, u.reason]),
      [
        ["TASK_ERROR", "REASON_TASK_GROUP_INVALID"],
        ["TASK_ERROR", "REASON_TASK_GROUP_INVALID"],
      ],
    );
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 0);
  });

  for (const [what, container, message] of [
    [
      "a DOCKER ContainerInfo",
      { type: "DOCKER", docker: { image: "busybox" } },
      "Docker ContainerInfo is not supported on the task",
    ],
    [
      "NetworkInfos",
      { type: "MESOS", network_infos: [{ name: "net" }] },
      "NetworkInfos must not be set on the task",
    ],
  ] as const) {
    it(`a task of a group with ${what} fails the group, as in Mesos`, () => {
      const { h, agent, fw, offer } = withOffer();
      const task = { ...commandTask("g1", agent.agentId), container };
      launchGroup(h, fw, offer.id, [task]);
      const update = h.updates(fw.streamId).at(-1);
      assert.equal(update?.state, "TASK_ERROR");
      assert.equal(update?.reason, "REASON_TASK_GROUP_INVALID");
      assert.equal(update?.message, message);
    });
  }
});

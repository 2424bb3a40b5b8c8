import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SchedulerCallReply } from "../../../src/master/core/types.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { acceptCall } from "../scheduler-calls.ts";
import { agentSubscribeCall, commandTask, Harness } from "./harness.ts";

const reservation = (principal = "ops") => [{ type: "DYNAMIC" as const, role: "web", principal }];

function reserved(name: string, value: number, principal = "ops"): Resource {
  return {
    name,
    type: "SCALAR",
    scalar: { value },
    reservations: reservation(principal),
  } as Resource;
}

function volume(
  id: string,
  size: number,
  extra: { mode?: "RW" | "RO"; principal?: string; shared?: boolean } = {},
): Resource {
  return {
    ...reserved("disk", size),
    disk: {
      persistence: { id, principal: extra.principal ?? "ops" },
      volume: { container_path: "data", mode: extra.mode ?? "RW" },
    },
    ...(extra.shared ? { shared: {} } : {}),
  } as Resource;
}

const FRAMEWORK = {
  roles: ["web"],
  principal: "ops",
  capabilities: [{ type: "MULTI_ROLE" as const }, { type: "RESERVATION_REFINEMENT" as const }],
};

function setup() {
  const h = new Harness();
  const agent = h.addAgent("a1", "cpus:4;mem:1024;disk:1000");
  const fw = h.subscribe(FRAMEWORK);
  h.allocate();
  const offer = h.offers(fw.streamId).at(-1);
  assert.ok(offer);
  return { h, agent, fw, offer };
}

function operationErrors(h: Harness, streamId: string): string[] {
  return h
    .frameworkEvents(streamId)
    .flatMap((e) =>
      e.type === "UPDATE_OPERATION_STATUS" &&
      e.update_operation_status?.status.state === "OPERATION_ERROR"
        ? [e.update_operation_status.status.message ?? ""]
        : [],
    );
}

function lastCheckpoint(h: Harness, streamId: string) {
  return h
    .agentEventsOn(streamId)
    .filter((e) => e.type === "CHECKPOINT_RESOURCES")
    .at(-1)?.checkpoint_resources;
}

function replyOf(h: Harness, requestId: number): SchedulerCallReply | undefined {
  const o = h.replies.get(requestId);
  return o?.kind === "reply" ? o.reply : undefined;
}

/** RESERVE disk and CREATE a volume on it, both with feedback; the agent applies both. */
function reserveAndCreate() {
  const s = setup();
  const { h, agent, fw, offer } = s;
  h.call(
    fw.streamId,
    fw.frameworkId,
    acceptCall(
      [offer.id],
      [
        { type: "RESERVE", id: { value: "r1" }, reserve: { resources: [reserved("disk", 100)] } },
        { type: "CREATE", id: { value: "c1" }, create: { volumes: [volume("vol1", 100)] } },
      ],
      { refuse_seconds: 0 },
    ),
  );
  const checkpoints = h
    .agentEventsOn(agent.streamId)
    .filter((e) => e.type === "CHECKPOINT_RESOURCES");
  for (const c of checkpoints) {
    const op = c.checkpoint_resources?.operation;
    assert.ok(op !== undefined);
    h.agentCall(agent.agentId, {
      type: "UPDATE_OPERATION_STATUS",
      agent_id: { value: agent.agentId },
      update_operation_status: {
        framework_id: { value: fw.frameworkId },
        operation_uuid: op.uuid,
        status: {
          operation_id: op.operation_id,
          state: "OPERATION_FINISHED",
          uuid: { value: Buffer.alloc(16, checkpoints.indexOf(c) + 1).toString("base64") },
        },
      },
    });
  }
  return s;
}

describe("persistent volumes at ACCEPT", () => {
  it("RESERVE then CREATE checkpoint the volume on the agent, report OPERATION_FINISHED per operation id, and offer the volume back", () => {
    const { h, agent, fw } = reserveAndCreate();
    const checkpoint = lastCheckpoint(h, agent.streamId);
    assert.deepEqual(
      checkpoint?.resources?.map((r) => [r.name, r.scalar?.value, r.disk?.persistence?.id]),
      [["disk", 100, "vol1"]],
    );
    const statuses = h
      .frameworkEvents(fw.streamId)
      .flatMap((e) =>
        e.type === "UPDATE_OPERATION_STATUS" ? [e.update_operation_status?.status] : [],
      );
    assert.deepEqual(
      statuses.map((s) => [s?.operation_id?.value, s?.state, s?.agent_id?.value]),
      [
        ["r1", "OPERATION_FINISHED", agent.agentId],
        ["c1", "OPERATION_FINISHED", agent.agentId],
      ],
    );
    assert.equal(h.master.getOperations().length, 2);
    // Acknowledging a terminal status forgets the operation.
    for (const s of statuses) {
      h.call(fw.streamId, fw.frameworkId, {
        type: "ACKNOWLEDGE_OPERATION_STATUS",
        acknowledge_operation_status: {
          agent_id: { value: agent.agentId },
          uuid: s?.uuid?.value ?? "",
          operation_id: { value: s?.operation_id?.value ?? "" },
        },
      });
    }
    assert.deepEqual(h.master.getOperations(), []);
    h.allocate();
    const next = h.offers(fw.streamId).at(-1);
    const vol = next?.resources?.find((r) => r.disk?.persistence?.id === "vol1");
    assert.equal(vol?.scalar?.value, 100);
    assert.equal(vol?.reservations?.at(-1)?.role, "web");
    const plain = next?.resources?.find((r) => r.name === "disk" && r.disk === undefined);
    assert.equal(plain?.scalar?.value, 900);
    assert.deepEqual(h.master.invariantViolations(), []);
  });

  it("a task using the volume is launched with it, and DESTROY is refused while it runs", () => {
    const { h, agent, fw } = reserveAndCreate();
    h.allocate();
    const offer = h.offers(fw.streamId).at(-1);
    assert.ok(offer);
    const plainTask = {
      ...commandTask("t2", agent.agentId, "cpus:0.5;mem:32"),
      resources: [
        ...commandTask("t2", agent.agentId, "cpus:0.5;mem:32").resources!,
        volume("vol1", 100),
      ],
    };
    h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall([offer.id], [{ type: "LAUNCH", launch: { task_infos: [plainTask] } }]),
    );
    const run = h.agentEventsOn(agent.streamId).find((e) => e.type === "RUN_TASK");
    assert.ok(
      run?.run_task?.task.resources?.some((r) => r.disk?.persistence?.id === "vol1"),
      "the agent is told the task uses the volume",
    );
    const id = h.operator({
      type: "OFFER_OPERATION",
      agentId: agent.agentId,
      operation: { type: "DESTROY", destroy: { volumes: [volume("vol1", 100)] } },
      principal: undefined,
    });
    const reply = replyOf(h, id);
    assert.equal(reply?.ok, false);
    assert.equal(
      reply?.ok === false ? reply.error.message : "",
      "Invalid DESTROY operation: Persistent volumes in use",
    );
  });

  it("every refusal gives Mesos's message and changes nothing", () => {
    const { h, agent, fw, offer } = reserveAndCreate();
    const before = lastCheckpoint(h, agent.streamId);
    h.allocate();
    const next = h.offers(fw.streamId).at(-1);
    assert.ok(next && next.id.value !== offer.id.value);
    const ops = [
      { type: "CREATE", id: { value: "dup" }, create: { volumes: [volume("vol1", 100)] } },
      {
        type: "CREATE",
        id: { value: "ro" },
        create: { volumes: [volume("v2", 10, { mode: "RO" })] },
      },
      {
        type: "CREATE",
        id: { value: "sh" },
        create: { volumes: [volume("v3", 10, { shared: true })] },
      },
      {
        type: "CREATE",
        id: { value: "pr" },
        create: { volumes: [volume("v4", 10, { principal: "other" })] },
      },
      { type: "UNRESERVE", id: { value: "ur" }, unreserve: { resources: [volume("vol1", 100)] } },
      { type: "DESTROY", id: { value: "nf" }, destroy: { volumes: [volume("nope", 100)] } },
      {
        type: "RESERVE",
        id: { value: "rp" },
        reserve: { resources: [reserved("cpus", 1, "mallory")] },
      },
      {
        type: "RESERVE",
        id: { value: "rr" },
        reserve: {
          resources: [
            {
              ...reserved("cpus", 1),
              reservations: [{ type: "DYNAMIC", role: "db", principal: "ops" }],
            },
          ],
        },
      },
      {
        type: "SHRINK_VOLUME",
        id: { value: "sk" },
        shrink_volume: { volume: volume("vol1", 100), subtract: { value: 100 } },
      },
      {
        type: "GROW_VOLUME",
        id: { value: "gz" },
        grow_volume: { volume: volume("vol1", 100), addition: { ...reserved("disk", 0) } },
      },
    ];
    h.call(fw.streamId, fw.frameworkId, acceptCall([next.id], ops));
    const errors = operationErrors(h, fw.streamId).map((m) => m.replace(/; on agent .*$/, ""));
    assert.equal(errors.length, ops.length, errors.join("\n"));
    assert.deepEqual(
      errors.filter((_, i) => i !== 2 && i !== 4),
      [
        "Persistence ID 'vol1' is not unique",
        "Not a persistent volume: Read-only persistent volume not supported",
        "Create volume operation attempted by authenticated principal 'ops', which does not match a volume in the operation with principal 'other' set in 'disk.persistence'",
        "Persistent volumes not found",
        "A reserve operation was attempted by authenticated principal 'ops', which does not match a reserved resource in the request with principal 'mallory'",
        "A reserve operation was attempted for a resource with role 'db', but the resource was allocated to role 'web'",
        "Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'",
        "The size of 'GrowVolume.addition' field must be greater than zero",
      ],
    );
    assert.match(
      errors[2] ?? "",
      new RegExp(
        `^Create volume operation for '.*' has been attempted by framework '${fw.frameworkId}' with no SHARED_RESOURCES capability$`,
      ),
    );
    assert.match(
      errors[4] ?? "",
      /^A dynamically reserved persistent volume .* cannot be unreserved directly\. Please destroy the persistent volume first then unreserve the resource$/,
    );
    assert.deepEqual(lastCheckpoint(h, agent.streamId), before);
    assert.deepEqual(h.master.invariantViolations(), []);
  });
});

describe("operation feedback", () => {
  function pendingReserve() {
    const s = setup();
    s.h.call(
      s.fw.streamId,
      s.fw.frameworkId,
      acceptCall(
        [s.offer.id],
        [{ type: "RESERVE", id: { value: "r1" }, reserve: { resources: [reserved("disk", 10)] } }],
        { refuse_seconds: 0 },
      ),
    );
    return s;
  }

  const statuses = (h: Harness, streamId: string) =>
    h
      .frameworkEvents(streamId)
      .flatMap((e) =>
        e.type === "UPDATE_OPERATION_STATUS" && e.update_operation_status
          ? [e.update_operation_status.status]
          : [],
      );

  it("RECONCILE_OPERATIONS answers the latest status of a known operation, and what the master can say of unknown ones, without uuids", () => {
    const { h, agent, fw } = pendingReserve();
    h.call(fw.streamId, fw.frameworkId, {
      type: "RECONCILE_OPERATIONS",
      reconcile_operations: {
        operations: [
          { operation_id: { value: "r1" }, agent_id: { value: agent.agentId } },
          { operation_id: { value: "other" }, agent_id: { value: "no-such-agent" } },
          { operation_id: { value: "nowhere" } },
        ],
      },
    });
    assert.deepEqual(
      statuses(h, fw.streamId).map((s) => [s.operation_id?.value, s.state, s.uuid]),
      [
        ["r1", "OPERATION_PENDING", undefined],
        ["other", "OPERATION_UNKNOWN", undefined],
        ["nowhere", "OPERATION_UNKNOWN", undefined],
      ],
    );
    // Implicit reconciliation: every operation the master tracks for the framework.
    h.call(fw.streamId, fw.frameworkId, {
      type: "RECONCILE_OPERATIONS",
      reconcile_operations: { operations: [] },
    });
    assert.deepEqual(
      statuses(h, fw.streamId)
        .slice(3)
        .map((s) => [s.operation_id?.value, s.state]),
      [["r1", "OPERATION_PENDING"]],
    );
  });

  it("a pending operation whose agent is marked gone ends OPERATION_GONE_BY_OPERATOR, to be acknowledged", () => {
    const { h, agent, fw } = pendingReserve();
    h.operator({ type: "MARK_AGENT_GONE", agentId: agent.agentId });
    const gone = statuses(h, fw.streamId).at(-1);
    assert.equal(gone?.state, "OPERATION_GONE_BY_OPERATOR");
    assert.ok(gone?.uuid?.value);
    h.call(fw.streamId, fw.frameworkId, {
      type: "ACKNOWLEDGE_OPERATION_STATUS",
      acknowledge_operation_status: {
        agent_id: { value: agent.agentId },
        uuid: gone?.uuid?.value ?? "",
        operation_id: { value: "r1" },
      },
    });
    assert.deepEqual(h.master.getOperations(), []);
  });

  it("an agent back with the master's checkpoint had applied the pending operation: it is reported finished", () => {
    const { h, agent, fw } = pendingReserve();
    const checkpoint = lastCheckpoint(h, agent.streamId);
    // The agent is back after a restart: its old stream has closed.
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    h.step({
      kind: "agent_subscribe",
      agentStreamId: h.newStreamId("agent"),
      call: agentSubscribeCall("a1", "cpus:4;mem:1024;disk:1000", {
        agent_id: { value: agent.agentId },
        checkpointed_resources: checkpoint?.resources ?? [],
      }),
    });
    const finished = statuses(h, fw.streamId).at(-1);
    assert.deepEqual(
      [finished?.operation_id?.value, finished?.state],
      ["r1", "OPERATION_FINISHED"],
    );
    assert.ok(finished?.uuid?.value, "to be acknowledged");
  });

  it("an agent back without it is sent the checkpoint again with the operation, whose report also finishes earlier ones", () => {
    const { h, agent, fw } = pendingReserve();
    h.allocate();
    const offer = h.offers(fw.streamId).at(-1);
    assert.ok(offer);
    h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall(
        [offer.id],
        [{ type: "RESERVE", id: { value: "r2" }, reserve: { resources: [reserved("cpus", 1)] } }],
      ),
    );
    // The agent is back after a restart: its old stream has closed.
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    const stream = h.newStreamId("agent");
    h.reregister(stream, agent.agentId);
    const resent = h.agentEventsOn(stream).find((e) => e.type === "CHECKPOINT_RESOURCES");
    const op = resent?.checkpoint_resources?.operation;
    assert.equal(op?.operation_id?.value, "r2");
    h.agentCall(agent.agentId, {
      type: "UPDATE_OPERATION_STATUS",
      agent_id: { value: agent.agentId },
      update_operation_status: {
        framework_id: { value: fw.frameworkId },
        operation_uuid: op!.uuid,
        status: {
          state: "OPERATION_FINISHED",
          uuid: { value: Buffer.alloc(16, 9).toString("base64") },
        },
      },
    });
    assert.deepEqual(
      statuses(h, fw.streamId).map((s) => [s.operation_id?.value, s.state]),
      [
        ["r2", "OPERATION_FINISHED"],
        ["r1", "OPERATION_FINISHED"],
      ],
    );
  });

  it("an operation with an id in an ACCEPT of invalid offers gets OPERATION_ERROR", () => {
    const { h, fw, offer } = pendingReserve();
    h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall(
        [offer.id],
        [{ type: "RESERVE", id: { value: "late" }, reserve: { resources: [reserved("disk", 1)] } }],
      ),
    );
    const error = statuses(h, fw.streamId).find((s) => s.operation_id?.value === "late");
    assert.equal(error?.state, "OPERATION_ERROR");
    assert.match(error?.message ?? "", /is no longer valid/);
  });

  it("a torn-down framework's operations are forgotten", () => {
    const { h, fw } = pendingReserve();
    assert.equal(h.master.getOperations().length, 1);
    h.call(fw.streamId, fw.frameworkId, { type: "TEARDOWN" });
    assert.deepEqual(h.master.getOperations(), []);
  });
});

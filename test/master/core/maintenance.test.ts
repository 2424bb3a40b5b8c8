// Maintenance in the master core (src/master/core/maintenance.ts, inverse-offers.ts) with the
// real DRF allocator: the schedule makes machines DRAINING (offers carry the window, holders
// get inverse offers), answers are recorded, DOWN removes and refuses the machine's agents,
// UP lets them back, and a restarted master carries on from the registry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Allocator } from "../../../src/allocator/index.ts";
import type { MaintenanceWindow } from "../../../src/master/core/registry-state.ts";
import type { OperatorCall, SchedulerCallReply } from "../../../src/master/core/types.ts";
import type { InverseOffer } from "../../../src/master/core/wire-types.ts";
import type { MachineID } from "../../../src/wire/framework.ts";
import { agentSubscribeCall, commandTask, Harness, type HarnessOptions } from "./harness.ts";

const PA = [{ type: "PARTITION_AWARE" as const }];
const START_NS = 2_000_000_000_000_000_000;
const WINDOW = { start: { nanoseconds: START_NS }, duration: { nanoseconds: 3_600_000_000_000 } };
const machine = (n: number): MachineID => ({ hostname: `a${n}`, ip: `10.0.0.${n}` });

function master(options: HarnessOptions = {}) {
  return new Harness({ allocator: new Allocator({ seed: 7 }), ...options });
}

function addAgent(h: Harness, n: number) {
  return h.addAgent(`a${n}`, "cpus:4;mem:1024", { address: { ip: `10.0.0.${n}`, port: 5051 } });
}

/** Agent a<n> subscribes again with its id (a re-registration), on a new stream. */
function reregister(h: Harness, n: number, agentId: string): string {
  const stream = h.newStreamId("agent");
  h.step({
    kind: "agent_subscribe",
    agentStreamId: stream,
    call: agentSubscribeCall(`a${n}`, "cpus:4;mem:1024", {
      agent_id: { value: agentId },
      address: { ip: `10.0.0.${n}`, port: 5051 },
    }),
  });
  return stream;
}

function call(h: Harness, c: OperatorCall): SchedulerCallReply | undefined {
  const out = h.replies.get(h.operator(c));
  return out?.kind === "reply" ? out.reply : undefined;
}

function schedule(h: Harness, ...windows: MaintenanceWindow[]) {
  return call(h, { type: "UPDATE_MAINTENANCE_SCHEDULE", windows });
}

function inverseOffers(h: Harness, streamId: string): InverseOffer[] {
  return h
    .frameworkEvents(streamId)
    .flatMap((e) => (e.type === "INVERSE_OFFERS" ? (e.inverse_offers?.inverse_offers ?? []) : []));
}

/** `framework@agent` for every offer or task a framework holds on the given agents. */
function holdings(h: Harness, agentIds: readonly string[]): string[] {
  const s = h.master.snapshot(h.nowMs);
  const held = new Set<string>();
  for (const o of s.offers)
    if (agentIds.includes(o.agentId)) held.add(`${o.frameworkId}@${o.agentId}`);
  for (const t of s.tasks)
    if (agentIds.includes(t.agentId)) held.add(`${t.frameworkId}@${t.agentId}`);
  return [...held].sort();
}

/** A framework running t1 on agent a1; agents a1, a2, a3 registered. */
function cluster(info: Parameters<Harness["subscribe"]>[0] = {}) {
  const h = master();
  const agents = [addAgent(h, 1), addAgent(h, 2), addAgent(h, 3)];
  const fw = h.subscribe(info);
  h.allocate();
  const offer = h.offers(fw.streamId).find((o) => o.agent_id.value === agents[0]!.agentId);
  assert.ok(offer !== undefined);
  h.launch(fw, [offer.id], [commandTask("t1", agents[0]!.agentId)], { refuse_seconds: 0 });
  return { h, agents, fw };
}

describe("maintenance: DRAINING", () => {
  it("a schedule makes its machines DRAINING: their offers carry the window and every framework holding resources there gets one inverse offer per agent", () => {
    const { h, agents, fw } = cluster();
    const other = h.subscribe({ name: "other" });
    const [a1, a2, a3] = agents.map((a) => a.agentId) as [string, string, string];
    assert.deepEqual(
      schedule(h, { machineIds: [machine(1), machine(2)], unavailability: WINDOW }),
      {
        ok: true,
        status: 200,
      },
    );
    assert.deepEqual(
      [...h.registry.maintenance.machines.values()].map((m) => [m.id.hostname, m.mode]),
      [
        ["a1", "DRAINING"],
        ["a2", "DRAINING"],
      ],
    );
    h.clear();
    h.allocate();
    const offers = [...h.offers(fw.streamId), ...h.offers(other.streamId)];
    assert.ok(offers.length > 0);
    for (const o of offers) {
      const drained = o.agent_id.value !== a3;
      assert.deepEqual(o.unavailability, drained ? WINDOW : undefined, `offer on ${o.hostname}`);
    }
    const seen = [fw, other].flatMap((f) =>
      inverseOffers(h, f.streamId).map((io) => `${io.framework_id.value}@${io.agent_id?.value}`),
    );
    assert.deepEqual(seen.sort(), holdings(h, [a1, a2]));
    assert.ok(seen.includes(`${fw.frameworkId}@${a1}`), "the task's framework is asked for a1");
    const first = inverseOffers(h, fw.streamId)[0]!;
    assert.deepEqual(first.unavailability, WINDOW);
    assert.deepEqual(first.resources ?? [], []);
    assert.equal(first.url?.address.ip, "10.0.0.1");
    h.clear();
    h.advance(5_000);
    assert.deepEqual(inverseOffers(h, fw.streamId), [], "one outstanding inverse offer per agent");
  });

  it("ACCEPT and DECLINE are recorded in the maintenance status with their time; refuse_seconds only delays the next inverse offer", () => {
    const { h, agents, fw } = cluster();
    schedule(h, { machineIds: [machine(1)], unavailability: WINDOW });
    h.allocate();
    const io = inverseOffers(h, fw.streamId).find((x) => x.agent_id?.value === agents[0]!.agentId)!;
    const answeredMs = h.nowMs;
    const reply = h.call(fw.streamId, fw.frameworkId, {
      type: "DECLINE_INVERSE_OFFERS",
      decline_inverse_offers: { inverse_offer_ids: [io.id], filters: { refuse_seconds: 30 } },
    });
    assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 202 });
    const status = h.master.maintenanceStatus();
    assert.deepEqual(status.draining_machines, [
      {
        id: machine(1),
        statuses: [
          {
            status: "DECLINE",
            framework_id: { value: fw.frameworkId },
            timestamp: { nanoseconds: answeredMs * 1_000_000 },
          },
        ],
      },
    ]);
    h.clear();
    h.advance(25_000);
    assert.deepEqual(inverseOffers(h, fw.streamId), [], "filtered for 30 s");
    h.advance(6_000);
    const again = inverseOffers(h, fw.streamId);
    assert.equal(again.length, 1, "asked again once the filter expired");
    h.call(fw.streamId, fw.frameworkId, {
      type: "ACCEPT_INVERSE_OFFERS",
      accept_inverse_offers: { inverse_offer_ids: [again[0]!.id] },
    });
    assert.equal(h.master.maintenanceStatus().draining_machines[0]?.statuses[0]?.status, "ACCEPT");
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 1, "answers are advisory only");
    assert.deepEqual(h.master.invariantViolations(), []);
  });

  it("a schedule change rescinds the agent's offers and inverse offers; leaving the schedule clears the window", () => {
    const { h, fw } = cluster();
    schedule(h, { machineIds: [machine(1)], unavailability: WINDOW });
    h.allocate();
    const io = inverseOffers(h, fw.streamId)[0]!;
    h.clear();
    schedule(h, { machineIds: [machine(2)], unavailability: WINDOW });
    const events = h.frameworkEvents(fw.streamId);
    assert.ok(
      events.some((e) => e.rescind_inverse_offer?.inverse_offer_id.value === io.id.value),
      "RESCIND_INVERSE_OFFER for a1",
    );
    assert.deepEqual(h.master.maintenanceSchedule().windows[0]?.machine_ids, [machine(2)]);
    h.clear();
    h.allocate();
    for (const o of h.offers(fw.streamId)) {
      assert.equal(o.unavailability !== undefined, o.hostname === "a2", `offer on ${o.hostname}`);
    }
  });
});

describe("maintenance: --offer_timeout", () => {
  it("an unanswered inverse offer is rescinded after --offer_timeout and made again", () => {
    const h = master({ flags: { offerTimeoutMs: 10_000 } });
    addAgent(h, 1);
    const fw = h.subscribe();
    h.allocate();
    schedule(h, { machineIds: [machine(1)], unavailability: WINDOW });
    h.allocate();
    const [first] = inverseOffers(h, fw.streamId);
    assert.ok(first !== undefined);
    h.clear();
    h.advance(9_000);
    assert.deepEqual(inverseOffers(h, fw.streamId), [], "still outstanding before the timeout");
    h.advance(1_500);
    const rescinded = h
      .frameworkEvents(fw.streamId)
      .flatMap((e) => (e.type === "RESCIND_INVERSE_OFFER" ? [e.rescind_inverse_offer] : []));
    assert.deepEqual(rescinded, [{ inverse_offer_id: first.id }]);
    const again = inverseOffers(h, fw.streamId);
    assert.equal(again.length, 1);
    assert.notEqual(again[0]?.id.value, first.id.value);
  });
});

describe("maintenance: DOWN and UP", () => {
  it("DOWN shuts down and removes the machine's agents in the same registry write; tasks become TASK_LOST", () => {
    const { h, agents, fw } = cluster();
    schedule(h, { machineIds: [machine(1)], unavailability: WINDOW });
    h.clear();
    assert.deepEqual(call(h, { type: "START_MAINTENANCE", machines: [machine(1)] }), {
      ok: true,
      status: 200,
    });
    const ops = h.outputs.flatMap((o) => (o.kind === "persist" ? o.ops.map((op) => op.type) : []));
    assert.deepEqual(ops, ["StartMaintenance", "RemoveAgent"]);
    const a1 = agents[0]!;
    assert.deepEqual(h.agentEventsOn(a1.streamId), [
      { type: "SHUTDOWN", shutdown: { message: "Operator initiated 'Machine DOWN'" } },
    ]);
    assert.ok(h.closedStreams.has(a1.streamId));
    const [lost] = h.updates(fw.streamId);
    assert.equal(lost?.state, "TASK_LOST");
    assert.equal(lost?.reason, "REASON_AGENT_REMOVED");
    assert.equal(lost?.message, "Operator initiated 'Machine DOWN'");
    assert.equal(h.registry.admitted.has(a1.agentId), false);
    assert.deepEqual(h.master.maintenanceStatus(), {
      draining_machines: [],
      down_machines: [machine(1)],
    });
    const removed = h.outputs.flatMap((o) =>
      o.kind === "operator_event" && o.event.type === "AGENT_REMOVED"
        ? [o.event.agent_removed?.agent_id.value]
        : [],
    );
    assert.deepEqual(removed, [a1.agentId], "AGENT_REMOVED on the operator event stream");
    assert.deepEqual(h.master.invariantViolations(), []);
  });

  it("a PARTITION_AWARE framework's tasks on a DOWN machine become TASK_GONE_BY_OPERATOR", () => {
    const { h, fw } = cluster({ capabilities: PA });
    schedule(h, { machineIds: [machine(1)], unavailability: WINDOW });
    call(h, { type: "START_MAINTENANCE", machines: [machine(1)] });
    const [gone] = h.updates(fw.streamId);
    assert.equal(gone?.state, "TASK_GONE_BY_OPERATOR");
    assert.equal(gone?.reason, "REASON_AGENT_REMOVED_BY_OPERATOR");
  });

  it("an agent on a DOWN machine is refused until the machine is UP, which also ends its schedule", () => {
    const { h, agents } = cluster();
    schedule(h, { machineIds: [machine(1), machine(2)], unavailability: WINDOW });
    call(h, { type: "START_MAINTENANCE", machines: [machine(1)] });
    h.clear();
    const refused = addAgent(h, 1);
    assert.equal(refused.agentId, "", "no SUBSCRIBED");
    assert.deepEqual(h.agentEventsOn(refused.streamId), [
      { type: "SHUTDOWN", shutdown: { message: "Machine is `DOWN`" } },
    ]);
    assert.ok(h.closedStreams.has(refused.streamId));
    const again = reregister(h, 1, agents[0]!.agentId);
    assert.ok(h.closedStreams.has(again), "re-registration with its old id is refused too");
    assert.deepEqual(call(h, { type: "STOP_MAINTENANCE", machines: [machine(1)] }), {
      ok: true,
      status: 200,
    });
    assert.deepEqual(
      h.master.maintenanceSchedule().windows.map((w) => w.machine_ids),
      [[machine(2)]],
    );
    assert.notEqual(addAgent(h, 1).agentId, "", "registers once UP");
  });

  it("refusals carry Mesos's messages and change nothing", () => {
    const { h } = cluster();
    const bad = (c: OperatorCall) => {
      const reply = call(h, c);
      assert.ok(reply !== undefined && !reply.ok, JSON.stringify(c));
      assert.equal(reply.error.code, "invalid_call");
      return reply.error.message;
    };
    const upd = (windows: MaintenanceWindow[]) =>
      bad({ type: "UPDATE_MAINTENANCE_SCHEDULE", windows });
    assert.equal(
      upd([{ machineIds: [], unavailability: WINDOW }]),
      "List of machines in the maintenance window is empty",
    );
    assert.equal(
      upd([{ machineIds: [{}], unavailability: WINDOW }]),
      "Both 'hostname' and 'ip' for a machine are empty",
    );
    assert.equal(
      upd([{ machineIds: [{ ip: "10.0.0.256" }], unavailability: WINDOW }]),
      "Failed to parse IPv4: 10.0.0.256",
    );
    assert.equal(
      upd([
        {
          machineIds: [machine(1)],
          unavailability: { start: { nanoseconds: 0 }, duration: { nanoseconds: -1 } },
        },
      ]),
      "Unavailability 'duration' is negative",
    );
    assert.equal(
      upd([
        { machineIds: [machine(1)], unavailability: WINDOW },
        { machineIds: [{ hostname: "A1", ip: "10.0.0.1" }], unavailability: WINDOW },
      ]),
      `Machine '{"hostname":"A1","ip":"10.0.0.1"}' appears more than once in the schedule`,
    );
    const down = (machines: MachineID[]) => bad({ type: "START_MAINTENANCE", machines });
    const up = (machines: MachineID[]) => bad({ type: "STOP_MAINTENANCE", machines });
    assert.equal(down([]), "List of machines is empty");
    assert.equal(
      down([machine(1)]),
      `Machine '{"hostname":"a1","ip":"10.0.0.1"}' is not part of a maintenance schedule`,
    );
    schedule(h, { machineIds: [machine(1)], unavailability: WINDOW });
    assert.equal(
      up([machine(1)]),
      `Machine '{"hostname":"a1","ip":"10.0.0.1"}' is not in DOWN mode and cannot be brought up`,
    );
    call(h, { type: "START_MAINTENANCE", machines: [machine(1)] });
    assert.equal(
      down([machine(1)]),
      `Machine '{"hostname":"a1","ip":"10.0.0.1"}' is not in DRAINING mode and cannot be brought down`,
    );
    assert.equal(
      upd([]),
      `Machine '{"hostname":"a1","ip":"10.0.0.1"}' is deactivated and cannot be removed from the schedule`,
    );
    assert.equal(h.registry.maintenance.machines.get("a1|10.0.0.1")?.mode, "DOWN");
  });
});

describe("maintenance across a master restart", () => {
  it("modes and windows come back from the registry: re-registering agents' offers carry the window and inverse offers go out again; DOWN machines stay refused", () => {
    const { h, agents } = cluster();
    schedule(h, { machineIds: [machine(1), machine(2)], unavailability: WINDOW });
    call(h, { type: "START_MAINTENANCE", machines: [machine(2)] });
    const restarted = master({ registry: h.registry, masterId: "M2" });
    const a1 = agents[0]!.agentId;
    const stream = reregister(restarted, 1, a1);
    assert.ok(restarted.agentEventsOn(stream).some((e) => e.type === "SUBSCRIBED"));
    const fw = restarted.subscribe();
    restarted.allocate();
    const offer = restarted.offers(fw.streamId).find((o) => o.agent_id.value === a1);
    assert.deepEqual(offer?.unavailability, WINDOW);
    assert.equal(inverseOffers(restarted, fw.streamId).length, 1);
    assert.deepEqual(restarted.master.maintenanceStatus().down_machines, [machine(2)]);
    const refused = addAgent(restarted, 2);
    assert.equal(refused.agentId, "");
  });
});

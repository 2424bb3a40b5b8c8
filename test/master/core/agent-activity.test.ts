import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SchedulerCallReply } from "../../../src/master/core/types.ts";
import type { AgentEvent } from "../../../src/master/core/wire-types.ts";
import {
  agentSubscribeCall,
  agentUpdate,
  Harness,
  reportedTask,
  uuidOf,
  withTasks,
} from "./harness.ts";

function replyOf(h: Harness, requestId: number): SchedulerCallReply | undefined {
  const out = h.replies.get(requestId);
  return out?.kind === "reply" ? out.reply : undefined;
}

function persistedOps(h: Harness): string[] {
  return h.outputs.flatMap((o) => (o.kind === "persist" ? o.ops.map((op) => op.type) : []));
}

function kills(h: Harness, streamId: string): NonNullable<AgentEvent["kill_task"]>[] {
  return h
    .agentEventsOn(streamId)
    .flatMap((e) => (e.type === "KILL_TASK" && e.kill_task ? [e.kill_task] : []));
}

function agentView(h: Harness, agentId: string) {
  return h.master.getAgents().agents?.find((a) => a.agent_info.id?.value === agentId);
}

/** One agent running t1 and t2 for a framework. */
function running() {
  const { h, agent, fw } = withTasks(["t1", "t2"]);
  agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
  agentUpdate(h, agent.agentId, fw.frameworkId, "t2", "TASK_RUNNING", uuidOf(2));
  return { h, agent, fw };
}

describe("DEACTIVATE_AGENT and REACTIVATE_AGENT", () => {
  it("deactivation is answered once durable, rescinds the agent's offers and stops new ones; reactivation brings them back", () => {
    const h = new Harness({ holdRegistry: false });
    const agent = h.addAgent("a1");
    const fw = h.subscribe();
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, 1);
    h.holdRegistry = true;
    const request = h.operator({ type: "DEACTIVATE_AGENT", agentId: agent.agentId });
    assert.equal(replyOf(h, request), undefined, "no answer before DeactivateAgent is durable");
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 1);
    h.releaseRegistry();
    h.holdRegistry = false;
    assert.deepEqual(replyOf(h, request), { ok: true, status: 200 });
    assert.equal(h.registry.admitted.get(agent.agentId)?.deactivated, true);
    assert.ok(h.frameworkEvents(fw.streamId).some((e) => e.type === "RESCIND"));
    assert.equal(h.allocator.agents.get(agent.agentId)?.active, false);
    assert.equal(agentView(h, agent.agentId)?.deactivated, true);
    assert.equal(agentView(h, agent.agentId)?.active, false);

    const offersBefore = h.offers(fw.streamId).length;
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, offersBefore, "no offers while deactivated");

    const again = h.operator({ type: "REACTIVATE_AGENT", agentId: agent.agentId });
    assert.deepEqual(replyOf(h, again), { ok: true, status: 200 });
    assert.equal(h.registry.admitted.get(agent.agentId)?.deactivated, false);
    h.allocate();
    assert.equal(h.offers(fw.streamId).length, offersBefore + 1);
  });

  it("an unknown agent is refused 400 without a registry write", () => {
    const h = new Harness();
    h.clear();
    for (const type of ["DEACTIVATE_AGENT", "REACTIVATE_AGENT"] as const) {
      const request = h.operator({ type, agentId: "nope" });
      const reply = replyOf(h, request);
      assert.equal(reply?.ok, false);
      assert.equal(reply?.ok === false ? reply.error.code : "", "invalid_call");
      assert.equal(reply?.ok === false ? reply.error.message : "", "Unknown agent 'nope'");
    }
    const drain = h.operator({
      type: "DRAIN_AGENT",
      agentId: "nope",
      config: { mark_gone: false },
    });
    assert.equal(replyOf(h, drain)?.ok, false);
    assert.deepEqual(persistedOps(h), []);
  });

  it("a deactivated agent stays inactive when it re-registers after a master restart", () => {
    const before = new Harness();
    const agent = before.addAgent("a1");
    before.operator({ type: "DEACTIVATE_AGENT", agentId: agent.agentId });
    const h = new Harness({ registry: before.registry, masterId: "M2" });
    h.reregister(h.newStreamId("agent"), agent.agentId);
    assert.equal(h.allocator.agents.get(agent.agentId)?.active, false);
    assert.equal(agentView(h, agent.agentId)?.deactivated, true);
  });
});

describe("DRAIN_AGENT", () => {
  it("deactivates the agent and kills its tasks with the grace period capped at max_grace_period", () => {
    const { h, agent } = running();
    const request = h.operator({
      type: "DRAIN_AGENT",
      agentId: agent.agentId,
      config: { mark_gone: false, max_grace_period: { nanoseconds: 2_000_000_000 } },
    });
    assert.deepEqual(replyOf(h, request), { ok: true, status: 200 });
    assert.equal(h.allocator.agents.get(agent.agentId)?.active, false);
    assert.deepEqual(
      kills(h, agent.streamId).map((k) => [
        k.task_id.value,
        k.kill_policy?.grace_period?.nanoseconds,
      ]),
      [
        ["t1", 2_000_000_000],
        ["t2", 2_000_000_000],
      ],
    );
    assert.deepEqual(h.registry.admitted.get(agent.agentId)?.drainInfo?.state, "DRAINING");
    assert.equal(agentView(h, agent.agentId)?.drain_info?.state, "DRAINING");
  });

  it("is DRAINED once the last task is terminal, and REACTIVATE is refused until then", () => {
    const { h, agent, fw } = running();
    h.operator({ type: "DRAIN_AGENT", agentId: agent.agentId, config: { mark_gone: false } });
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_KILLED", uuidOf(3));
    assert.equal(h.registry.admitted.get(agent.agentId)?.drainInfo?.state, "DRAINING");
    const early = h.operator({ type: "REACTIVATE_AGENT", agentId: agent.agentId });
    const refused = replyOf(h, early);
    assert.equal(refused?.ok, false);
    assert.match(refused?.ok === false ? refused.error.message : "", /still draining/);

    agentUpdate(h, agent.agentId, fw.frameworkId, "t2", "TASK_KILLED", uuidOf(4));
    assert.equal(h.registry.admitted.get(agent.agentId)?.drainInfo?.state, "DRAINED");
    assert.equal(persistedOps(h).filter((op) => op === "MarkAgentDrained").length, 1);
    assert.equal(h.master.getAgents().agents?.length, 1, "drained without mark_gone stays");

    const later = h.operator({ type: "REACTIVATE_AGENT", agentId: agent.agentId });
    assert.deepEqual(replyOf(h, later), { ok: true, status: 200 });
    assert.equal(h.registry.admitted.get(agent.agentId)?.drainInfo, undefined);
    assert.equal(h.allocator.agents.get(agent.agentId)?.active, true);
  });

  it("with mark_gone the drained agent is marked gone and shut down", () => {
    const { h, agent, fw } = running();
    h.operator({ type: "DRAIN_AGENT", agentId: agent.agentId, config: { mark_gone: true } });
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_KILLED", uuidOf(3));
    agentUpdate(h, agent.agentId, fw.frameworkId, "t2", "TASK_KILLED", uuidOf(4));
    assert.ok(h.registry.gone.has(agent.agentId));
    assert.deepEqual(persistedOps(h).slice(-2), ["MarkAgentDrained", "MarkAgentGone"]);
    assert.ok(h.agentEventsOn(agent.streamId).some((e) => e.type === "SHUTDOWN"));
    assert.equal(h.master.getAgents().agents?.length, 0);
  });

  it("an agent without tasks is drained at once", () => {
    const h = new Harness();
    const agent = h.addAgent("a1");
    h.operator({ type: "DRAIN_AGENT", agentId: agent.agentId, config: { mark_gone: false } });
    assert.equal(h.registry.admitted.get(agent.agentId)?.drainInfo?.state, "DRAINED");
  });

  it("survives a master restart: the re-registering agent is kept inactive and its tasks killed again", () => {
    const { h: before, agent, fw } = running();
    before.operator({ type: "DRAIN_AGENT", agentId: agent.agentId, config: { mark_gone: false } });
    const h = new Harness({ registry: before.registry, masterId: "M2" });
    const streamId = h.newStreamId("agent");
    h.step({
      kind: "agent_subscribe",
      agentStreamId: streamId,
      call: agentSubscribeCall("a1", "cpus:4;mem:1024", {
        agent_id: { value: agent.agentId },
        tasks: [reportedTask(fw.frameworkId, "t1", agent.agentId, "TASK_RUNNING")],
        frameworks: [
          {
            id: { value: fw.frameworkId },
            user: "u",
            name: "fw",
            failover_timeout: 0,
            checkpoint: true,
          },
        ],
      }),
    });
    assert.equal(h.allocator.agents.get(agent.agentId)?.active, false);
    assert.deepEqual(
      kills(h, streamId).map((k) => k.task_id.value),
      ["t1"],
    );
    assert.equal(agentView(h, agent.agentId)?.drain_info?.state, "DRAINING");
  });
});

describe("UPDATE_QUOTA", () => {
  it("refuses nested roles, '*', guarantees above limits and guarantees beyond capacity, without a write", () => {
    const h = new Harness();
    h.addAgent("a1", "cpus:4;mem:1024");
    h.clear();
    const refused = (configs: Parameters<Harness["operator"]>[0] & { type: "UPDATE_QUOTA" }) => {
      const reply = replyOf(h, h.operator(configs));
      return reply?.ok === false ? reply.error.message : "accepted";
    };
    const config = (role: string, guarantees: Record<string, number>, limits = {}) => ({
      role,
      guarantees,
      limits,
    });
    assert.match(
      refused({ type: "UPDATE_QUOTA", force: false, configs: [config("a/b", { cpus: 1 })] }),
      /nested role 'a\/b' is not supported yet/,
    );
    assert.match(
      refused({ type: "UPDATE_QUOTA", force: false, configs: [config("*", { cpus: 1 })] }),
      /'\*'/,
    );
    assert.match(
      refused({
        type: "UPDATE_QUOTA",
        force: false,
        configs: [config("web", { cpus: 2 }, { cpus: 1 })],
      }),
      /exceeds its limit/,
    );
    assert.match(
      refused({ type: "UPDATE_QUOTA", force: false, configs: [config("web", { cpus: 5 })] }),
      /exceed the cluster capacity/,
    );
    // A misspelt resource name is named as such, not as a capacity shortfall.
    assert.match(
      refused({ type: "UPDATE_QUOTA", force: false, configs: [config("web", { cpu: 1 })] }),
      /no agent has a resource named 'cpu' \(agents have .*cpus.*; did you mean 'cpus'\?\)/,
    );
    assert.deepEqual(persistedOps(h), []);
    assert.equal(h.registry.quotas.size, 0);
  });

  it("is durable before the allocator learns it; force skips the capacity check; an empty config resets", () => {
    const h = new Harness({ holdRegistry: true });
    const request = h.operator({
      type: "UPDATE_QUOTA",
      force: true,
      configs: [{ role: "web", guarantees: { cpus: 5 }, limits: { cpus: 8 } }],
    });
    assert.equal(replyOf(h, request), undefined);
    assert.equal(h.allocator.quotas.has("web"), false, "allocator untouched before durable");
    h.releaseRegistry();
    assert.deepEqual(replyOf(h, request), { ok: true, status: 200 });
    assert.ok(h.allocator.quotas.get("web") !== undefined);
    assert.equal(h.registry.quotas.get("web")?.guarantees.cpus, 5);
    assert.equal(h.master.snapshot(h.nowMs).quotas.get("web")?.limits.cpus, 8);
    h.holdRegistry = false;
    h.operator({
      type: "UPDATE_QUOTA",
      force: false,
      configs: [{ role: "web", guarantees: {}, limits: {} }],
    });
    assert.equal(h.master.snapshot(h.nowMs).quotas.has("web"), false);
    assert.equal(h.allocator.quotas.get("web"), undefined);
  });
});

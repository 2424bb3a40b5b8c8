// Agents joining: register and re-register (known, unreachable, recovered from the registry,
// unknown), with the tasks and executors they report (reference §5.1). Registry writes come
// first: the agent is told it is registered only once AdmitAgent (or MarkAgentReachable) is
// durable. Health checking and removal are in agent-health.ts.
import { attributeFromWire } from "../../resources/attributes.ts";
import { Resources } from "../../resources/index.ts";
import { resourcesFromWire } from "../../resources/wire-format.ts";
import type { AgentSubscribe } from "../../wire/agent-channel.ts";
import { wireByteLength } from "../../wire/json.ts";
import { isDeactivated, resumeDrain } from "./agent-activity.ts";
import type { AgentSpec } from "./allocator-port.ts";
import { newFrameworkRecord } from "./frameworks.ts";
import { allocatorSpec } from "./frameworks-info.ts";
import { refuseOnDownMachine, syncUnavailability } from "./maintenance.ts";
import { resyncCheckpoint } from "./operations-apply.ts";
import type { AgentRecord, Ctx, FrameworkRecord, TaskRecord } from "./state.ts";
import { taskKey } from "./state.ts";
import { claimRestoredTasks } from "./task-history.ts";
import { isTerminal } from "./task-states.ts";
import { operationResources } from "./task-validation.ts";
import { addTask, masterStatus, sendKill } from "./tasks.ts";
import { renderAgent, renderFramework } from "./views.ts";
import type { AgentInfo, Task, TaskStatus } from "./wire-types.ts";

/**
 * What the allocator needs to know of an agent; agents without capabilities are assumed
 * current. An agent the operator deactivated (or is draining) stays inactive.
 */
function agentSpec(ctx: Ctx, agent: AgentRecord): AgentSpec {
  const caps = agent.capabilities;
  return {
    hostname: agent.info.hostname,
    total: agent.total,
    active: !isDeactivated(ctx, agent.id),
    capabilities: {
      multiRole: caps.length === 0 || caps.includes("MULTI_ROLE"),
      hierarchicalRole: caps.length === 0 || caps.includes("HIERARCHICAL_ROLE"),
    },
  };
}

export function pingTimerId(agentId: string): string {
  return `ping:${agentId}`;
}

export function reregisterTimerId(agentId: string): string {
  return `reregister:${agentId}`;
}

function toResources(list: AgentInfo["resources"]): Resources {
  const parsed = resourcesFromWire(list ?? []);
  return parsed.ok ? parsed.value : Resources.empty();
}

/**
 * Mesos's registration check (validation::master::message::registerSlave): the agent's
 * resources and attributes must be valid. A non-finite or out-of-range scalar is refused here,
 * before the agent is admitted: it would be offered, summed and rendered (GET_STATE would carry
 * a bare `Infinity` that strict JSON parsers reject). The agent channel answers 400 with this
 * message; the core drops such a registration, as Mesos does.
 */
export function validateAgentSubscribe(sub: AgentSubscribe): string | undefined {
  const lists = [
    ["agent_info.resources", sub.agent_info.resources],
    ["total_resources", sub.total_resources],
    ["checkpointed_resources", sub.checkpointed_resources],
  ] as const;
  for (const [field, list] of lists) {
    const parsed = resourcesFromWire(list ?? []);
    if (!parsed.ok) return `Invalid resources in '${field}': ${parsed.message}`;
  }
  for (const attribute of sub.agent_info.attributes ?? []) {
    const parsed = attributeFromWire(attribute);
    if (!parsed.ok) return `Invalid attributes in 'agent_info.attributes': ${parsed.message}`;
  }
  return undefined;
}

/** SUBSCRIBE from an agent on a new stream: register, or re-register with what it runs. */
export function agentSubscribe(ctx: Ctx, streamId: string, sub: AgentSubscribe): void {
  if (validateAgentSubscribe(sub) !== undefined) {
    ctx.count("master/invalid_agent_registrations");
    ctx.out.push({ kind: "close_agent_stream", agentStreamId: streamId });
    return;
  }
  const ip = sub.address?.ip ?? sub.agent_info.hostname;
  if (refuseOnDownMachine(ctx, streamId, sub.agent_info.hostname, ip)) return;
  const id = sub.agent_id?.value;
  if (id === undefined) {
    registerNew(ctx, streamId, sub);
    return;
  }
  if (ctx.s.goneAgents.has(id)) {
    // A gone agent is told to shut down if it ever comes back (reference §5.2).
    ctx.out.push({
      kind: "agent_event",
      agentStreamId: streamId,
      event: { type: "SHUTDOWN", shutdown: { message: "Agent has been marked gone" } },
    });
    ctx.out.push({ kind: "close_agent_stream", agentStreamId: streamId });
    return;
  }
  const known = ctx.s.agents.get(id);
  if (known !== undefined) {
    // Not while the agent is being removed: the stream is closed so that the agent retries
    // (left open and silent, the agent waited for its first event for ever: nemesis seed 5057).
    if (known.removing) {
      ctx.out.push({ kind: "close_agent_stream", agentStreamId: streamId });
      return;
    }
    if (liveElsewhere(known, streamId) && !samePeer(ctx, known, streamId)) {
      // Mesos fences an agent by its pid: a second connection claiming a connected agent's id
      // must not take it over (issue 18, finding 4: an impostor got its RUN_TASKs and cut it
      // off). While the agent's own stream is open and it answers every ping, a newcomer from
      // another address is refused; one from the agent's own address is the agent restarted
      // (its old stream may look open when the close was lost, e.g. in a partition).
      ctx.count("master/agent_subscriptions_refused");
      ctx.out.push({ kind: "close_agent_stream", agentStreamId: streamId });
      return;
    }
    reregisterKnown(ctx, known, streamId, sub);
    return;
  }
  const info: AgentInfo = { ...sub.agent_info, id: { value: id } };
  if (ctx.s.recoveredAgents.has(id)) {
    // Admitted before this master started: nothing to persist.
    readmit(ctx, streamId, info, sub, false);
    return;
  }
  const key = `reregister:${id}`;
  if (ctx.s.registering.has(key)) {
    ctx.s.registering.set(key, streamId);
    return;
  }
  ctx.s.registering.set(key, streamId);
  const wasUnreachable = ctx.s.unreachableAgents.has(id);
  const op = wasUnreachable
    ? ({ type: "MarkAgentReachable", info } as const)
    : ({ type: "AdmitAgent", info } as const);
  ctx.persist([op], (next) => {
    const latest = next.s.registering.get(key) ?? streamId;
    next.s.registering.delete(key);
    next.s.unreachableAgents.delete(id);
    readmit(next, latest, info, sub, true);
  });
}

/** The new stream comes from the address the agent's current stream comes from. */
function samePeer(ctx: Ctx, agent: AgentRecord, streamId: string): boolean {
  const current =
    agent.streamId === undefined ? undefined : ctx.s.agentStreamPeers.get(agent.streamId);
  return current !== undefined && current === ctx.s.agentStreamPeers.get(streamId);
}

/** The agent is connected on another stream that is open and answered its last ping. */
function liveElsewhere(agent: AgentRecord, streamId: string): boolean {
  return (
    agent.connection === "registered" &&
    agent.streamId !== undefined &&
    agent.streamId !== streamId &&
    agent.missedPings === 0
  );
}

function registerNew(ctx: Ctx, streamId: string, sub: AgentSubscribe): void {
  const key = `register:${sub.agent_info.hostname}:${sub.agent_info.port ?? 5051}`;
  if (ctx.s.registering.has(key)) {
    // A retried registration while AdmitAgent is in flight: answer on the newest stream.
    ctx.s.registering.set(key, streamId);
    return;
  }
  ctx.s.registering.set(key, streamId);
  const id = `${ctx.s.masterInfo.id}-S${ctx.s.nextAgentNumber++}`;
  const info: AgentInfo = { ...sub.agent_info, id: { value: id } };
  ctx.persist([{ type: "AdmitAgent", info }], (next) => {
    const latest = next.s.registering.get(key) ?? streamId;
    next.s.registering.delete(key);
    const agent = newAgentRecord(next, id, info, latest, sub);
    next.s.agents.set(id, agent);
    next.count("master/slave_registrations");
    next.allocator.addAgent(id, agentSpec(next, agent));
    syncUnavailability(next, agent);
    subscribed(next, agent, []);
    next.operator({ type: "AGENT_ADDED", agent_added: { agent: renderAgent(next.s, agent) } });
  });
}

function newAgentRecord(
  ctx: Ctx,
  id: string,
  info: AgentInfo,
  streamId: string,
  sub: AgentSubscribe,
): AgentRecord {
  ctx.s.agentStreams.set(streamId, id);
  return {
    id,
    info,
    ip: sub.address?.ip ?? info.hostname,
    connection: "registered",
    streamId,
    version: sub.version,
    capabilities: (sub.capabilities ?? []).flatMap((c) => (c.type === undefined ? [] : [c.type])),
    total: toResources(
      (sub.total_resources ?? []).length > 0 ? (sub.total_resources ?? []) : (info.resources ?? []),
    ),
    checkpointed: toResources(sub.checkpointed_resources ?? []),
    registeredTimeMs: ctx.nowMs,
    reregisteredTimeMs: undefined,
    tasks: new Set(),
    taskInfoBytes: 0,
    pongSinceLastPing: true,
    missedPings: 0,
    removing: false,
  };
}

/** Sends SUBSCRIBED and starts health checking. */
function subscribed(
  ctx: Ctx,
  agent: AgentRecord,
  reconciliations: {
    framework_id: { value: string };
    task_id: { value: string };
    state?: string;
  }[],
): void {
  const pingSeconds = ctx.flags.agentPingTimeoutMs / 1000;
  ctx.toAgent(agent, {
    type: "SUBSCRIBED",
    subscribed: {
      agent_id: { value: agent.id },
      ping_interval_seconds: pingSeconds,
      total_ping_timeout_seconds: pingSeconds * ctx.flags.maxAgentPingTimeouts,
      reconciliations: reconciliations as never,
    },
  });
  // Health checking starts with a ping right away, as Mesos's SlaveObserver does; each
  // agent_ping_timeout without a pong counts one miss.
  agent.missedPings = 0;
  agent.pongSinceLastPing = false;
  ctx.toAgent(agent, { type: "PING", ping: { connected: true } });
  ctx.setTimer(pingTimerId(agent.id), ctx.nowMs + ctx.flags.agentPingTimeoutMs);
}

/** A registered or disconnected agent subscribes again (new stream, e.g. after a restart). */
function reregisterKnown(
  ctx: Ctx,
  agent: AgentRecord,
  streamId: string,
  sub: AgentSubscribe,
): void {
  if (agent.streamId !== undefined && agent.streamId !== streamId) {
    ctx.s.agentStreams.delete(agent.streamId);
  }
  const wasDisconnected = agent.connection === "disconnected";
  agent.streamId = streamId;
  agent.connection = "registered";
  agent.reregisteredTimeMs = ctx.nowMs;
  agent.version = sub.version;
  if (sub.address !== undefined) agent.ip = sub.address.ip;
  ctx.count("master/slave_reregistrations");
  ctx.s.agentStreams.set(streamId, agent.id);
  ctx.cancelTimer(reregisterTimerId(agent.id));
  if (wasDisconnected && !isDeactivated(ctx, agent.id)) ctx.allocator.activateAgent(agent.id);
  syncUnavailability(ctx, agent);

  const reported = new Set(
    (sub.tasks ?? []).map((t) => taskKey(t.framework_id.value, t.task_id.value)),
  );
  // Tasks the master has but the agent does not report: the agent answers for them.
  const reconciliations = [];
  for (const key of agent.tasks) {
    if (reported.has(key)) continue;
    const task = findByKey(ctx, key);
    if (task === undefined) continue;
    reconciliations.push({
      framework_id: { value: task.frameworkId },
      task_id: { value: task.taskId },
      state: task.state,
    });
  }
  // Tasks the agent reports that the master lost track of are learnt again.
  // SUBSCRIBED first: everything else on the new stream follows it.
  subscribed(ctx, agent, reconciliations);
  // A checkpoint the agent missed while away is sent again (Mesos's CheckpointResourcesMessage
  // on re-registration); operations whose report was lost are settled.
  resyncCheckpoint(ctx, agent, toResources(sub.checkpointed_resources ?? []));
  for (const task of sub.tasks ?? []) {
    const key = taskKey(task.framework_id.value, task.task_id.value);
    const known = findByKey(ctx, key);
    if (agent.tasks.has(key)) {
      // Kills requested while the agent was away are sent again.
      if (known?.killRequested !== undefined && !isTerminal(known.state)) sendKill(ctx, known);
      continue;
    }
    const lost = ctx.s.frameworks
      .get(task.framework_id.value)
      ?.completedTasks.find((t) => t.taskId === task.task_id.value && t.agentId === agent.id);
    if (lost !== undefined) {
      // Already declared lost (non-checkpointing framework, agent disconnected): Mesos kills it.
      ctx.toAgent(agent, {
        type: "KILL_TASK",
        kill_task: { framework_id: task.framework_id, task_id: task.task_id },
      });
      continue;
    }
    const record = learnTask(ctx, agent.id, task, sub);
    if (record !== undefined && !record.released) {
      ctx.allocator.addUsed(record.frameworkId, agent.id, record.resources);
    }
  }
  shutdownCompletedFrameworks(ctx, agent, sub);
  ctx.operator({ type: "AGENT_ADDED", agent_added: { agent: renderAgent(ctx.s, agent) } });
  resumeDrain(ctx, agent);
}

export function findByKey(ctx: Ctx, key: string): TaskRecord | undefined {
  const slash = key.indexOf("/");
  return ctx.s.frameworks.get(key.slice(0, slash))?.tasks.get(key.slice(slash + 1));
}

/**
 * An agent the master had no record of comes back (unreachable, recovered from the registry, or
 * unknown): its tasks are re-added. Tasks that were unreachable are reported to their connected
 * frameworks with REASON_AGENT_REREGISTERED (reference §5.1).
 */
function readmit(
  ctx: Ctx,
  streamId: string,
  info: AgentInfo,
  sub: AgentSubscribe,
  notifyReregistered: boolean,
): void {
  const id = info.id?.value ?? "";
  ctx.s.recoveredAgents.delete(id);
  ctx.cancelTimer(reregisterTimerId(id));
  const agent = newAgentRecord(ctx, id, info, streamId, sub);
  agent.reregisteredTimeMs = ctx.nowMs;
  ctx.s.agents.set(id, agent);
  ctx.count("master/slave_reregistrations");
  const used = new Map<string, Resources>();
  for (const task of sub.tasks ?? []) {
    const record = learnTask(ctx, id, task, sub);
    if (record === undefined) continue;
    if (!isTerminal(record.state)) {
      const fw = record.frameworkId;
      used.set(fw, (used.get(fw) ?? Resources.empty()).add(record.resources));
    }
    const framework = ctx.s.frameworks.get(record.frameworkId);
    if (notifyReregistered && framework !== undefined && !isTerminal(record.state)) {
      const status: TaskStatus = {
        ...masterStatus(
          ctx,
          record,
          record.state,
          "REASON_AGENT_REREGISTERED",
          "Unreachable agent re-reregistered",
        ),
      };
      ctx.toFramework(framework, { type: "UPDATE", update: { status } });
    }
  }
  for (const executor of sub.executors ?? []) {
    const fw = executor.framework_id?.value;
    const framework = fw === undefined ? undefined : ctx.s.frameworks.get(fw);
    if (framework === undefined || fw === undefined) continue;
    const converted = operationResources(
      executor.resources ?? [],
      roleOf(executor.resources, framework),
    );
    const resources = converted.ok ? converted.value : Resources.empty();
    const byAgent = framework.executors.get(id) ?? new Map();
    byAgent.set(executor.executor_id.value, { info: executor, resources });
    framework.executors.set(id, byAgent);
    used.set(fw, (used.get(fw) ?? Resources.empty()).add(resources));
  }
  ctx.allocator.addAgent(id, agentSpec(ctx, agent), used);
  syncUnavailability(ctx, agent);
  shutdownCompletedFrameworks(ctx, agent, sub);
  subscribed(ctx, agent, []);
  ctx.operator({ type: "AGENT_ADDED", agent_added: { agent: renderAgent(ctx.s, agent) } });
  resumeDrain(ctx, agent);
}

/** Frameworks removed at the master are shut down on agents that still run them. */
function shutdownCompletedFrameworks(ctx: Ctx, agent: AgentRecord, sub: AgentSubscribe): void {
  const ids = new Set((sub.tasks ?? []).map((t) => t.framework_id.value));
  for (const fw of ids) {
    if (ctx.s.completedFrameworks.some((f) => f.id === fw)) {
      ctx.toAgent(agent, {
        type: "SHUTDOWN_FRAMEWORK",
        shutdown_framework: { framework_id: { value: fw } },
      });
    }
  }
}

/** Adds a task reported by an agent; the framework is created as "recovered" if unknown. */
function learnTask(
  ctx: Ctx,
  agentId: string,
  task: Task,
  sub: AgentSubscribe,
): TaskRecord | undefined {
  const fwId = task.framework_id.value;
  if (ctx.s.completedFrameworks.some((f) => f.id === fwId)) return undefined;
  let framework = ctx.s.frameworks.get(fwId);
  if (framework === undefined) {
    const info = (sub.frameworks ?? []).find((f) => f.id?.value === fwId);
    if (info === undefined) return undefined;
    framework = newFrameworkRecord(fwId, info, "recovered", ctx.nowMs);
    claimRestoredTasks(ctx.s, framework);
    ctx.s.frameworks.set(fwId, framework);
    // A recovered framework has no failover timer (reference §5.3, MESOS-1719).
    ctx.allocator.addFramework(fwId, allocatorSpec(framework.info, framework.roles, [], false));
    ctx.operator({
      type: "FRAMEWORK_ADDED",
      framework_added: { framework: renderFramework(ctx.s, framework) },
    });
  }
  framework.unreachableTasks.delete(task.task_id.value);
  const existing = framework.tasks.get(task.task_id.value);
  if (existing !== undefined) return existing;
  const role = roleOf(task.resources, framework);
  // Resources in use carry their allocation role, as the allocator tracks them per role.
  const converted = operationResources(task.resources ?? [], role);
  const resources = converted.ok ? converted.value : Resources.empty();
  const record: TaskRecord = {
    frameworkId: fwId,
    taskId: task.task_id.value,
    agentId,
    executorId: task.executor_id?.value,
    info: {
      name: task.name,
      task_id: task.task_id,
      agent_id: { value: agentId },
      resources: task.resources,
    },
    role,
    resources,
    state: task.state,
    statusUpdateState: task.status_update_state,
    statusUpdateUuid: task.status_update_uuid,
    statuses: [...(task.statuses ?? [])],
    released: isTerminal(task.state),
    unreachableTimeMs: undefined,
    // The Task the agent reports stands for its TaskInfo (the executor is reported apart).
    infoBytes: wireByteLength(task),
  };
  addTask(ctx, framework, record);
  return record;
}

function roleOf(resources: Task["resources"], framework: FrameworkRecord): string {
  return (
    (resources ?? []).find((r) => r.allocation_info?.role !== undefined)?.allocation_info?.role ??
    framework.roles[0] ??
    "*"
  );
}

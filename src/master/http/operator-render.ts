// Renders the core's snapshot as the v1 operator API's messages (reference §4.2, §4.3):
// GET_STATE and its parts, and the payloads of the operator event stream. Resources use the
// ENDPOINT format (both `role` and `reservations`), as Mesos's operator API does.
import type { z } from "zod";
import { Resources } from "../../resources/index.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import type {
  MasterAgent,
  MasterFramework,
  MasterGetAgents,
  MasterGetExecutors,
  MasterGetFrameworks,
  MasterGetState,
  MasterGetTasks,
} from "../../wire/operator-master.ts";
import type { Task } from "../../wire/task.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { AgentRecord, FrameworkRecord, TaskRecord } from "../core/state.ts";

type In<S extends z.ZodType> = z.input<S>;

export function timeInfo(ms: number): { nanoseconds: number } {
  return { nanoseconds: Math.round(ms) * 1_000_000 };
}

function endpoint(resources: Resources) {
  return resourcesToWire(resources, "ENDPOINT");
}

export function renderTask(t: TaskRecord): In<typeof Task> {
  const info = t.info;
  const task: In<typeof Task> = {
    name: info.name,
    task_id: { value: t.taskId },
    framework_id: { value: t.frameworkId },
    agent_id: { value: t.agentId },
    state: t.state,
    resources: endpoint(t.resources),
    statuses: t.statuses,
  };
  if (t.executorId !== undefined) task.executor_id = { value: t.executorId };
  if (t.statusUpdateState !== undefined) task.status_update_state = t.statusUpdateState;
  if (t.statusUpdateUuid !== undefined) task.status_update_uuid = t.statusUpdateUuid;
  if (info.labels !== undefined) task.labels = info.labels;
  if (info.discovery !== undefined) task.discovery = info.discovery;
  if (info.container !== undefined) task.container = info.container;
  if (info.health_check !== undefined) task.health_check = info.health_check;
  if (info.kill_policy !== undefined) task.kill_policy = info.kill_policy;
  if (info.limits !== undefined) task.limits = info.limits;
  return task;
}

/** Resources in use on an agent (tasks not yet released + executors) and offered from it. */
export interface AgentUsage {
  allocated: Resources;
  offered: Resources;
}

export function agentUsage(snapshot: MasterSnapshot): Map<string, AgentUsage> {
  const usage = new Map<string, AgentUsage>();
  const of = (agentId: string) => {
    let u = usage.get(agentId);
    if (u === undefined) {
      u = { allocated: Resources.empty(), offered: Resources.empty() };
      usage.set(agentId, u);
    }
    return u;
  };
  for (const t of snapshot.tasks) {
    if (!t.released) of(t.agentId).allocated.addInPlace(t.resources);
  }
  for (const f of snapshot.frameworks) {
    for (const [agentId, executors] of f.executors) {
      for (const e of executors.values()) of(agentId).allocated.addInPlace(e.resources);
    }
  }
  for (const o of snapshot.offers) of(o.agentId).offered.addInPlace(o.resources);
  return usage;
}

export function renderAgent(a: AgentRecord, usage: AgentUsage | undefined): In<typeof MasterAgent> {
  const agent: In<typeof MasterAgent> = {
    agent_info: a.info,
    active: a.connection === "registered",
    deactivated: false,
    version: a.version,
    pid: `slave(1)@${a.info.hostname}:${a.info.port ?? 5051}`,
    registered_time: timeInfo(a.registeredTimeMs),
    total_resources: endpoint(a.total),
    allocated_resources: endpoint(usage?.allocated ?? Resources.empty()),
    offered_resources: endpoint(usage?.offered ?? Resources.empty()),
    capabilities: a.capabilities.map((type) => ({ type })) as In<
      typeof MasterAgent
    >["capabilities"],
  };
  if (a.reregisteredTimeMs !== undefined) agent.reregistered_time = timeInfo(a.reregisteredTimeMs);
  return agent;
}

export function renderFramework(
  f: FrameworkRecord,
  snapshot: MasterSnapshot,
): In<typeof MasterFramework> {
  let allocated = Resources.empty();
  for (const t of f.tasks.values()) if (!t.released) allocated = allocated.add(t.resources);
  for (const executors of f.executors.values()) {
    for (const e of executors.values()) allocated = allocated.add(e.resources);
  }
  const offers = snapshot.offers.filter((o) => o.frameworkId === f.id);
  let offered = Resources.empty();
  for (const o of offers) offered = offered.add(o.resources);
  const framework: In<typeof MasterFramework> = {
    framework_info: f.info,
    active: f.active,
    connected: f.connection === "connected",
    recovered: f.connection === "recovered",
    registered_time: timeInfo(f.registeredTimeMs),
    offers: offers.map((o) => o.offer),
    allocated_resources: endpoint(allocated),
    offered_resources: endpoint(offered),
  };
  if (f.reregisteredTimeMs !== undefined) {
    framework.reregistered_time = timeInfo(f.reregisteredTimeMs);
  }
  if (f.unregisteredTimeMs !== undefined) {
    framework.unregistered_time = timeInfo(f.unregisteredTimeMs);
  }
  return framework;
}

export function getAgents(snapshot: MasterSnapshot): In<typeof MasterGetAgents> {
  const usage = agentUsage(snapshot);
  return {
    agents: snapshot.agents.map((a) => renderAgent(a, usage.get(a.id))),
    recovered_agents: [...snapshot.recoveredAgents],
  };
}

export function getFrameworks(snapshot: MasterSnapshot): In<typeof MasterGetFrameworks> {
  return {
    frameworks: snapshot.frameworks.map((f) => renderFramework(f, snapshot)),
    completed_frameworks: snapshot.completedFrameworks.map((f) => renderFramework(f, snapshot)),
  };
}

export function getExecutors(snapshot: MasterSnapshot): In<typeof MasterGetExecutors> {
  const executors: NonNullable<In<typeof MasterGetExecutors>["executors"]> = [];
  for (const f of snapshot.frameworks) {
    for (const [agentId, byId] of f.executors) {
      for (const e of byId.values()) {
        executors.push({ executor_info: e.info, agent_id: { value: agentId } });
      }
    }
  }
  return { executors };
}

export function getTasks(snapshot: MasterSnapshot): In<typeof MasterGetTasks> {
  return {
    tasks: snapshot.tasks.map(renderTask),
    unreachable_tasks: snapshot.unreachableTasks.map(renderTask),
    completed_tasks: snapshot.completedTasks.map(renderTask),
  };
}

export function getState(snapshot: MasterSnapshot): In<typeof MasterGetState> {
  return {
    get_tasks: getTasks(snapshot),
    get_executors: getExecutors(snapshot),
    get_frameworks: getFrameworks(snapshot),
    get_agents: getAgents(snapshot),
  };
}

/** Finds a task by framework and task id among active, unreachable and completed tasks. */
export function findTask(
  snapshot: MasterSnapshot,
  frameworkId: string,
  taskId: string,
): TaskRecord | undefined {
  const f =
    snapshot.frameworks.find((x) => x.id === frameworkId) ??
    snapshot.completedFrameworks.find((x) => x.id === frameworkId);
  if (f === undefined) return undefined;
  return (
    f.tasks.get(taskId) ??
    f.unreachableTasks.get(taskId) ??
    f.completedTasks.find((t) => t.taskId === taskId)
  );
}

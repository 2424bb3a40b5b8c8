// Read-only renderings of the master's records as the operator API v1 shows them (reference
// §4.2, §4.3): Task, GetAgents.Agent, GetFrameworks.Framework, GET_STATE. Resources are in the
// ENDPOINT format (both `role` and `reservations`). The shell serves these for GET_* calls and
// the core puts them in operator stream events.
import type { z } from "zod";
import { Resources } from "../../resources/index.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import type { DrainInfo } from "../../wire/framework.ts";
import { type Fragments, StreamedArray, StreamedObject } from "../../wire/json-stream.ts";
import type {
  MasterAgent,
  MasterFramework,
  MasterGetAgents,
  MasterGetExecutors,
  MasterGetFrameworks,
  MasterGetState,
  MasterGetTasks,
} from "../../wire/operator-master.ts";
import type { TaskInfo, Task as TaskSchema } from "../../wire/task.ts";
import type { RegistryState } from "./registry-state.ts";
import type {
  AgentRecord,
  FrameworkRecord,
  MasterState,
  OfferRecord,
  TaskRecord,
} from "./state.ts";

type In<T extends z.ZodType> = z.input<T>;
export type TaskView = In<typeof TaskSchema>;
export type AgentView = In<typeof MasterAgent>;
export type FrameworkView = In<typeof MasterFramework>;

export function timeInfo(ms: number): { nanoseconds: number } {
  return { nanoseconds: Math.round(ms) * 1_000_000 };
}

const NO_USAGE: AgentUsage = { allocated: Resources.empty(), offered: Resources.empty() };

function endpoint(resources: Resources) {
  return resourcesToWire(resources, "ENDPOINT");
}

export function renderTask(task: TaskRecord, user?: string): TaskView {
  const view: TaskView = {
    name: task.info.name,
    task_id: { value: task.taskId },
    framework_id: { value: task.frameworkId },
    agent_id: { value: task.agentId },
    state: task.state,
    resources: endpoint(task.resources),
    statuses: task.statuses,
  };
  if (task.executorId !== undefined) view.executor_id = { value: task.executorId };
  if (task.statusUpdateState !== undefined) view.status_update_state = task.statusUpdateState;
  if (task.statusUpdateUuid !== undefined) view.status_update_uuid = task.statusUpdateUuid;
  const info = task.info;
  copyTaskFields(info, view);
  const taskUser = info.command?.user ?? user;
  if (taskUser !== undefined) view.user = taskUser;
  return view;
}

/** Resources in use by the framework's tasks and executors (tasks released once terminal). */
function allocated(framework: FrameworkRecord): Resources {
  const out = Resources.empty();
  for (const task of framework.tasks.values()) if (!task.released) out.addInPlace(task.resources);
  for (const executors of framework.executors.values()) {
    for (const executor of executors.values()) out.addInPlace(executor.resources);
  }
  return out;
}

/** Resources in use on an agent (unreleased tasks and executors) and offered from it. */
export interface AgentUsage {
  allocated: Resources;
  offered: Resources;
}

/** Tasks added up between two steps of agentUsageSteps (about a millisecond of work). */
export const USAGE_TASKS_PER_STEP = 2_000;

/** Every agent's usage in one pass over tasks, executors and offers. */
export function agentUsage(
  frameworks: Iterable<FrameworkRecord>,
  offers: Iterable<OfferRecord>,
): Map<string, AgentUsage> {
  const usage = new Map<string, AgentUsage>();
  for (const _ of agentUsageSteps(frameworks, offers, usage));
  return usage;
}

/**
 * agentUsage's pass into `usage`, a step every USAGE_TASKS_PER_STEP tasks: the shell runs it
 * in slices of the event loop (at 100,000 tasks it took 50-80 ms at once). Tasks that change
 * between steps count as they were when reached.
 */
export function* agentUsageSteps(
  frameworks: Iterable<FrameworkRecord>,
  offers: Iterable<OfferRecord>,
  usage: Map<string, AgentUsage>,
): Generator<void> {
  const of = (agentId: string) => {
    let u = usage.get(agentId);
    if (u === undefined) {
      u = { allocated: Resources.empty(), offered: Resources.empty() };
      usage.set(agentId, u);
    }
    return u;
  };
  let counted = 0;
  for (const f of frameworks) {
    for (const t of f.tasks.values()) {
      if (!t.released) of(t.agentId).allocated.addInPlace(t.resources);
      if (++counted % USAGE_TASKS_PER_STEP === 0) yield;
    }
    for (const [agentId, executors] of f.executors) {
      for (const e of executors.values()) of(agentId).allocated.addInPlace(e.resources);
    }
  }
  for (const o of offers) of(o.agentId).offered.addInPlace(o.resources);
}

/** One agent's usage, from its own task list (for single-agent events). */
function usageOf(s: MasterState, agent: AgentRecord): AgentUsage {
  const used = Resources.empty();
  for (const key of agent.tasks) {
    const slash = key.indexOf("/");
    const task = s.frameworks.get(key.slice(0, slash))?.tasks.get(key.slice(slash + 1));
    if (task !== undefined && !task.released) used.addInPlace(task.resources);
  }
  for (const framework of s.frameworks.values()) {
    for (const executor of framework.executors.get(agent.id)?.values() ?? []) {
      used.addInPlace(executor.resources);
    }
  }
  const offered = Resources.empty();
  for (const offer of s.offers.values()) {
    if (offer.agentId === agent.id) offered.addInPlace(offer.resources);
  }
  return { allocated: used, offered };
}

/** Operator deactivation and drain state of an admitted agent, as the registry holds it. */
export function agentActivity(
  registry: RegistryState,
  agentId: string,
): { deactivated: boolean; drainInfo: DrainInfo | undefined } {
  const entry = registry.admitted.get(agentId);
  return { deactivated: entry?.deactivated ?? false, drainInfo: entry?.drainInfo };
}

/** The agent's libprocess PID as Mesos shows it (`slave(1)@ip:port`). */
export function agentPid(agent: AgentRecord): string {
  const ip = agent.ip.includes(":") ? `[${agent.ip}]` : agent.ip;
  return `slave(1)@${ip}:${agent.info.port ?? 5051}`;
}

/** GetAgents.Agent; `usage` from agentUsage() when rendering many agents at once. */
export function renderAgent(s: MasterState, agent: AgentRecord, usage?: AgentUsage): AgentView {
  const { allocated: used, offered } = usage ?? usageOf(s, agent);
  const activity = agentActivity(s.registry, agent.id);
  const view: AgentView = {
    agent_info: agent.info,
    active: agent.connection === "registered" && !activity.deactivated,
    deactivated: activity.deactivated,
    version: agent.version,
    pid: agentPid(agent),
    registered_time: timeInfo(agent.registeredTimeMs),
    total_resources: endpoint(agent.total),
    allocated_resources: endpoint(used),
    offered_resources: endpoint(offered),
    capabilities: agent.capabilities.map((type) => ({ type })),
  };
  if (agent.reregisteredTimeMs !== undefined) {
    view.reregistered_time = timeInfo(agent.reregisteredTimeMs);
  }
  if (activity.drainInfo !== undefined) view.drain_info = activity.drainInfo;
  return view;
}

export function renderFramework(s: MasterState, framework: FrameworkRecord): FrameworkView {
  const offers = [...s.offers.values()].filter((o) => o.frameworkId === framework.id);
  const offered = Resources.empty();
  for (const offer of offers) offered.addInPlace(offer.resources);
  const view: FrameworkView = {
    framework_info: framework.info,
    active: framework.active,
    connected: framework.connection === "connected",
    recovered: framework.connection === "recovered",
    registered_time: timeInfo(framework.registeredTimeMs),
    offers: offers.map((o) => o.offer),
    allocated_resources: endpoint(allocated(framework)),
    offered_resources: endpoint(offered),
  };
  if (s.maintenance.inverseOffers.size > 0) {
    view.inverse_offers = [...s.maintenance.inverseOffers.values()]
      .filter((r) => r.frameworkId === framework.id)
      .map((r) => r.inverseOffer);
  }
  if (framework.reregisteredTimeMs !== undefined) {
    view.reregistered_time = timeInfo(framework.reregisteredTimeMs);
  }
  if (framework.unregisteredTimeMs !== undefined) {
    view.unregistered_time = timeInfo(framework.unregisteredTimeMs);
  }
  return view;
}

export function getAgents(s: MasterState): In<typeof MasterGetAgents> {
  const usage = agentUsage(s.frameworks.values(), s.offers.values());
  return {
    agents: [...s.agents.values()].map((a) => renderAgent(s, a, usage.get(a.id) ?? NO_USAGE)),
    recovered_agents: [...s.recoveredAgents.values()],
  };
}

export function getFrameworks(s: MasterState): In<typeof MasterGetFrameworks> {
  return {
    frameworks: [...s.frameworks.values()].map((f) => renderFramework(s, f)),
    completed_frameworks: s.completedFrameworks.map((f) => renderFramework(s, f)),
  };
}

export function getTasks(s: MasterState): In<typeof MasterGetTasks> {
  const all = [...s.frameworks.values()];
  const user = (f: FrameworkRecord) => f.info.user;
  return {
    tasks: all.flatMap((f) => [...f.tasks.values()].map((t) => renderTask(t, user(f)))),
    unreachable_tasks: all.flatMap((f) =>
      [...f.unreachableTasks.values()].map((t) => renderTask(t, user(f))),
    ),
    completed_tasks: [...all, ...s.completedFrameworks].flatMap((f) =>
      f.completedTasks.map((t) => renderTask(t, user(f))),
    ),
  };
}

export function getExecutors(s: MasterState): In<typeof MasterGetExecutors> {
  const executors = [];
  for (const framework of s.frameworks.values()) {
    for (const [agentId, byId] of framework.executors) {
      for (const executor of byId.values()) {
        executors.push({ executor_info: executor.info, agent_id: { value: agentId } });
      }
    }
  }
  return { executors };
}

/**
 * Kept texts of printed tasks (the shell keeps them, state-json.ts): the text kept for the task
 * shown with `user` while still valid, else `print(task)`.
 */
export type TaskTexts = (
  task: TaskRecord,
  user: string | undefined,
  print: (task: TaskRecord) => string,
) => string;

/**
 * GET_STATE as a document printed item by item (src/wire/json-stream.ts, "wire" dialect): the
 * text of getState(s) printed at once. Which tasks, agents and frameworks it lists, and the
 * agents' usage, are taken now (or `usage` given, added up over the turns just before, see
 * agentUsageSteps); each task's and agent's fields are read when it is printed.
 */
export function stateDocument(
  s: MasterState,
  texts?: TaskTexts,
  usage = agentUsage(s.frameworks.values(), s.offers.values()),
): StreamedObject {
  const frameworks = [...s.frameworks.values()];
  const withCompleted = [...frameworks, ...s.completedFrameworks];
  // Each task shows its framework's user (a completed framework's for its own tasks).
  const users = new Map<string, string | undefined>();
  for (const f of [...s.completedFrameworks, ...frameworks]) users.set(f.id, f.info.user);
  const task = (t: TaskRecord) => renderTask(t, users.get(t.frameworkId));
  const kept: Fragments<TaskRecord> | undefined =
    texts && ((t, print) => texts(t, users.get(t.frameworkId), print));
  const tasks = (list: TaskRecord[]) => new StreamedArray(list, task, kept);
  return new StreamedObject([
    [
      "get_tasks",
      new StreamedObject([
        ["tasks", tasks(frameworks.flatMap((f) => [...f.tasks.values()]))],
        ["unreachable_tasks", tasks(frameworks.flatMap((f) => [...f.unreachableTasks.values()]))],
        ["completed_tasks", tasks(withCompleted.flatMap((f) => f.completedTasks))],
      ]),
    ],
    ["get_executors", getExecutors(s)],
    ["get_frameworks", getFrameworks(s)],
    [
      "get_agents",
      new StreamedObject([
        [
          "agents",
          new StreamedArray([...s.agents.values()], (a) =>
            renderAgent(s, a, usage.get(a.id) ?? NO_USAGE),
          ),
        ],
        ["recovered_agents", [...s.recoveredAgents.values()]],
      ]),
    ],
  ]);
}

export function getState(s: MasterState): In<typeof MasterGetState> {
  return {
    get_tasks: getTasks(s),
    get_executors: getExecutors(s),
    get_frameworks: getFrameworks(s),
    get_agents: getAgents(s),
  };
}

type TaskField = "labels" | "discovery" | "container" | "health_check" | "kill_policy" | "limits";

/**
 * The TaskInfo fields a `Task` carries too (reference §2.7), copied when set: into the kept
 * TaskInfo of a launched task and into its wire view (whose field types are the schema's
 * input forms of the same values).
 */
export function copyTaskFields(info: TaskInfo, into: object): void {
  const out = into as Partial<Pick<TaskInfo, TaskField>>;
  if (info.labels !== undefined) out.labels = info.labels;
  if (info.discovery !== undefined) out.discovery = info.discovery;
  if (info.container !== undefined) out.container = info.container;
  if (info.health_check !== undefined) out.health_check = info.health_check;
  if (info.kill_policy !== undefined) out.kill_policy = info.kill_policy;
  if (info.limits !== undefined) out.limits = info.limits;
}

// Read-only renderings of the master's records as the operator API v1 shows them (reference
// §4.2, §4.3): Task, GetAgents.Agent, GetFrameworks.Framework, GET_STATE. Resources are in the
// ENDPOINT format (both `role` and `reservations`). The shell serves these for GET_* calls and
// the core puts them in operator stream events.
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
import type { Task as TaskSchema } from "../../wire/task.ts";
import type { AgentRecord, FrameworkRecord, MasterState, TaskRecord } from "./state.ts";

type In<T extends z.ZodType> = z.input<T>;
export type TaskView = In<typeof TaskSchema>;
export type AgentView = In<typeof MasterAgent>;
export type FrameworkView = In<typeof MasterFramework>;

function timeInfo(ms: number): { nanoseconds: number } {
  return { nanoseconds: ms * 1_000_000 };
}

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
  if (info.labels !== undefined) view.labels = info.labels;
  if (info.discovery !== undefined) view.discovery = info.discovery;
  if (info.container !== undefined) view.container = info.container;
  if (info.health_check !== undefined) view.health_check = info.health_check;
  if (info.kill_policy !== undefined) view.kill_policy = info.kill_policy;
  if (info.limits !== undefined) view.limits = info.limits;
  const taskUser = info.command?.user ?? user;
  if (taskUser !== undefined) view.user = taskUser;
  return view;
}

/** Resources in use by the framework's tasks and executors on `agentId` (all agents if omitted). */
function allocated(framework: FrameworkRecord, agentId?: string): Resources {
  const out = Resources.empty();
  for (const task of framework.tasks.values()) {
    if (!task.released && (agentId === undefined || task.agentId === agentId)) {
      out.addInPlace(task.resources);
    }
  }
  for (const [agent, executors] of framework.executors) {
    if (agentId !== undefined && agent !== agentId) continue;
    for (const executor of executors.values()) out.addInPlace(executor.resources);
  }
  return out;
}

export function renderAgent(s: MasterState, agent: AgentRecord): AgentView {
  const used = Resources.empty();
  for (const framework of s.frameworks.values()) used.addInPlace(allocated(framework, agent.id));
  const offered = Resources.empty();
  for (const offer of s.offers.values()) {
    if (offer.agentId === agent.id) offered.addInPlace(offer.resources);
  }
  const view: AgentView = {
    agent_info: agent.info,
    active: agent.connection === "registered",
    deactivated: false,
    version: agent.version,
    registered_time: timeInfo(agent.registeredTimeMs),
    total_resources: endpoint(agent.total),
    allocated_resources: endpoint(used),
    offered_resources: endpoint(offered),
    capabilities: agent.capabilities.map((type) => ({ type })),
  };
  if (agent.reregisteredTimeMs !== undefined) {
    view.reregistered_time = timeInfo(agent.reregisteredTimeMs);
  }
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
  if (framework.reregisteredTimeMs !== undefined) {
    view.reregistered_time = timeInfo(framework.reregisteredTimeMs);
  }
  if (framework.unregisteredTimeMs !== undefined) {
    view.unregistered_time = timeInfo(framework.unregisteredTimeMs);
  }
  return view;
}

export function getAgents(s: MasterState): In<typeof MasterGetAgents> {
  return {
    agents: [...s.agents.values()].map((a) => renderAgent(s, a)),
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

export function getState(s: MasterState): In<typeof MasterGetState> {
  return {
    get_tasks: getTasks(s),
    get_executors: getExecutors(s),
    get_frameworks: getFrameworks(s),
    get_agents: getAgents(s),
  };
}

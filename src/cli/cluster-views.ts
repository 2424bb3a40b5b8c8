// The parts of the master's GET_STATE answer (reference §4.2) the operator commands read, as
// loose structural types (the master speaks protobuf JSON; fields a command does not use are
// left out), and the lookups several commands share: a task by id, an agent by id or host,
// an agent's URL.

import { processScheme } from "../http/tls.ts";
import { CliError } from "./cli-error.ts";
import type { MasterClient } from "./operator-client.ts";
import { type Column, formatScalar } from "./output.ts";

export interface WireResource {
  name: string;
  type?: string;
  scalar?: { value: number };
  ranges?: { range?: { begin: number; end: number }[] };
  role?: string;
}

export interface WireStatus {
  state: string;
  message?: string;
  reason?: string;
  timestamp?: number;
}

export interface WireTask {
  name: string;
  task_id: { value: string };
  framework_id: { value: string };
  agent_id?: { value: string };
  executor_id?: { value: string };
  state: string;
  resources?: WireResource[];
  statuses?: WireStatus[];
}

export interface WireAgent {
  agent_info: { id?: { value: string }; hostname: string; port?: number };
  active: boolean;
  deactivated?: boolean;
  drain_info?: { state?: string };
  total_resources?: WireResource[];
  allocated_resources?: WireResource[];
}

export interface WireFramework {
  framework_info: {
    id?: { value: string };
    name: string;
    user: string;
    role?: string;
    roles?: string[];
  };
  active?: boolean;
  connected?: boolean;
  allocated_resources?: WireResource[];
}

export interface ClusterState {
  tasks: WireTask[];
  unreachableTasks: WireTask[];
  completedTasks: WireTask[];
  frameworks: WireFramework[];
  completedFrameworks: WireFramework[];
  agents: WireAgent[];
}

interface GetStateAnswer {
  get_state?: {
    get_tasks?: {
      tasks?: WireTask[];
      unreachable_tasks?: WireTask[];
      completed_tasks?: WireTask[];
    };
    get_frameworks?: { frameworks?: WireFramework[]; completed_frameworks?: WireFramework[] };
    get_agents?: { agents?: WireAgent[] };
  };
}

export async function clusterState(master: MasterClient): Promise<ClusterState> {
  const answer = (await master.call({ type: "GET_STATE" })) as GetStateAnswer | undefined;
  const s = answer?.get_state;
  return {
    tasks: s?.get_tasks?.tasks ?? [],
    unreachableTasks: s?.get_tasks?.unreachable_tasks ?? [],
    completedTasks: s?.get_tasks?.completed_tasks ?? [],
    frameworks: s?.get_frameworks?.frameworks ?? [],
    completedFrameworks: s?.get_frameworks?.completed_frameworks ?? [],
    agents: s?.get_agents?.agents ?? [],
  };
}

/** Sum of a named scalar over resources (e.g. "cpus"). */
export function scalarSum(resources: readonly WireResource[] | undefined, name: string): number {
  let milli = 0;
  for (const r of resources ?? [])
    if (r.name === name) milli += Math.round((r.scalar?.value ?? 0) * 1000);
  return milli / 1000;
}

/** The resources a framework, task or role row shows: its cpus and memory. */
export interface CpusMem {
  cpus: number;
  mem_mb: number;
}

export function cpusMem(resources: readonly WireResource[] | undefined): CpusMem {
  return { cpus: scalarSum(resources, "cpus"), mem_mb: scalarSum(resources, "mem") };
}

export const CPUS_MEM_COLUMNS: readonly Column<CpusMem>[] = [
  { header: "CPUS", value: (r) => formatScalar(r.cpus) },
  { header: "MEM", value: (r) => formatScalar(r.mem_mb) },
];

export function agentUrl(agent: WireAgent, masterUrl?: string): string {
  // Agents speak TLS when their master does (libprocess's one setting covers the cluster).
  const scheme = masterUrl?.startsWith("https:") ? "https" : processScheme();
  return `${scheme}://${agent.agent_info.hostname}:${agent.agent_info.port ?? 5051}`;
}

export function agentAddress(agent: WireAgent): string {
  return `${agent.agent_info.hostname}:${agent.agent_info.port ?? 5051}`;
}

/** The time of a task's latest status (seconds), for picking the newest of same-named tasks. */
function lastUpdate(task: WireTask): number {
  let latest = 0;
  for (const s of task.statuses ?? []) latest = Math.max(latest, s.timestamp ?? 0);
  return latest;
}

export interface FoundTask {
  task: WireTask;
  /** Running, staging, ...: not in the completed or unreachable lists. */
  live: boolean;
  agent: WireAgent | undefined;
}

/**
 * A task by id. Task ids are unique per framework only; when several frameworks used the id,
 * a live task wins over finished ones, then the most recently updated.
 */
export function findTask(state: ClusterState, taskId: string): FoundTask {
  const candidates = [
    ...state.tasks.filter((t) => t.task_id.value === taskId).map((task) => ({ task, live: true })),
    ...[...state.unreachableTasks, ...state.completedTasks]
      .filter((t) => t.task_id.value === taskId)
      .map((task) => ({ task, live: false })),
  ];
  if (candidates.length === 0) {
    throw new CliError(
      "NOT_FOUND",
      `no task '${taskId}' on this cluster — \`tessera tasks --all\` lists the known ones`,
    );
  }
  candidates.sort(
    (a, b) => Number(b.live) - Number(a.live) || lastUpdate(b.task) - lastUpdate(a.task),
  );
  const best = candidates[0] as { task: WireTask; live: boolean };
  const agentId = best.task.agent_id?.value;
  const agent = state.agents.find((a) => a.agent_info.id?.value === agentId);
  return { ...best, agent };
}

/** An agent by its id, its hostname:port or (when unambiguous) its hostname. */
export function findAgent(state: ClusterState, text: string): WireAgent {
  const byId = state.agents.find((a) => a.agent_info.id?.value === text);
  if (byId !== undefined) return byId;
  const byAddress = state.agents.filter((a) => agentAddress(a) === text);
  const byHost = state.agents.filter((a) => a.agent_info.hostname === text);
  const matches = byAddress.length > 0 ? byAddress : byHost;
  if (matches.length === 1) return matches[0] as WireAgent;
  if (matches.length > 1) {
    throw new CliError(
      "NOT_FOUND",
      `'${text}' names ${matches.length} agents — give the agent id or HOST:PORT (\`tessera agents\`)`,
    );
  }
  throw new CliError(
    "NOT_FOUND",
    `no agent '${text}' on this cluster — \`tessera agents\` lists them`,
  );
}

/** Framework id → name, over active and completed frameworks. */
export function frameworkNames(state: ClusterState): Map<string, string> {
  const names = new Map<string, string>();
  for (const f of [...state.frameworks, ...state.completedFrameworks]) {
    const id = f.framework_info.id?.value;
    if (id !== undefined) names.set(id, f.framework_info.name);
  }
  return names;
}

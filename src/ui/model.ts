// The UI's copy of the cluster, built from the operator API's SUBSCRIBE stream: SUBSCRIBED
// gives the whole state, later events are applied one by one (no full reload per event).
// Totals are kept up to date incrementally, so a page never sums 100,000 tasks per frame.

export interface Resource {
  name: string;
  type?: string;
  scalar?: { value: number };
  ranges?: { range?: { begin: number; end: number }[] };
  set?: { item?: string[] };
  role?: string;
  reservations?: { role?: string; type?: string; principal?: string }[];
}
/** An agent's attribute (Mesos's Attribute): a name with a text, scalar, ranges or set value. */
export interface Attribute {
  name: string;
  text?: { value: string };
  scalar?: { value: number };
  ranges?: { range?: { begin: number; end: number }[] };
  set?: { item?: string[] };
}
export interface TaskStatus {
  state: string;
  message?: string;
  reason?: string;
  source?: string;
  timestamp?: number;
  healthy?: boolean;
}
export interface Task {
  name: string;
  task_id: { value: string };
  framework_id: { value: string };
  agent_id: { value: string };
  executor_id?: { value: string };
  state: string;
  resources?: Resource[];
  statuses?: TaskStatus[];
}
export interface Agent {
  agent_info: {
    id?: { value: string };
    hostname: string;
    port?: number;
    attributes?: Attribute[];
  };
  active: boolean;
  deactivated?: boolean;
  pid?: string;
  total_resources?: Resource[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
  drain_info?: { state?: string };
}
export interface Framework {
  framework_info: {
    id?: { value: string };
    name: string;
    roles?: string[];
    role?: string;
    webui_url?: string;
    user?: string;
    principal?: string;
    hostname?: string;
    failover_timeout?: number;
    capabilities?: { type: string }[];
  };
  active: boolean;
  connected: boolean;
  registered_time?: { nanoseconds: number };
  offers?: unknown[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
}

export const SCALARS = ["cpus", "mem", "disk", "gpus"] as const;
export type Scalar = (typeof SCALARS)[number];
export type Amounts = Record<Scalar, number>;

export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_LOST",
  "TASK_ERROR",
  "TASK_DROPPED",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
]);

export function zero(): Amounts {
  return { cpus: 0, mem: 0, disk: 0, gpus: 0 };
}

/** Adds `sign` times the scalar resources of `list` into `into`. */
export function addResources(into: Amounts, list: readonly Resource[] | undefined, sign = 1): void {
  for (const r of list ?? []) {
    if ((SCALARS as readonly string[]).includes(r.name) && r.scalar !== undefined) {
      into[r.name as Scalar] += sign * r.scalar.value;
    }
  }
}

/** One sample of the session's time series (overview charts). */
export interface Sample {
  atMs: number;
  total: Amounts;
  allocated: Amounts;
  offered: Amounts;
  running: number;
  /** Tasks launched (TASK_ADDED) and finished (a live task turned terminal) a minute, since the sample before. */
  launchedPerMin: number;
  finishedPerMin: number;
}
/** The session's samples kept: one a 5 s tick, the last hour. */
export const SAMPLES_MAX = 720;
/**
 * Finished tasks kept, oldest dropped first: the master keeps a bounded number too
 * (--max_completed_tasks_per_framework), and a page open for days under churn would
 * otherwise grow without end (the UI load bench, bench/ui.bench.ts).
 */
export const COMPLETED_TASKS_MAX = 10_000;
/** Status updates kept per task (its state history), oldest dropped first. */
export const TASK_STATUSES_MAX = 32;

interface Snapshot {
  get_tasks?: { tasks?: Task[]; completed_tasks?: Task[]; unreachable_tasks?: Task[] };
  get_frameworks?: { frameworks?: Framework[]; completed_frameworks?: Framework[] };
  get_agents?: { agents?: Agent[] };
}

export class ClusterModel {
  readonly agents = new Map<string, Agent>();
  readonly frameworks = new Map<string, Framework>();
  readonly tasks = new Map<string, Task>();
  readonly taskStates = new Map<string, number>();
  readonly total = zero();
  /** What live (non-terminal) tasks hold, kept per event. */
  readonly allocated = zero();
  readonly samples: Sample[] = [];
  /** Ids of the terminal tasks in `tasks`, the longest finished first (insertion order). */
  readonly #terminal = new Set<string>();
  /** Bumped on every change: pages re-render only when it moved. */
  version = 0;
  /** Whether a SUBSCRIBED has been applied (the state is the master's, not empty). */
  synced = false;
  events = 0;
  /** Tasks launched and finished since the page loaded, for the rates of the samples. */
  launched = 0;
  finished = 0;
  #sampled = { launched: 0, finished: 0 };

  reset(state: Snapshot): void {
    this.agents.clear();
    this.frameworks.clear();
    this.tasks.clear();
    this.#terminal.clear();
    this.taskStates.clear();
    Object.assign(this.total, zero());
    Object.assign(this.allocated, zero());
    for (const a of state.get_agents?.agents ?? []) this.addAgent(a);
    const fw = state.get_frameworks;
    for (const f of [...(fw?.frameworks ?? []), ...(fw?.completed_frameworks ?? [])]) {
      this.putFramework(f);
    }
    const t = state.get_tasks;
    for (const list of [t?.tasks, t?.unreachable_tasks, t?.completed_tasks]) {
      for (const task of list ?? []) this.addTask(task);
    }
    this.synced = true;
    this.version++;
  }

  /** Applies one MasterEvent (JSON); false for an event the UI does not know. */
  apply(event: Record<string, unknown>): boolean {
    this.events++;
    const e = event as {
      type?: string;
      subscribed?: { get_state?: Snapshot };
      task_added?: { task: Task };
      task_updated?: { status: TaskStatus & { task_id: { value: string } }; state: string };
      agent_added?: { agent: Agent };
      agent_removed?: { agent_id: { value: string } };
      framework_added?: { framework: Framework };
      framework_updated?: { framework: Framework };
      framework_removed?: { framework_info: Framework["framework_info"] };
    };
    switch (e.type) {
      case "SUBSCRIBED":
        this.reset(e.subscribed?.get_state ?? {});
        return true;
      case "HEARTBEAT":
        return true;
      case "TASK_ADDED":
        if (e.task_added !== undefined) {
          this.launched++;
          this.addTask(e.task_added.task);
        }
        break;
      case "TASK_UPDATED":
        if (e.task_updated !== undefined) this.updateTask(e.task_updated);
        break;
      case "AGENT_ADDED":
        if (e.agent_added !== undefined) this.addAgent(e.agent_added.agent);
        break;
      case "AGENT_REMOVED":
        if (e.agent_removed !== undefined) this.removeAgent(e.agent_removed.agent_id.value);
        break;
      case "FRAMEWORK_ADDED":
      case "FRAMEWORK_UPDATED": {
        const f = e.framework_added?.framework ?? e.framework_updated?.framework;
        if (f !== undefined) this.putFramework(f);
        break;
      }
      case "FRAMEWORK_REMOVED": {
        const id = e.framework_removed?.framework_info.id?.value;
        const f = id === undefined ? undefined : this.frameworks.get(id);
        if (f !== undefined) this.frameworks.set(id!, { ...f, active: false, connected: false });
        break;
      }
      default:
        return false;
    }
    this.version++;
    return true;
  }

  /** Replaces the agents named in `agents` (a GET_AGENTS answer: the stream has no update). */
  updateAgents(agents: readonly Agent[]): void {
    for (const a of agents) this.addAgent(a);
    this.version++;
  }

  /** What frameworks hold offered right now (from the frameworks' last descriptions). */
  offered(): Amounts {
    const sum = zero();
    for (const f of this.frameworks.values()) addResources(sum, f.offered_resources);
    return sum;
  }

  /** Records one sample of the time series, dropping the oldest past SAMPLES_MAX. */
  sample(atMs: number): void {
    let running = 0;
    for (const [state, n] of this.taskStates) if (!TERMINAL_STATES.has(state)) running += n;
    const previous = this.samples.at(-1);
    const minutes = previous === undefined ? 0 : (atMs - previous.atMs) / 60_000;
    const rate = (now: number, then: number) => (minutes > 0 ? (now - then) / minutes : 0);
    const launchedPerMin = rate(this.launched, this.#sampled.launched);
    const finishedPerMin = rate(this.finished, this.#sampled.finished);
    this.#sampled = { launched: this.launched, finished: this.finished };
    this.samples.push({
      launchedPerMin,
      finishedPerMin,
      atMs,
      total: { ...this.total },
      allocated: { ...this.allocated },
      offered: this.offered(),
      running,
    });
    if (this.samples.length > SAMPLES_MAX)
      this.samples.splice(0, this.samples.length - SAMPLES_MAX);
  }

  private addAgent(a: Agent): void {
    const id = a.agent_info.id?.value ?? a.agent_info.hostname;
    const old = this.agents.get(id);
    if (old !== undefined) addResources(this.total, old.total_resources, -1);
    this.agents.set(id, a);
    addResources(this.total, a.total_resources);
  }

  private removeAgent(id: string): void {
    const old = this.agents.get(id);
    if (old === undefined) return;
    addResources(this.total, old.total_resources, -1);
    this.agents.delete(id);
  }

  private putFramework(f: Framework): void {
    const id = f.framework_info.id?.value;
    if (id !== undefined) this.frameworks.set(id, f);
  }

  private count(state: string, by: number): void {
    this.taskStates.set(state, (this.taskStates.get(state) ?? 0) + by);
  }

  private addTask(task: Task): void {
    const old = this.tasks.get(task.task_id.value);
    if (old !== undefined) this.forget(old);
    this.put(task);
  }

  /** Stores a task (its old version already forgotten) and keeps the finished ones bounded. */
  private put(task: Task): void {
    const id = task.task_id.value;
    this.tasks.set(id, task);
    this.count(task.state, 1);
    if (!TERMINAL_STATES.has(task.state)) {
      addResources(this.allocated, task.resources);
      return;
    }
    this.#terminal.delete(id);
    this.#terminal.add(id);
    for (const oldest of this.#terminal) {
      if (this.#terminal.size <= COMPLETED_TASKS_MAX) break;
      this.#terminal.delete(oldest);
      const dropped = this.tasks.get(oldest);
      if (dropped !== undefined) this.forget(dropped);
      this.tasks.delete(oldest);
    }
  }

  private forget(task: Task): void {
    this.count(task.state, -1);
    if (!TERMINAL_STATES.has(task.state)) addResources(this.allocated, task.resources, -1);
  }

  private updateTask(u: {
    status: TaskStatus & { task_id: { value: string } };
    state: string;
  }): void {
    const old = this.tasks.get(u.status.task_id.value);
    if (old === undefined) return;
    if (!TERMINAL_STATES.has(old.state) && TERMINAL_STATES.has(u.state)) this.finished++;
    this.forget(old);
    const { task_id: _, ...status } = u.status;
    const statuses = [...(old.statuses ?? []), status].slice(-TASK_STATUSES_MAX);
    this.put({ ...old, state: u.state, statuses });
  }
}

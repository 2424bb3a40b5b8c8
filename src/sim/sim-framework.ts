// A simulated scheduler (a v1 HTTP framework, reference §1): it subscribes (again with its
// framework id after a disconnect or failover), packs its queued tasks into offers, declines
// what it cannot use, suppresses offers while idle and revives when work arrives, acknowledges
// every update carrying a uuid, and reconciles after each (re)subscription and for launches it
// never heard back about. Lost tasks are relaunched; service instances are kept at their count.
import type { SchedulerCall, SchedulerEvent } from "../master/core/wire-types.ts";
import type { FrameworkInfo } from "../wire/framework.ts";
import { isTerminalState, type TaskState, type TaskStatus } from "../wire/status.ts";
import type { TaskInfo } from "../wire/task.ts";
import { type SeededRandom, streamOf, uniformMs } from "./prng.ts";
import { simTaskCommand } from "./sim-containerizer.ts";
import type { VirtualClock } from "./virtual-clock.ts";
import { type Arrival, expandWorkload, type TaskPlanSpec, type WorkloadSpec } from "./workload.ts";

export interface SimFrameworkSink {
  subscribe(framework: SimFramework, call: SchedulerCall): void;
  call(framework: SimFramework, call: SchedulerCall): void;
}

export interface SimFrameworkOptions {
  name: string;
  clock: VirtualClock;
  seed: number;
  role: string;
  checkpoint: boolean;
  partitionAware: boolean;
  workloads: readonly WorkloadSpec[];
  sink: SimFrameworkSink;
  /** Agents this framework may use, by the offer's agent attributes (static partitioning). */
  usesAgent?: (
    attributes: readonly { name: string; text?: { value: string } | undefined }[],
  ) => boolean;
  /** Relaunches of a lost task before giving up on it. */
  maxAttempts?: number;
}

export interface FwTask {
  id: string;
  spec: TaskPlanSpec;
  jobId: string | undefined;
  service: boolean;
  attempt: number;
  submittedAtMs: number;
  launchedAtMs: number | undefined;
  runningAtMs: number | undefined;
  /** First terminal state the framework heard of, and when. */
  terminal: TaskState | undefined;
  endedAtMs: number | undefined;
  state: TaskState | "QUEUED";
  agentId: string | undefined;
  /** Last time an update about it arrived (or it was launched). */
  heardAtMs: number;
  /** It was replaced by a relaunch (lost, unreachable): kill it if it shows up again. */
  replaced: boolean;
}

export interface FrameworkCounters {
  offersReceived: number;
  offersDeclined: number;
  offersAccepted: number;
  tasksLaunched: number;
  updates: number;
  /** Terminal updates (with uuid) for a task that already had a terminal update acknowledged. */
  extraTerminals: number;
  rescinds: number;
  subscriptions: number;
}

const LOST_STATES = new Set<TaskState>([
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
  "TASK_ERROR",
  "TASK_UNREACHABLE",
  "TASK_UNKNOWN",
]);

export class SimFramework {
  readonly name: string;
  frameworkId: string | undefined;
  /** The scheduler stream it holds (set by the simulation). */
  streamId: string | undefined;
  /** Whether the master answered SUBSCRIBED on the current stream. */
  subscribed = false;
  readonly tasks = new Map<string, FwTask>();
  readonly queue: FwTask[] = [];
  readonly jobs = new Map<string, { arrivedAtMs: number; open: number; endedAtMs?: number }>();
  readonly counters: FrameworkCounters = {
    offersReceived: 0,
    offersDeclined: 0,
    offersAccepted: 0,
    tasksLaunched: 0,
    updates: 0,
    extraTerminals: 0,
    rescinds: 0,
    subscriptions: 0,
  };
  /** uuids of terminal updates acknowledged, per task. */
  readonly terminalUuids = new Map<string, Set<string>>();
  /** Every update uuid that reached the framework. */
  readonly receivedUuids = new Set<string>();
  suppressed = false;
  /** No new work after this time (the simulation's calm phase). */
  stopped = false;
  readonly #rng: SeededRandom;
  readonly #options: SimFrameworkOptions;
  #nextTask = 0;

  constructor(options: SimFrameworkOptions) {
    this.name = options.name;
    this.#options = options;
    this.#rng = streamOf(options.seed, `framework-${options.name}`);
  }

  get role(): string {
    return this.#options.role;
  }

  info(): FrameworkInfo {
    return {
      user: "sim",
      name: this.name,
      ...(this.frameworkId === undefined ? {} : { id: { value: this.frameworkId } }),
      failover_timeout: 7 * 86_400,
      checkpoint: this.#options.checkpoint,
      ...(this.#options.role === "*" ? {} : { role: this.#options.role }),
      roles: [],
      capabilities: this.#options.partitionAware ? [{ type: "PARTITION_AWARE" }] : [],
    } as FrameworkInfo;
  }

  /** Schedules the workload's arrivals and subscribes. */
  start(): void {
    this.#options.workloads.forEach((spec, i) => {
      const rng = streamOf(this.#options.seed, `workload-${this.name}-${i}`);
      for (const arrival of expandWorkload(spec, rng, `${this.name}-w${i}`)) {
        this.#options.clock.at(arrival.atMs, () => this.#arrive(arrival));
      }
    });
    this.subscribe();
    this.#tick();
  }

  subscribe(): void {
    this.subscribed = false;
    const info = this.info();
    const call = {
      type: "SUBSCRIBE",
      subscribe: { framework_info: info },
      ...(this.frameworkId === undefined ? {} : { framework_id: { value: this.frameworkId } }),
    } as SchedulerCall;
    this.#options.sink.subscribe(this, call);
  }

  /** The stream broke: try again after a short backoff (the scheduler library's behaviour). */
  disconnected(): void {
    this.streamId = undefined;
    this.subscribed = false;
    this.#options.clock.after(uniformMs(this.#rng, 500, 3000), () => {
      if (this.streamId === undefined) this.subscribe();
    });
  }

  onEvent(event: SchedulerEvent): void {
    switch (event.type) {
      case "SUBSCRIBED":
        this.frameworkId = event.subscribed?.framework_id.value;
        this.subscribed = true;
        this.suppressed = false;
        this.counters.subscriptions++;
        this.#reconcile(
          [...this.tasks.values()].filter((t) => t.state !== "QUEUED" && t.terminal === undefined),
        );
        break;
      case "OFFERS":
        this.#offers(event.offers?.offers ?? []);
        break;
      case "RESCIND":
        this.counters.rescinds++;
        break;
      case "UPDATE":
        if (event.update !== undefined) this.#update(event.update.status as TaskStatus);
        break;
      case "ERROR":
        // The master refuses us (e.g. removed): nothing more to do for this framework.
        break;
      default:
        break;
    }
  }

  #arrive(arrival: Arrival): void {
    if (this.stopped) return;
    if (arrival.jobId !== undefined) {
      this.jobs.set(arrival.jobId, { arrivedAtMs: arrival.atMs, open: arrival.tasks.length });
    }
    for (const spec of arrival.tasks) this.#enqueue(spec, arrival.jobId, arrival.service, 1);
  }

  #enqueue(spec: TaskPlanSpec, jobId: string | undefined, service: boolean, attempt: number): void {
    const task: FwTask = {
      id: `${this.name}-t${this.#nextTask++}`,
      spec,
      jobId,
      service,
      attempt,
      submittedAtMs: this.#options.clock.nowMs,
      launchedAtMs: undefined,
      runningAtMs: undefined,
      terminal: undefined,
      endedAtMs: undefined,
      state: "QUEUED",
      agentId: undefined,
      heardAtMs: this.#options.clock.nowMs,
      replaced: false,
    };
    this.tasks.set(task.id, task);
    this.queue.push(task);
    if (this.suppressed && this.subscribed) {
      this.suppressed = false;
      this.#call({ type: "REVIVE", revive: { roles: [] } });
    }
  }

  #offers(offers: NonNullable<NonNullable<SchedulerEvent["offers"]>["offers"]>): void {
    for (const offer of offers) {
      this.counters.offersReceived++;
      const agentId = offer.agent_id.value;
      let cpus = 0;
      let memMb = 0;
      for (const r of offer.resources ?? []) {
        if (r.name === "cpus") cpus += Number(r.scalar?.value ?? 0);
        else if (r.name === "mem") memMb += Number(r.scalar?.value ?? 0);
      }
      const launch: TaskInfo[] = [];
      const allowed = this.#options.usesAgent?.(offer.attributes ?? []) ?? true;
      if (allowed) {
        for (let i = 0; i < this.queue.length; ) {
          const task = this.queue[i] as FwTask;
          if (task.spec.cpus <= cpus + 1e-9 && task.spec.memMb <= memMb + 1e-9) {
            cpus -= task.spec.cpus;
            memMb -= task.spec.memMb;
            this.queue.splice(i, 1);
            launch.push(this.#taskInfo(task, agentId));
          } else i++;
        }
      }
      if (launch.length === 0) {
        this.counters.offersDeclined++;
        // Partitioned off this agent: a long filter, as a statically partitioned cluster would.
        const refuseSeconds = allowed ? 5 : 3600;
        this.#call({
          type: "DECLINE",
          decline: { offer_ids: [offer.id], filters: { refuse_seconds: refuseSeconds } },
        });
      } else {
        this.counters.offersAccepted++;
        this.counters.tasksLaunched += launch.length;
        this.#call({
          type: "ACCEPT",
          accept: {
            offer_ids: [offer.id],
            operations: [{ type: "LAUNCH", launch: { task_infos: launch } }],
            filters: { refuse_seconds: 1 },
          },
        });
      }
    }
    if (this.queue.length === 0 && !this.suppressed) {
      this.suppressed = true;
      this.#call({ type: "SUPPRESS", suppress: { roles: [] } });
    }
  }

  #taskInfo(task: FwTask, agentId: string): TaskInfo {
    const now = this.#options.clock.nowMs;
    task.state = "TASK_STAGING";
    task.agentId = agentId;
    task.launchedAtMs = now;
    task.heardAtMs = now;
    const scalar = (name: string, value: number) => ({
      name,
      type: "SCALAR",
      scalar: { value },
      reservations: [],
    });
    return {
      name: task.id,
      task_id: { value: task.id },
      agent_id: { value: agentId },
      resources: [scalar("cpus", task.spec.cpus), scalar("mem", task.spec.memMb)],
      command: { value: simTaskCommand(task.spec), shell: true },
    } as TaskInfo;
  }

  #update(status: TaskStatus): void {
    this.counters.updates++;
    if (status.uuid !== undefined) this.receivedUuids.add(status.uuid);
    const task = this.tasks.get(status.task_id.value);
    const uuid = status.uuid;
    if (uuid !== undefined) {
      this.#call({
        type: "ACKNOWLEDGE",
        acknowledge: {
          agent_id: status.agent_id ?? { value: task?.agentId ?? "" },
          task_id: status.task_id,
          uuid,
        },
      });
    }
    if (task === undefined) return;
    const now = this.#options.clock.nowMs;
    task.heardAtMs = now;
    const state = status.state;
    // The agent's answer to the master's reconciliation of a task it does not know is sent once,
    // outside its status update manager (as in Mesos); a later re-registration asks again and
    // gets a new answer with a new uuid. Only the task's own terminal updates must be unique.
    if (
      uuid !== undefined &&
      isTerminalState(state) &&
      status.source !== "SOURCE_MASTER" &&
      status.reason !== "REASON_RECONCILIATION"
    ) {
      const seen = this.terminalUuids.get(task.id) ?? new Set<string>();
      if (!seen.has(uuid) && seen.size > 0) this.counters.extraTerminals++;
      seen.add(uuid);
      this.terminalUuids.set(task.id, seen);
    }
    if (task.terminal !== undefined) {
      // A task we took for gone is running after all (e.g. its agent came back): kill it.
      if (state === "TASK_RUNNING") this.#kill(task);
      return;
    }
    if (state === "TASK_RUNNING") {
      task.runningAtMs ??= now;
      if (task.replaced) this.#kill(task);
    }
    // An answer that the master never heard of a launch is only believed for old launches.
    if (state === "TASK_UNKNOWN" && now - (task.launchedAtMs ?? now) < 30_000) return;
    task.state = state;
    if (isTerminalState(state) || (LOST_STATES.has(state) && state !== "TASK_UNREACHABLE")) {
      this.#ended(task, state, status);
    } else if (state === "TASK_UNREACHABLE" && !task.replaced) {
      task.replaced = true;
      this.#relaunch(task);
    }
  }

  #ended(task: FwTask, state: TaskState, status: TaskStatus): void {
    task.terminal = state;
    task.endedAtMs = this.#options.clock.nowMs;
    const lost =
      LOST_STATES.has(state) || (state === "TASK_FAILED" && status.source !== "SOURCE_EXECUTOR");
    if ((lost || task.service) && !task.replaced && state !== "TASK_KILLED") {
      task.replaced = true;
      this.#relaunch(task);
      return;
    }
    if (task.replaced) return;
    this.#jobTaskDone(task.jobId);
  }

  #relaunch(task: FwTask): void {
    if (task.service || task.attempt < (this.#options.maxAttempts ?? 5)) {
      if (!this.stopped || !task.service) {
        this.#enqueue(task.spec, task.jobId, task.service, task.attempt + 1);
        return;
      }
    }
    this.#jobTaskDone(task.jobId);
  }

  #jobTaskDone(jobId: string | undefined): void {
    const job = jobId === undefined ? undefined : this.jobs.get(jobId);
    if (job === undefined) return;
    job.open--;
    if (job.open === 0) job.endedAtMs = this.#options.clock.nowMs;
  }

  /** Every 30 s: launches not heard of for a minute are reconciled (their ACCEPT may be lost). */
  #tick(): void {
    this.#options.clock.after(30_000, () => this.#tick());
    if (!this.subscribed) return;
    if (this.stopped) this.#killStopped();
    const now = this.#options.clock.nowMs;
    this.#reconcile(
      [...this.tasks.values()].filter(
        (t) => t.state !== "QUEUED" && t.terminal === undefined && now - t.heardAtMs > 60_000,
      ),
    );
    if (this.queue.length > 0 && this.suppressed) {
      this.suppressed = false;
      this.#call({ type: "REVIVE", revive: { roles: [] } });
    }
  }

  #reconcile(tasks: FwTask[]): void {
    if (tasks.length === 0) return;
    this.#call({
      type: "RECONCILE",
      reconcile: {
        tasks: tasks.map((t) => ({
          task_id: { value: t.id },
          ...(t.agentId === undefined ? {} : { agent_id: { value: t.agentId } }),
        })),
      },
    });
  }

  /**
   * The run is ending: no new work; services (or, with `killAll`, every task) are killed so
   * that the run can settle. Kills are sent again every tick until the tasks end.
   */
  stop(killAll: boolean): void {
    this.stopped = true;
    this.killAll = killAll;
    this.queue.length = 0;
    this.#killStopped();
  }

  killAll = false;

  #kill(task: FwTask): void {
    this.#call({
      type: "KILL",
      kill: {
        task_id: { value: task.id },
        ...(task.agentId === undefined ? {} : { agent_id: { value: task.agentId } }),
      },
    });
  }

  #killStopped(): void {
    for (const task of this.tasks.values()) {
      if (task.terminal !== undefined || task.state === "QUEUED") continue;
      if (task.service || this.killAll) {
        this.#call({
          type: "KILL",
          kill: {
            task_id: { value: task.id },
            ...(task.agentId === undefined ? {} : { agent_id: { value: task.agentId } }),
          },
        });
      }
    }
  }

  #call(call: Omit<SchedulerCall, "framework_id">): void {
    if (this.frameworkId === undefined || this.streamId === undefined) return;
    this.#options.sink.call(this, {
      ...call,
      framework_id: { value: this.frameworkId },
    } as SchedulerCall);
  }
}

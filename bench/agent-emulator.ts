// An agent emulator for the scale benches (issue 21, the Mesos paper's emulation): many agents in
// one process, each on its own real agent-channel connection to a real master, through the
// agent's own link (src/agent/master-link.ts: SUBSCRIBE stream, calls batched per POST). What
// an agent does on that channel is done here as the agent core does it
// (src/agent/core/registration.ts, status-update-manager.ts), without containers:
//
// - registration: SUBSCRIBE after a random delay in [0, backoff factor]; on a failure, again
//   after a random delay whose bound doubles up to 1 min; re-registration carries the agent id,
//   its tasks (each with its first unacknowledged update) and their FrameworkInfos;
// - PING is answered with PONG; a master silent for `total_ping_timeout_seconds` is given up
//   on and the agent registers again;
// - RUN_TASK is answered with TASK_RUNNING (an emulated task: nothing runs), KILL_TASK with
//   TASK_KILLED, SHUTDOWN_FRAMEWORK drops that framework's tasks; updates are kept until the
//   master's ACKNOWLEDGE and resent after a reconnection or an unanswered 10 s; a task may be
//   finished after `taskRunMs` (TASK_FINISHED).
//
// A new leader is announced with `leaderChanged(url)` (what the agent's ZooKeeper detector does
// on a real cluster): every link is dropped and the agents register again with the new master.
import { pino } from "pino";
import type { MasterCall } from "../src/agent/core/types.ts";
import { MasterLink } from "../src/agent/master-link.ts";
import { MESOS_COMPATIBLE_VERSION } from "../src/base/mesos-version.ts";
import { randomUuidBase64 } from "../src/base/uuid.ts";
import { isTerminal } from "../src/master/core/task-states.ts";
import type { AgentEvent } from "../src/wire/agent-channel.ts";
import type { FrameworkInfo } from "../src/wire/framework.ts";
import type { Resource } from "../src/wire/resource.ts";
import type { TaskState } from "../src/wire/status.ts";
import type { Task } from "../src/wire/task.ts";
import { nowMs } from "./harness.ts";

/** The agent's --registration_backoff_factor default and its retry cap (agent/core/types.ts). */
const REGISTRATION_BACKOFF_MAX_MS = 60_000;
/** The status update manager's first retry (agent/core/types.ts statusUpdateRetryMinMs). */
const UPDATE_RETRY_MS = 10_000;
/** How often the emulator looks for ping timeouts, update retries and finished tasks. */
const SWEEP_INTERVAL_MS = 1_000;

export interface EmulatorOptions {
  /** The master's base URL, `http://host:port`. */
  master: string;
  /** Agents in this emulator; hostnames `${hostPrefix}-${firstIndex + i}`. */
  agents: number;
  firstIndex: number;
  hostPrefix: string;
  /** Each agent's resources: enough for `slots` tasks of `taskCpus`/`taskMemMb`. */
  slots: number;
  taskCpus: number;
  taskMemMb: number;
  /** --registration_backoff_factor: first (re-)registration after a random delay up to this. */
  backoffFactorMs: number;
  /**
   * An emulated task finishes (TASK_FINISHED) after a random time in [0, 2 × taskRunMs] (a mean
   * of taskRunMs, so the cluster churns steadily rather than in waves); 0 = never.
   */
  taskRunMs: number;
}

interface EmulatedTask {
  task: Task;
  startedMs: number;
  /** When it finishes (emulator time), or Infinity. */
  endMs: number;
  /** Updates not yet acknowledged, oldest first; the first is the one out. */
  pending: { state: TaskState; uuid: string }[];
  sentMs: number;
}

/** Counts of one (re-)registration round, for the failover bench's "timed out / retried". */
export interface RegistrationRound {
  /** Agents subscribed in this round. */
  subscribed: number;
  /** Tasks the subscribed agents carried in their SUBSCRIBE. */
  tasksCarried: number;
  /** Attempts that ended without SUBSCRIBED (refused, reset, closed): the agent had to retry. */
  failedAttempts: number;
  /** Agents that needed more than one SUBSCRIBE in this round. */
  agentsRetried: number;
  /** Time from the round's start to each agent's SUBSCRIBED, ms, in arrival order. */
  subscribedAtMs: number[];
}

export class EmulatedAgent {
  id: string | undefined;
  readonly hostname: string;
  link: MasterLink;
  registered = false;
  /** SUBSCRIBEs sent in the current round. */
  attempts = 0;
  lastPingMs = 0;
  pingTimeoutMs = 75_000;
  readonly tasks = new Map<string, EmulatedTask>();
  readonly frameworks = new Map<string, FrameworkInfo>();
  #backoffMs: number;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly emulator: AgentEmulator,
    readonly index: number,
    master: string,
  ) {
    this.hostname = `${emulator.options.hostPrefix}-${index}`;
    this.#backoffMs = emulator.options.backoffFactorMs;
    this.link = this.#newLink(master);
  }

  #newLink(master: string): MasterLink {
    return new MasterLink(
      master,
      { event: (event) => this.#event(event), disconnected: () => this.#disconnected() },
      this.emulator.logger,
    );
  }

  /** Starts (re-)registering: the first SUBSCRIBE after a random delay in [0, factor]. */
  startRegistration(master?: string): void {
    if (master !== undefined) {
      this.link.close();
      this.link = this.#newLink(master);
    }
    this.registered = false;
    this.attempts = 0;
    this.#backoffMs = this.emulator.options.backoffFactorMs;
    this.#schedule(Math.random() * this.emulator.options.backoffFactorMs);
  }

  #schedule(delayMs: number): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.attempts++;
      this.link.subscribe(this.subscribeCall());
    }, delayMs);
  }

  #disconnected(): void {
    if (this.emulator.closed) return;
    if (!this.registered) this.emulator.round.failedAttempts++;
    this.registered = false;
    // As the agent core's registration timer: a random delay whose bound doubles.
    const boundMs = Math.min(Math.max(this.#backoffMs, 1), REGISTRATION_BACKOFF_MAX_MS);
    this.#backoffMs = Math.min(boundMs * 2, REGISTRATION_BACKOFF_MAX_MS);
    this.#schedule(Math.random() * boundMs);
  }

  /** SUBSCRIBE as registration.ts builds it: register, or re-register with every task. */
  subscribeCall(): MasterCall {
    const o = this.emulator.options;
    const resources: Resource[] = [
      scalar("cpus", round1(o.slots * o.taskCpus)),
      scalar("mem", o.slots * o.taskMemMb),
      scalar("disk", 1024),
    ];
    const info = { hostname: this.hostname, port: 5051, resources };
    const tasks: Task[] = [];
    for (const t of this.tasks.values()) {
      const first = t.pending[0];
      tasks.push(
        first === undefined
          ? t.task
          : { ...t.task, status_update_state: first.state, status_update_uuid: first.uuid },
      );
    }
    const id = this.id === undefined ? undefined : { value: this.id };
    return {
      type: "SUBSCRIBE",
      ...(id === undefined ? {} : { agent_id: id }),
      subscribe: {
        agent_info: id === undefined ? info : { ...info, id },
        ...(id === undefined ? {} : { agent_id: id }),
        address: { ip: "127.0.0.1", port: 5051 },
        version: MESOS_COMPATIBLE_VERSION,
        capabilities: [{ type: "MULTI_ROLE" }, { type: "HIERARCHICAL_ROLE" }],
        total_resources: resources,
        checkpointed_resources: [],
        executors: [],
        tasks,
        frameworks: [...this.frameworks.values()],
      },
    };
  }

  #event(event: AgentEvent): void {
    switch (event.type) {
      case "SUBSCRIBED":
        this.#subscribed(event.subscribed);
        return;
      case "PING":
        this.lastPingMs = nowMs();
        if (this.id !== undefined) this.link.send({ type: "PONG", agent_id: { value: this.id } });
        return;
      case "RUN_TASK":
        if (event.run_task !== undefined) this.#runTask(event.run_task);
        return;
      case "KILL_TASK": {
        const t = event.kill_task && this.tasks.get(event.kill_task.task_id.value);
        if (t !== undefined) this.update(t, "TASK_KILLED");
        return;
      }
      case "ACKNOWLEDGE": {
        const t = event.acknowledge && this.tasks.get(event.acknowledge.task_id.value);
        if (t === undefined || t.pending[0]?.uuid !== event.acknowledge?.uuid) return;
        t.pending.shift();
        if (t.pending.length > 0) this.#sendUpdate(t);
        else if (isTerminal(t.task.state)) this.tasks.delete(t.task.task_id.value);
        return;
      }
      case "SHUTDOWN_FRAMEWORK": {
        const fw = event.shutdown_framework?.framework_id.value;
        for (const [key, t] of this.tasks)
          if (t.task.framework_id.value === fw) this.tasks.delete(key);
        return;
      }
    }
  }

  #subscribed(sub: AgentEvent["subscribed"]): void {
    if (sub === undefined || this.registered) return;
    this.id = sub.agent_id.value;
    this.registered = true;
    this.lastPingMs = nowMs();
    this.pingTimeoutMs = sub.total_ping_timeout_seconds * 1000;
    this.emulator.agentSubscribed(this);
    // Updates not yet acknowledged go out again on the new stream (sum.resume).
    for (const t of this.tasks.values()) if (t.pending.length > 0) this.#sendUpdate(t);
  }

  #runTask(run: NonNullable<AgentEvent["run_task"]>): void {
    const info = run.task;
    const fw = run.framework_id.value;
    this.frameworks.set(fw, { ...run.framework_info, id: run.framework_id });
    const task: Task = {
      name: info.name,
      task_id: info.task_id,
      framework_id: run.framework_id,
      agent_id: { value: this.id ?? "" },
      state: "TASK_STAGING",
      resources: info.resources ?? [],
      statuses: [],
    };
    const runMs = this.emulator.options.taskRunMs;
    const startedMs = nowMs();
    const endMs = runMs > 0 ? startedMs + Math.random() * 2 * runMs : Number.POSITIVE_INFINITY;
    const t: EmulatedTask = { task, startedMs, endMs, pending: [], sentMs: 0 };
    this.tasks.set(info.task_id.value, t);
    this.update(t, "TASK_RUNNING");
  }

  /** A task the agent already runs (the failover bench's tasks, launched "before"). */
  adoptTask(framework: FrameworkInfo, task: Task): void {
    if (framework.id !== undefined) this.frameworks.set(framework.id.value, framework);
    const t = { task, startedMs: nowMs(), endMs: Number.POSITIVE_INFINITY, pending: [], sentMs: 0 };
    this.tasks.set(task.task_id.value, t);
  }

  /** The task moves to `state`; the update is queued behind unacknowledged ones. */
  update(t: EmulatedTask, state: TaskState): void {
    t.task = { ...t.task, state };
    t.pending.push({ state, uuid: randomUuidBase64() });
    if (t.pending.length === 1) this.#sendUpdate(t);
  }

  #sendUpdate(t: EmulatedTask): void {
    const first = t.pending[0];
    if (first === undefined || this.id === undefined || !this.registered) return;
    t.sentMs = nowMs();
    this.link.send({
      type: "UPDATE",
      agent_id: { value: this.id },
      update: {
        framework_id: t.task.framework_id,
        status: {
          task_id: t.task.task_id,
          state: first.state,
          source: "SOURCE_EXECUTOR",
          agent_id: { value: this.id },
          timestamp: Date.now() / 1000,
          uuid: first.uuid,
        },
        latest_state: t.task.state,
      },
    });
  }

  /** Ping timeouts, update retries and tasks that are done running. */
  sweep(now: number): void {
    if (this.registered && now - this.lastPingMs > this.pingTimeoutMs) {
      this.emulator.pingTimeouts++;
      this.startRegistration();
      return;
    }
    for (const t of this.tasks.values()) {
      if (t.task.state === "TASK_RUNNING" && now >= t.endMs) {
        this.update(t, "TASK_FINISHED");
      } else if (t.pending.length > 0 && now - t.sentMs >= UPDATE_RETRY_MS) {
        this.#sendUpdate(t);
      }
    }
  }

  close(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.link.close();
  }
}

export class AgentEmulator {
  readonly agents: EmulatedAgent[] = [];
  readonly logger = pino({ level: "silent" });
  round: RegistrationRound = emptyRound();
  #roundStartMs = nowMs();
  pingTimeouts = 0;
  closed = false;
  #sweeper: ReturnType<typeof setInterval>;
  /** Called on every SUBSCRIBED of the round (the child process reports progress with it). */
  onSubscribed: (agent: EmulatedAgent) => void = () => {};

  constructor(readonly options: EmulatorOptions) {
    for (let i = 0; i < options.agents; i++) {
      this.agents.push(new EmulatedAgent(this, options.firstIndex + i, options.master));
    }
    this.#sweeper = setInterval(() => {
      const now = nowMs();
      for (const agent of this.agents) agent.sweep(now);
    }, SWEEP_INTERVAL_MS);
  }

  /** Every agent registers (or re-registers) with `master`, or the current one. */
  register(master?: string): void {
    this.round = emptyRound();
    this.#roundStartMs = nowMs();
    for (const agent of this.agents) agent.startRegistration(master);
  }

  agentSubscribed(agent: EmulatedAgent): void {
    const round = this.round;
    round.subscribed++;
    round.tasksCarried += agent.tasks.size;
    if (agent.attempts > 1) round.agentsRetried++;
    round.subscribedAtMs.push(nowMs() - this.#roundStartMs);
    this.onSubscribed(agent);
  }

  /**
   * Each registered agent takes `tasksPerAgent` running tasks of these frameworks (round robin)
   * as if launched before: what the failover bench's agents re-register with.
   */
  adoptTasks(frameworks: FrameworkInfo[], tasksPerAgent: number, role: string): void {
    const o = this.options;
    const alloc = { allocation_info: { role } };
    const resources: Resource[] = [
      { ...scalar("cpus", o.taskCpus), ...alloc },
      { ...scalar("mem", o.taskMemMb), ...alloc },
    ];
    for (const agent of this.agents) {
      for (let j = 0; j < tasksPerAgent; j++) {
        const framework = frameworks[j % frameworks.length];
        if (framework?.id === undefined) continue;
        const task_id = { value: `t-${agent.index}-${j}` };
        const agent_id = { value: agent.id ?? "" };
        const status = { task_id, state: "TASK_RUNNING" as const, agent_id };
        agent.adoptTask(framework, {
          name: `emulated-${j}`,
          task_id,
          framework_id: framework.id,
          agent_id,
          state: "TASK_RUNNING",
          resources,
          statuses: [{ ...status, source: "SOURCE_EXECUTOR", timestamp: Date.now() / 1000 }],
        });
      }
    }
  }

  get tasks(): number {
    let n = 0;
    for (const agent of this.agents) n += agent.tasks.size;
    return n;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.#sweeper);
    for (const agent of this.agents) agent.close();
  }
}

function emptyRound(): RegistrationRound {
  return {
    subscribed: 0,
    tasksCarried: 0,
    failedAttempts: 0,
    agentsRetried: 0,
    subscribedAtMs: [],
  };
}

function scalar(name: string, value: number): Resource {
  return { name, type: "SCALAR", scalar: { value } };
}

function round1(x: number): number {
  return Math.round(x * 1000) / 1000;
}

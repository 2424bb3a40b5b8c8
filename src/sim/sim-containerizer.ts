// The simulated containerizer and command executor of a simulated agent. A container runs one
// command task whose command says how long it runs and how it exits ("sim-task <ms|inf> <code>",
// written by the simulated framework from its workload). Its executor speaks to the real agent
// core as the v1 command executor does (reference §3.3): SUBSCRIBE, TASK_RUNNING on LAUNCH, a
// terminal update when the task ends or is killed, and exit once that update is ACKNOWLEDGED.
// Executors outlive an agent crash (they are separate processes) and SUBSCRIBE again with their
// unacknowledged updates when the agent is back.
import type { AgentInput, ContainerLaunch, ExecutorEventOut } from "../agent/core/types.ts";
import type { ExecutorCall } from "../wire/executor.ts";
import { isTerminalState as isTerminal, type TaskState, type TaskStatus } from "../wire/status.ts";
import type { TaskInfo } from "../wire/task.ts";
import { type SeededRandom, uniformMs } from "./prng.ts";
import type { ScheduledEvent, VirtualClock } from "./virtual-clock.ts";

/** What a simulated task does: run `durationMs` (Infinity: until killed), then exit `exitCode`. */
export interface SimTaskPlan {
  durationMs: number;
  exitCode: number;
}

export function simTaskCommand(plan: SimTaskPlan): string {
  const duration = Number.isFinite(plan.durationMs) ? String(plan.durationMs) : "inf";
  return `sim-task ${duration} ${plan.exitCode}`;
}

export function parseSimTaskCommand(command: string | undefined): SimTaskPlan {
  const parts = (command ?? "").split(" ");
  if (parts[0] !== "sim-task") return { durationMs: Number.POSITIVE_INFINITY, exitCode: 0 };
  const durationMs = parts[1] === "inf" ? Number.POSITIVE_INFINITY : Number(parts[1]);
  return { durationMs, exitCode: Number(parts[2] ?? 0) };
}

/** cpus and mem of a task's wire resources. */
export function taskCpusMem(task: TaskInfo): { cpus: number; memMb: number } {
  let cpus = 0;
  let memMb = 0;
  for (const r of task.resources ?? []) {
    if (r.name === "cpus") cpus += r.scalar?.value ?? 0;
    else if (r.name === "mem") memMb += r.scalar?.value ?? 0;
  }
  return { cpus, memMb };
}

interface SimTask {
  info: TaskInfo;
  plan: SimTaskPlan;
  state: TaskState;
  end: ScheduledEvent | undefined;
}

export class SimContainer {
  alive = true;
  streamId: string | undefined;
  readonly tasks = new Map<string, SimTask>();
  /** Updates sent and not yet ACKNOWLEDGED by the agent, in send order. */
  readonly unacked = new Map<string, TaskStatus>();
  constructor(readonly launch: ContainerLaunch) {}

  get id(): string {
    return this.launch.containerId;
  }
}

/** The agent side the containerizer talks to (the host feeds these into its AgentCore). */
export interface ContainerizerHost {
  readonly up: boolean;
  handle(input: AgentInput): void;
}

export class SimContainerizer {
  readonly containers = new Map<string, SimContainer>();
  readonly #byStream = new Map<string, SimContainer>();
  #nextStream = 0;
  #nextUuid = 0;
  #nextRequest = 1;
  readonly #updateRequests = new Map<number, { container: SimContainer; status: TaskStatus }>();
  /** Updates the agent ACKNOWLEDGED to executors (it took them over: they must reach the framework). */
  readonly executorAcked = new Map<string, { key: string; checkpoint: boolean }>();
  /** Told of every task an executor was handed (`frameworkId`, `taskId`). */
  onLaunch: ((frameworkId: string, taskId: string) => void) | undefined;

  constructor(
    readonly name: string,
    readonly clock: VirtualClock,
    readonly rng: SeededRandom,
    readonly host: ContainerizerHost,
  ) {}

  /** cpus and mem held by tasks that have not ended (the simulated resource use). */
  usage(): { cpus: number; memMb: number } {
    let cpus = 0;
    let memMb = 0;
    for (const c of this.containers.values()) {
      if (!c.alive) continue;
      for (const t of c.tasks.values()) {
        if (isTerminal(t.state)) continue;
        const use = taskCpusMem(t.info);
        cpus += use.cpus;
        memMb += use.memMb;
      }
    }
    return { cpus, memMb };
  }

  /** Task ids running (not ended) in live containers, as `frameworkId/taskId`. */
  runningTasks(): string[] {
    const out: string[] = [];
    for (const c of this.containers.values()) {
      if (!c.alive) continue;
      for (const [id, t] of c.tasks)
        if (!isTerminal(t.state)) out.push(`${c.launch.frameworkId}/${id}`);
    }
    return out.sort();
  }

  launch(launch: ContainerLaunch): void {
    const container = new SimContainer(launch);
    this.containers.set(launch.containerId, container);
    this.clock.after(uniformMs(this.rng, 5, 50), () => {
      if (!container.alive || !this.host.up) return;
      this.host.handle({ kind: "container_launched", containerId: container.id });
      this.clock.after(uniformMs(this.rng, 1, 20), () => this.subscribe(container));
    });
  }

  destroy(containerId: string): void {
    const container = this.containers.get(containerId);
    if (container === undefined || !container.alive) {
      this.clock.after(1, () => {
        if (this.host.up) this.host.handle({ kind: "container_exited", containerId, status: 9 });
      });
      return;
    }
    this.#exit(container, 9);
  }

  /** The executor (re-)subscribes over a new stream, telling what the agent may not have. */
  subscribe(container: SimContainer): void {
    if (!container.alive || !this.host.up) return;
    const streamId = `${container.id}/s${this.#nextStream++}`;
    if (container.streamId !== undefined) this.#byStream.delete(container.streamId);
    container.streamId = streamId;
    this.#byStream.set(streamId, container);
    const updates = [...container.unacked.values()];
    const withUpdate = new Set(updates.map((s) => s.task_id.value));
    const call: ExecutorCall = {
      type: "SUBSCRIBE",
      framework_id: { value: container.launch.frameworkId },
      executor_id: { value: container.launch.executorId },
      subscribe: {
        // Launched tasks the agent may not know reached us: none of their updates was acked.
        unacknowledged_tasks: [...container.tasks.values()]
          .filter((t) => withUpdate.has(t.info.task_id.value) || t.state === "TASK_STAGING")
          .map((t) => t.info),
        unacknowledged_updates: updates.map((status) => ({ status })),
      },
    } as ExecutorCall;
    this.host.handle({ kind: "executor_call", requestId: 0, streamId, call });
  }

  /** The agent restarted: every executor stream broke. */
  agentCrashed(wiped: boolean): void {
    this.#updateRequests.clear();
    // Updates of frameworks that do not checkpoint live only in the agent's memory: a crash
    // loses them (Mesos: such frameworks' tasks are lost with the agent).
    for (const [uuid, acked] of this.executorAcked)
      if (!acked.checkpoint) this.executorAcked.delete(uuid);
    for (const c of this.containers.values()) {
      if (c.streamId !== undefined) this.#byStream.delete(c.streamId);
      c.streamId = undefined;
      // Without its checkpoint the agent cannot find its executors again: they are killed
      // (a reboot or a wiped work dir leaves nothing running).
      if (wiped && c.alive) this.#kill(c);
    }
    if (wiped) this.containers.clear();
  }

  /**
   * After the new agent core recovered: containers it knows get their executors back (or, if
   * they died meanwhile, an exit); those it does not know are orphans and are destroyed.
   */
  agentRecovered(known: ReadonlySet<string>): void {
    // Containers the checkpoint names that ended while the agent was down: report their end
    // (the real containerizer's recovery finds no such container and says so).
    for (const id of known) {
      if (!this.containers.has(id))
        this.host.handle({ kind: "container_exited", containerId: id, status: 9 });
    }
    for (const c of [...this.containers.values()]) {
      if (!known.has(c.id)) {
        if (c.alive) this.#kill(c);
        this.containers.delete(c.id);
      } else if (!c.alive) {
        this.containers.delete(c.id);
        this.host.handle({ kind: "container_exited", containerId: c.id, status: 9 });
      } else {
        // Mostly within --executor_reregistration_timeout (2 s), sometimes too late.
        this.clock.after(uniformMs(this.rng, 10, 2500), () => this.subscribe(c));
      }
    }
  }

  /** An event on an executor stream. */
  executorEvent(streamId: string, event: ExecutorEventOut): void {
    const container = this.#byStream.get(streamId);
    if (container === undefined || !container.alive) return;
    switch (event.type) {
      case "LAUNCH": {
        const info = event.launch?.task as TaskInfo | undefined;
        if (info === undefined || container.tasks.has(info.task_id.value)) break;
        const task: SimTask = {
          info,
          plan: parseSimTaskCommand(info.command?.value),
          state: "TASK_STAGING",
          end: undefined,
        };
        container.tasks.set(info.task_id.value, task);
        this.onLaunch?.(container.launch.frameworkId, info.task_id.value);
        this.clock.after(uniformMs(this.rng, 1, 10), () => {
          this.#update(container, task, "TASK_RUNNING");
          if (Number.isFinite(task.plan.durationMs)) {
            task.end = this.clock.after(task.plan.durationMs, () =>
              this.#update(
                container,
                task,
                task.plan.exitCode === 0 ? "TASK_FINISHED" : "TASK_FAILED",
              ),
            );
          }
        });
        break;
      }
      case "KILL": {
        const task = container.tasks.get(event.kill?.task_id.value ?? "");
        if (task !== undefined) this.#update(container, task, "TASK_KILLED");
        break;
      }
      case "ACKNOWLEDGED": {
        const uuid = event.acknowledged?.uuid;
        if (uuid === undefined) break;
        container.unacked.delete(uuid);
        this.executorAcked.set(uuid, {
          key: `${container.launch.frameworkId}/${event.acknowledged?.task_id.value ?? ""}`,
          checkpoint: container.launch.checkpoint,
        });
        const done = [...container.tasks.values()].every((t) => isTerminal(t.state));
        if (done && container.unacked.size === 0 && container.tasks.size > 0) {
          const code = [...container.tasks.values()][0]?.plan.exitCode ?? 0;
          this.clock.after(uniformMs(this.rng, 1, 10), () => this.#exit(container, code << 8));
        }
        break;
      }
      case "SHUTDOWN":
        this.clock.after(uniformMs(this.rng, 1, 10), () => this.#exit(container, 15));
        break;
      default:
        break;
    }
  }

  closeStream(streamId: string): void {
    const container = this.#byStream.get(streamId);
    this.#byStream.delete(streamId);
    if (container?.streamId === streamId) container.streamId = undefined;
  }

  #update(container: SimContainer, task: SimTask, state: TaskState): void {
    if (!container.alive || isTerminal(task.state)) return;
    if (task.end !== undefined && isTerminal(state)) this.clock.cancel(task.end);
    task.state = state;
    const uuid = uuidFrom(this.name, this.#nextUuid++);
    const status: TaskStatus = {
      task_id: task.info.task_id,
      state,
      uuid,
      source: "SOURCE_EXECUTOR",
      executor_id: { value: container.launch.executorId },
      timestamp: this.clock.nowMs / 1000,
    };
    container.unacked.set(uuid, status);
    if (container.streamId === undefined || !this.host.up) return;
    this.#sendUpdate(container, status);
  }

  #sendUpdate(container: SimContainer, status: TaskStatus): void {
    const call = {
      type: "UPDATE",
      framework_id: { value: container.launch.frameworkId },
      executor_id: { value: container.launch.executorId },
      update: { status },
    } as ExecutorCall;
    const requestId = this.#nextRequest++;
    this.#updateRequests.set(requestId, { container, status });
    this.host.handle({ kind: "executor_call", requestId, call });
  }

  /**
   * The agent answered an executor call. A refused UPDATE (503 while the agent still waits for
   * other executors to come back after a restart) stays unacknowledged and is sent again a
   * second later, as long as the executor is connected.
   */
  executorReply(requestId: number, ok: boolean): void {
    const request = this.#updateRequests.get(requestId);
    this.#updateRequests.delete(requestId);
    if (request === undefined || ok) return;
    const { container, status } = request;
    const streamId = container.streamId;
    this.clock.after(1000, () => {
      const uuid = status.uuid ?? "";
      if (!container.alive || container.streamId !== streamId || !container.unacked.has(uuid))
        return;
      if (this.host.up) this.#sendUpdate(container, status);
    });
  }

  /** The executor process ended with `status` (a wait status). */
  #exit(container: SimContainer, status: number): void {
    if (!container.alive) return;
    this.#kill(container);
    this.containers.delete(container.id);
    if (this.host.up)
      this.host.handle({ kind: "container_exited", containerId: container.id, status });
  }

  #kill(container: SimContainer): void {
    container.alive = false;
    for (const t of container.tasks.values()) if (t.end !== undefined) this.clock.cancel(t.end);
    if (container.streamId !== undefined) this.#byStream.delete(container.streamId);
    container.streamId = undefined;
  }
}

/** A 16-byte uuid (base64) unique per agent name and counter. */
function uuidFrom(name: string, n: number): string {
  const bytes = Buffer.alloc(16);
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  bytes.writeUInt32BE(h >>> 0, 0);
  bytes.writeUInt32BE(0x51a1, 4);
  bytes.writeUInt32BE(Math.floor(n / 2 ** 32), 8);
  bytes.writeUInt32BE(n >>> 0, 12);
  return bytes.toString("base64");
}

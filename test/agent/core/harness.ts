// Drives an AgentCore in tests: a virtual clock, timers, checkpoint writes made durable at once
// (or held until released, or lost at a restart), and outputs sorted by recipient.
import { AgentCore } from "../../../src/agent/core/agent.ts";
import type {
  AgentFlags,
  AgentInput,
  AgentOutput,
  CheckpointWrite,
  MasterCall,
  RecoveredAgentState,
} from "../../../src/agent/core/types.ts";
import type { AgentEvent } from "../../../src/wire/agent-channel.ts";
import type { ExecutorCall } from "../../../src/wire/executor.ts";
import type { FrameworkInfo } from "../../../src/wire/framework.ts";
import type { TaskState, TaskStatus } from "../../../src/wire/status.ts";
import type { TaskInfo } from "../../../src/wire/task.ts";

export const AGENT_ID = "M-S0";

/** The master's answer to the agent's SUBSCRIBE: registered as AGENT_ID, nothing to reconcile. */
export function subscribedEvent(): AgentEvent {
  return {
    type: "SUBSCRIBED",
    subscribed: {
      agent_id: { value: AGENT_ID },
      ping_interval_seconds: 15,
      total_ping_timeout_seconds: 75,
      reconciliations: [],
    },
  } as AgentEvent;
}

export function framework(id: string, extra: Partial<FrameworkInfo> = {}): FrameworkInfo {
  return {
    user: "alice",
    name: `fw ${id}`,
    id: { value: id },
    failover_timeout: 0,
    checkpoint: true,
    roles: [],
    capabilities: [],
    ...extra,
  };
}

export function commandTask(id: string, command = "sleep 1000"): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: AGENT_ID },
    resources: [
      {
        name: "cpus",
        type: "SCALAR",
        scalar: { value: 1 },
        reservations: [],
        allocation_info: { role: "web" },
      },
    ],
    command: { value: command, shell: true, uris: [], arguments: [] },
  };
}

export interface HarnessOptions {
  flags?: Partial<AgentFlags>;
  holdCheckpoints?: boolean;
  seed?: number;
}

export class Harness {
  core: AgentCore;
  nowMs = 1_000_000;
  outputs: AgentOutput[] = [];
  timers = new Map<string, number>();
  /** Checkpoint writes not durable yet (when held), in order. */
  held: Extract<AgentOutput, { kind: "checkpoint" }>[] = [];
  /** Durable writes, in order. */
  disk: CheckpointWrite[] = [];
  holdCheckpoints: boolean;
  #seed: number;
  #uuid = 0;
  #container = 0;
  #request = 0;
  #stream = 0;
  readonly options: HarnessOptions;

  constructor(options: HarnessOptions = {}) {
    this.options = options;
    this.holdCheckpoints = options.holdCheckpoints ?? false;
    this.#seed = options.seed ?? 1;
    this.core = this.#newCore();
  }

  #newCore(): AgentCore {
    return new AgentCore(
      {
        agentInfo: { hostname: "agent1", port: 5051, resources: [], attributes: [] },
        endpoint: { ip: "10.0.0.1", port: 5051 },
        workDir: "/var/lib/tessera",
        flags: this.options.flags ?? {},
      },
      {
        random: () => {
          // xorshift: deterministic per seed.
          let x = this.#seed;
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          this.#seed = x >>> 0 || 1;
          return (this.#seed % 1_000_000) / 1_000_000;
        },
        uuid: () => {
          const b = Buffer.alloc(16);
          b.writeUInt32BE(++this.#uuid, 12);
          b.writeUInt32BE(0xa9e47, 0);
          return b.toString("base64");
        },
        containerId: () => `c${++this.#container}`,
      },
    );
  }

  handle(input: AgentInput): AgentOutput[] {
    const out = this.core.handle(input, this.nowMs);
    this.outputs.push(...out);
    for (const o of out) {
      if (o.kind === "set_timer") this.timers.set(o.timerId, o.atMs);
      else if (o.kind === "cancel_timer") this.timers.delete(o.timerId);
      else if (o.kind === "checkpoint") this.held.push(o);
    }
    if (!this.holdCheckpoints) this.flush();
    return out;
  }

  /** Makes every held checkpoint write durable, reporting each back. */
  flush(): void {
    while (this.held.length > 0) {
      const next = this.held.shift();
      if (next === undefined) break;
      this.disk.push(next.write);
      this.handle({ kind: "checkpoint_written", token: next.token });
    }
  }

  /** Starts with nothing recovered, connects and registers as AGENT_ID. */
  register(): void {
    this.handle({ kind: "recover", state: undefined });
    this.handle({ kind: "master_connected" });
    this.fire("registration");
    this.masterEvent(subscribedEvent());
  }

  masterEvent(event: AgentEvent): AgentOutput[] {
    return this.handle({ kind: "master_event", event });
  }

  /** The master sends RUN_TASK: a command task `taskId` of framework `frameworkId`. */
  runTask(frameworkId: string, taskId: string): AgentOutput[] {
    return this.masterEvent({
      type: "RUN_TASK",
      run_task: {
        framework_info: framework(frameworkId),
        framework_id: { value: frameworkId },
        task: commandTask(taskId),
      },
    } as AgentEvent);
  }

  /** The master forwards the framework's acknowledgement of update `uuid` of `taskId`. */
  masterAck(frameworkId: string, taskId: string, uuid: string): AgentOutput[] {
    return this.masterEvent({
      type: "ACKNOWLEDGE",
      acknowledge: { framework_id: { value: frameworkId }, task_id: { value: taskId }, uuid },
    } as AgentEvent);
  }

  fire(timerId: string): AgentOutput[] {
    const at = this.timers.get(timerId);
    if (at === undefined) throw new Error(`timer ${timerId} is not set`);
    this.nowMs = Math.max(this.nowMs, at);
    this.timers.delete(timerId);
    return this.handle({ kind: "timer_fired", timerId });
  }

  executorCall(
    call: ExecutorCall,
    subscribe = false,
  ): { requestId: number; streamId: string | undefined; out: AgentOutput[] } {
    const requestId = ++this.#request;
    const streamId = subscribe ? `es${++this.#stream}` : undefined;
    const out = this.handle({
      kind: "executor_call",
      requestId,
      call,
      ...(streamId === undefined ? {} : { streamId }),
    });
    return { requestId, streamId, out };
  }

  subscribeExecutor(
    fw: string,
    ex: string,
    extra: Partial<NonNullable<ExecutorCall["subscribe"]>> = {},
  ) {
    return this.executorCall(
      {
        type: "SUBSCRIBE",
        framework_id: { value: fw },
        executor_id: { value: ex },
        subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [], ...extra },
      },
      true,
    );
  }

  executorUpdate(fw: string, ex: string, task: string, state: TaskState, uuid: string) {
    return this.executorCall({
      type: "UPDATE",
      framework_id: { value: fw },
      executor_id: { value: ex },
      update: { status: executorStatus(task, state, uuid) },
    });
  }

  take(): AgentOutput[] {
    const out = this.outputs;
    this.outputs = [];
    return out;
  }

  masterCalls(out: AgentOutput[] = this.outputs): MasterCall[] {
    return out.flatMap((o) =>
      o.kind === "master_call" || o.kind === "master_subscribe" ? [o.call] : [],
    );
  }

  updatesToMaster(out: AgentOutput[] = this.outputs): TaskStatus[] {
    return this.masterCalls(out).flatMap((c) =>
      c.type === "UPDATE" && c.update !== undefined ? [c.update.status as TaskStatus] : [],
    );
  }

  executorEvents(streamId: string | undefined, out: AgentOutput[] = this.outputs) {
    return out.flatMap((o) =>
      o.kind === "executor_event" && o.streamId === streamId ? [o.event] : [],
    );
  }

  of<K extends AgentOutput["kind"]>(
    kind: K,
    out: AgentOutput[] = this.outputs,
  ): Extract<AgentOutput, { kind: K }>[] {
    return out.filter((o): o is Extract<AgentOutput, { kind: K }> => o.kind === kind);
  }

  /** A new AgentCore recovering from the durable writes (the checkpoint shell's job, in memory). */
  restart(state: RecoveredAgentState | undefined): void {
    this.held = [];
    this.timers.clear();
    this.core = this.#newCore();
    this.handle({ kind: "recover", state });
  }
}

export function uuid(n: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(n, 12);
  return b.toString("base64");
}

export function executorStatus(task: string, state: TaskState, id: string): TaskStatus {
  return { task_id: { value: task }, state, uuid: id, source: "SOURCE_EXECUTOR" };
}

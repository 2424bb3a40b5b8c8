// A seeded simulation of the real master core and allocator with simulated agents and one
// simulated framework on a virtual clock. Agent messages are delayed at random (so reordered),
// sometimes duplicated; agents crash and restart, and get partitioned from the master. After
// every step the core's invariants are checked; at the end, with faults over, every status
// update an agent produced must have been delivered to the framework and acknowledged.
// A failure prints the seed: `SIM_SEED=<seed> node scripts/run-tests.mjs master-sim` replays it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Allocator, SeededRandom } from "../../../src/allocator/index.ts";
import { MasterCore } from "../../../src/master/core/master.ts";
import {
  applyRegistryOperation,
  emptyRegistryState,
} from "../../../src/master/core/registry-state.ts";
import type { MasterInput, MasterOutput } from "../../../src/master/core/types.ts";
import type { AgentEvent, SchedulerEvent } from "../../../src/master/core/wire-types.ts";
import type { AgentCall } from "../../../src/wire/agent-channel.ts";
import type { FrameworkInfo } from "../../../src/wire/framework.ts";
import type { SchedulerCall } from "../../../src/wire/scheduler.ts";
import { isTerminalState, type TaskState } from "../../../src/wire/status.ts";
import { agentSubscribeCall, commandTask, reportedTask, uuidOf } from "./harness.ts";

const RETRY_MS = 10_000;
/** Virtual time with faults, then without, so that every retried update gets through. */
const FAULTY_MS = 30 * 60_000;
const CALM_MS = 15 * 60_000;
const AGENT_MASTER_TIMEOUT_MS = 75_000;

interface SimUpdate {
  taskId: string;
  state: TaskState;
  uuid: string;
}

interface SimAgentTask {
  frameworkId: string;
  state: TaskState;
  /** Unacknowledged updates, oldest first; the head is the one in flight. */
  stream: SimUpdate[];
}

class SimAgent {
  id: string | undefined;
  streamId: string | undefined;
  subscribed = false;
  down = false;
  partitionedUntilMs = 0;
  lastPingMs = 0;
  lastSubscribeMs = -Infinity;
  readonly tasks = new Map<string, SimAgentTask>();
  readonly frameworks = new Map<string, FrameworkInfo>();
  constructor(readonly hostname: string) {}
}

class Sim {
  readonly rng: SeededRandom;
  readonly master: MasterCore;
  readonly registry = emptyRegistryState();
  nowMs = 0;
  #seq = 0;
  readonly #queue = new EventQueue();
  readonly #timers = new Map<string, number>();
  readonly agents: SimAgent[] = [];
  readonly agentByStream = new Map<string, SimAgent>();
  #nextStream = 0;
  #nextUuid = 1;
  #nextTask = 0;
  #nextRequest = 0;
  faults = true;
  // The framework.
  fwStream: string | undefined;
  fwId: string | undefined;
  readonly fwInfo: FrameworkInfo;
  /** uuids the framework received (and acknowledged). */
  readonly delivered = new Set<string>();
  readonly produced = new Set<string>();

  constructor(readonly seed: number) {
    this.rng = new SeededRandom(seed);
    this.master = new MasterCore(
      { masterInfo: { id: "SIM", ip: 1, port: 5050 } },
      { allocator: new Allocator({ seed, allocationIntervalMs: 1000 }) },
    );
    const partitionAware = this.rng.nextFloat() < 0.5;
    this.fwInfo = {
      user: "sim",
      name: "sim",
      failover_timeout: 86_400,
      checkpoint: true,
      roles: [],
      capabilities: partitionAware ? [{ type: "PARTITION_AWARE" }] : [],
    };
    this.step({ kind: "recover", registry: this.registry });
  }

  at(delayMs: number, run: () => void): void {
    this.#queue.push({ atMs: this.nowMs + delayMs, seq: this.#seq++, run });
  }

  /** Tasks the framework keeps running at most, to keep the simulation small; 0 in the calm. */
  maxActiveTasks = 12;

  chance(p: number): boolean {
    return this.faults && this.rng.nextFloat() < p;
  }

  step(input: MasterInput): void {
    let out: MasterOutput[];
    try {
      out = this.master.handle(input, this.nowMs);
    } catch (error) {
      throw new Error(`seed ${this.seed} at ${this.nowMs} ms on ${input.kind}: ${String(error)}`);
    }
    this.checkInvariants(input.kind);
    for (const o of out) this.#deliver(o);
  }

  #deliver(o: MasterOutput): void {
    switch (o.kind) {
      case "framework_event":
        if (o.streamId === this.fwStream) {
          const event = o.event;
          this.at(1, () => this.onFrameworkEvent(event));
        }
        break;
      case "agent_event": {
        const agent = this.agentByStream.get(o.agentStreamId);
        if (agent === undefined) break;
        const event = o.event;
        const stream = o.agentStreamId;
        this.at(1, () => {
          if (agent.down || this.nowMs < agent.partitionedUntilMs || agent.streamId !== stream)
            return;
          this.onAgentEvent(agent, event);
        });
        break;
      }
      case "close_agent_stream":
        this.agentByStream.delete(o.agentStreamId);
        break;
      case "close_framework_stream":
        if (o.streamId === this.fwStream) this.fwStream = undefined;
        break;
      case "persist": {
        const { token, ops } = o;
        this.at(1 + this.rng.nextInt(50), () => {
          for (const op of ops) applyRegistryOperation(this.registry, op);
          this.step({ kind: "registry_result", token, ok: true });
        });
        break;
      }
      case "set_timer": {
        this.#timers.set(o.timerId, o.atMs);
        const { timerId, atMs } = o;
        this.#queue.push({
          atMs,
          seq: this.#seq++,
          run: () => {
            if (this.#timers.get(timerId) !== atMs) return;
            this.#timers.delete(timerId);
            this.step({ kind: "timer_fired", timerId });
          },
        });
        break;
      }
      case "cancel_timer":
        this.#timers.delete(o.timerId);
        break;
      case "abort":
        throw new Error(`seed ${this.seed}: master aborted: ${o.message}`);
      default:
        break;
    }
  }

  // --- the framework ---------------------------------------------------------------------

  subscribeFramework(): void {
    const streamId = `fw-${this.#nextStream++}`;
    this.fwStream = streamId;
    const info = (
      this.fwId === undefined ? this.fwInfo : { ...this.fwInfo, id: { value: this.fwId } }
    ) as FrameworkInfo;
    const call = { type: "SUBSCRIBE", subscribe: { framework_info: info } } as SchedulerCall;
    if (this.fwId !== undefined) call.framework_id = { value: this.fwId };
    this.step({ kind: "scheduler_subscribe", streamId, call });
  }

  call(call: Omit<SchedulerCall, "framework_id">): void {
    if (this.fwStream === undefined || this.fwId === undefined) return;
    this.step({
      kind: "scheduler_call",
      requestId: this.#nextRequest++,
      streamId: this.fwStream,
      call: { ...call, framework_id: { value: this.fwId } } as SchedulerCall,
    });
  }

  onFrameworkEvent(event: SchedulerEvent): void {
    switch (event.type) {
      case "SUBSCRIBED":
        this.fwId = event.subscribed?.framework_id.value;
        break;
      case "OFFERS":
        for (const offer of event.offers?.offers ?? []) {
          const cpus = Number(offer.resources?.find((r) => r.name === "cpus")?.scalar?.value ?? 0);
          const mem = Number(offer.resources?.find((r) => r.name === "mem")?.scalar?.value ?? 0);
          const active = this.master.snapshot(this.nowMs).tasks.length;
          if (
            cpus >= 0.5 &&
            mem >= 64 &&
            active < this.maxActiveTasks &&
            this.rng.nextFloat() < 0.5
          ) {
            const task = commandTask(
              `task-${this.#nextTask++}`,
              offer.agent_id.value,
              "cpus:0.5;mem:64",
            );
            this.call({
              type: "ACCEPT",
              accept: {
                offer_ids: [offer.id],
                operations: [{ type: "LAUNCH", launch: { task_infos: [task] } }],
                filters: { refuse_seconds: 1 },
              },
            });
          } else {
            this.call({
              type: "DECLINE",
              decline: { offer_ids: [offer.id], filters: { refuse_seconds: 5 } },
            });
          }
        }
        break;
      case "UPDATE": {
        const status = event.update?.status;
        const uuid = status?.uuid;
        if (status === undefined || uuid === undefined) break;
        this.delivered.add(uuid);
        const agentId = status.agent_id?.value ?? "";
        this.at(1 + this.rng.nextInt(300), () =>
          this.call({
            type: "ACKNOWLEDGE",
            acknowledge: { agent_id: { value: agentId }, task_id: status.task_id, uuid },
          }),
        );
        break;
      }
      default:
        break;
    }
  }

  // --- agents ----------------------------------------------------------------------------

  sendToMaster(agent: SimAgent, make: () => MasterInput): void {
    const copies = this.chance(0.1) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.at(1 + this.rng.nextInt(200), () => {
        if (agent.down || this.nowMs < agent.partitionedUntilMs) return;
        this.step(make());
      });
    }
  }

  agentSubscribe(agent: SimAgent): void {
    if (agent.down) return;
    const streamId = `agent-${this.#nextStream++}`;
    if (agent.streamId !== undefined) this.agentByStream.delete(agent.streamId);
    agent.streamId = streamId;
    agent.subscribed = false;
    agent.lastSubscribeMs = this.nowMs;
    this.agentByStream.set(streamId, agent);
    const tasks = [...agent.tasks].map(([taskId, t]) =>
      reportedTask(t.frameworkId, taskId, agent.id ?? "", t.state, "cpus:0.5;mem:64"),
    );
    const call = agentSubscribeCall(agent.hostname, "cpus:4;mem:1024", {
      ...(agent.id === undefined ? {} : { agent_id: { value: agent.id } }),
      tasks,
      frameworks: [...agent.frameworks.values()],
    });
    // Subscriptions travel like other messages but are never duplicated here: a duplicate
    // would open a second stream, which a real HTTP client does not do.
    this.at(1 + this.rng.nextInt(200), () => {
      if (agent.down || this.nowMs < agent.partitionedUntilMs || agent.streamId !== streamId)
        return;
      this.step({ kind: "agent_subscribe", agentStreamId: streamId, call });
    });
  }

  sendHead(agent: SimAgent, taskId: string): void {
    const task = agent.tasks.get(taskId);
    const head = task?.stream[0];
    if (task === undefined || head === undefined || !agent.subscribed || agent.id === undefined)
      return;
    const agentId = agent.id;
    const call: AgentCall = {
      type: "UPDATE",
      agent_id: { value: agentId },
      update: {
        framework_id: { value: task.frameworkId },
        status: {
          task_id: { value: taskId },
          state: head.state,
          uuid: head.uuid,
          source: "SOURCE_EXECUTOR",
        },
        latest_state: task.state,
      },
    };
    this.sendToMaster(agent, () => ({ kind: "agent_call", agentId, call }));
  }

  transition(agent: SimAgent, taskId: string, state: TaskState): void {
    const task = agent.tasks.get(taskId);
    if (task === undefined || isTerminalState(task.state)) return;
    const uuid = uuidOf(this.#nextUuid++);
    this.produced.add(uuid);
    task.state = state;
    task.stream.push({ taskId, state, uuid });
    if (task.stream.length === 1) this.sendHead(agent, taskId);
  }

  onAgentEvent(agent: SimAgent, event: AgentEvent): void {
    switch (event.type) {
      case "SUBSCRIBED": {
        agent.id = event.subscribed?.agent_id.value;
        agent.subscribed = true;
        agent.lastPingMs = this.nowMs;
        for (const r of event.subscribed?.reconciliations ?? []) {
          if (agent.tasks.has(r.task_id.value)) continue;
          // The master has a task this agent never got: the agent answers it is lost.
          agent.tasks.set(r.task_id.value, {
            frameworkId: r.framework_id.value,
            state: "TASK_STAGING",
            stream: [],
          });
          this.transition(agent, r.task_id.value, "TASK_LOST");
        }
        for (const taskId of agent.tasks.keys()) this.sendHead(agent, taskId);
        break;
      }
      case "PING": {
        agent.lastPingMs = this.nowMs;
        const agentId = agent.id ?? "";
        this.sendToMaster(agent, () => ({ kind: "agent_call", agentId, call: { type: "PONG" } }));
        break;
      }
      case "RUN_TASK": {
        const run = event.run_task;
        if (run === undefined) break;
        agent.frameworks.set(run.framework_id.value, run.framework_info as FrameworkInfo);
        const taskId = run.task.task_id.value;
        if (agent.tasks.has(taskId)) break;
        agent.tasks.set(taskId, {
          frameworkId: run.framework_id.value,
          state: "TASK_STAGING",
          stream: [],
        });
        this.at(100 + this.rng.nextInt(2000), () => this.transition(agent, taskId, "TASK_RUNNING"));
        this.at(5_000 + this.rng.nextInt(120_000), () =>
          this.transition(
            agent,
            taskId,
            this.rng.nextFloat() < 0.8 ? "TASK_FINISHED" : "TASK_FAILED",
          ),
        );
        break;
      }
      case "KILL_TASK": {
        const taskId = event.kill_task?.task_id.value;
        if (taskId !== undefined) this.transition(agent, taskId, "TASK_KILLED");
        break;
      }
      case "ACKNOWLEDGE": {
        const ack = event.acknowledge;
        const task = ack === undefined ? undefined : agent.tasks.get(ack.task_id.value);
        // The status update manager ignores duplicate and unexpected acknowledgements.
        if (ack === undefined || task === undefined || task.stream[0]?.uuid !== ack.uuid) break;
        task.stream.shift();
        if (task.stream.length > 0) this.sendHead(agent, ack.task_id.value);
        else if (isTerminalState(task.state)) agent.tasks.delete(ack.task_id.value);
        break;
      }
      case "SHUTDOWN":
        agent.down = true;
        break;
      default:
        break;
    }
  }

  /** Periodic agent chores: retries, master-loss detection, and the faults. */
  agentTick(agent: SimAgent): void {
    this.at(RETRY_MS, () => this.agentTick(agent));
    if (agent.down) return;
    if (agent.subscribed) {
      for (const taskId of agent.tasks.keys()) this.sendHead(agent, taskId);
      if (this.nowMs - agent.lastPingMs > AGENT_MASTER_TIMEOUT_MS) this.agentSubscribe(agent);
    } else if (this.nowMs - agent.lastSubscribeMs > 5_000) {
      this.agentSubscribe(agent);
    }
    const roll = this.faults ? this.rng.nextFloat() : 1;
    if (roll < 0.01) {
      // Crash: the stream breaks; the agent restarts from its checkpoint a little later.
      const stream = agent.streamId;
      agent.down = true;
      agent.subscribed = false;
      if (stream !== undefined)
        this.at(1, () => this.step({ kind: "agent_stream_closed", agentStreamId: stream }));
      this.at(5_000 + this.rng.nextInt(60_000), () => {
        agent.down = false;
        this.agentSubscribe(agent);
      });
    } else if (roll < 0.02) {
      agent.partitionedUntilMs = this.nowMs + 10_000 + this.rng.nextInt(200_000);
    }
  }

  frameworkTick(): void {
    this.at(30_000, () => this.frameworkTick());
    if (this.fwStream === undefined) {
      this.subscribeFramework();
      return;
    }
    if (this.chance(0.05)) {
      const stream = this.fwStream;
      this.fwStream = undefined;
      this.step({ kind: "scheduler_stream_closed", streamId: stream });
      return;
    }
    this.checkImplicitReconciliation();
  }

  /** Every non-terminal task the master has for the framework is reported by RECONCILE. */
  checkImplicitReconciliation(): void {
    if (this.fwStream === undefined || this.fwId === undefined) return;
    const framework = this.master.snapshot(this.nowMs).frameworks.find((f) => f.id === this.fwId);
    const expected = [...(framework?.tasks.values() ?? [])].map((t) => t.taskId).sort();
    const out = this.master.handle(
      {
        kind: "scheduler_call",
        requestId: this.#nextRequest++,
        streamId: this.fwStream,
        call: {
          type: "RECONCILE",
          framework_id: { value: this.fwId },
          reconcile: { tasks: [] },
        } as SchedulerCall,
      },
      this.nowMs,
    );
    const answered = out
      .flatMap((o) =>
        o.kind === "framework_event" && o.event.type === "UPDATE"
          ? [o.event.update?.status.task_id.value ?? ""]
          : [],
      )
      .sort();
    assert.deepEqual(
      answered,
      expected,
      `seed ${this.seed}: implicit reconciliation at ${this.nowMs} ms`,
    );
  }

  checkInvariants(what: string): void {
    const problems = this.master.invariantViolations();
    const snap = this.master.snapshot(this.nowMs);
    const completed = new Set(snap.completedTasks.map((t) => `${t.frameworkId}/${t.taskId}`));
    for (const t of snap.tasks) {
      if (!isTerminalState(t.state) && completed.has(`${t.frameworkId}/${t.taskId}`)) {
        problems.push(`task ${t.taskId} is running and completed`);
      }
    }
    assert.deepEqual(problems, [], `seed ${this.seed} at ${this.nowMs} ms after ${what}`);
  }

  run(untilMs: number): void {
    for (;;) {
      const next = this.#queue.peek();
      if (next === undefined || next.atMs > untilMs) break;
      this.#queue.pop();
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.run();
    }
    this.nowMs = untilMs;
  }
}

function simulate(seed: number): Sim {
  const sim = new Sim(seed);
  for (let i = 0; i < 4; i++) {
    const agent = new SimAgent(`host-${i}`);
    sim.agents.push(agent);
    sim.at(sim.rng.nextInt(1000), () => {
      sim.agentSubscribe(agent);
      sim.agentTick(agent);
    });
  }
  sim.at(500, () => sim.frameworkTick());
  sim.run(FAULTY_MS);
  // The calm: no faults and no new tasks, so that everything in flight can settle.
  sim.faults = false;
  sim.maxActiveTasks = 0;
  for (const agent of sim.agents) agent.partitionedUntilMs = 0;
  sim.run(FAULTY_MS + CALM_MS);
  return sim;
}

describe("master core simulation", () => {
  const fixed = process.env.SIM_SEED;
  const seeds = fixed === undefined ? Array.from({ length: 8 }, (_, i) => i + 1) : [Number(fixed)];
  for (const seed of seeds) {
    it(`seed ${seed}: invariants hold under duplicated, reordered agent messages, crashes and partitions, and every update is delivered and acknowledged`, () => {
      const sim = simulate(seed);
      for (const agent of sim.agents) {
        for (const [taskId, task] of agent.tasks) {
          assert.deepEqual(
            task.stream,
            [],
            `seed ${seed}: agent ${agent.hostname} still retries updates of ${taskId}`,
          );
        }
      }
      const missing = [...sim.produced].filter((u) => !sim.delivered.has(u));
      assert.deepEqual(missing, [], `seed ${seed}: updates never delivered`);
      assert.ok(sim.produced.size > 0, `seed ${seed}: the simulation launched tasks`);
    });
  }
});

interface QueuedEvent {
  atMs: number;
  seq: number;
  run: () => void;
}

/** A binary min-heap of events by (time, insertion order): deterministic and O(log n). */
class EventQueue {
  readonly #heap: QueuedEvent[] = [];

  push(event: QueuedEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  peek(): QueuedEvent | undefined {
    return this.#heap[0];
  }

  pop(): QueuedEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

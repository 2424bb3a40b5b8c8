// The scale benchmark's cluster: the real MasterCore and Allocator on the simulator's virtual
// clock, with tens of thousands of simulated agents and a thousand simulated frameworks living
// in the same process. Messages are delivered at once, in order (a zero-latency network), and
// registry writes are durable at once: what is measured is the master core and the allocator,
// not the shell. Calls are built as the typed values the shell would hand in after parsing
// (every task and status gets its own objects, as parsed JSON would), so memory readings
// count what a real master holds.
import { Allocator } from "../src/allocator/index.ts";
import { MasterCore } from "../src/master/core/master.ts";
import { emptyRegistryState } from "../src/master/core/registry-state.ts";
import type { MasterInput, MasterOutput } from "../src/master/core/types.ts";
import type {
  AgentEvent,
  Offer,
  Resource,
  SchedulerCall,
  SchedulerEvent,
  TaskInfo,
} from "../src/master/core/wire-types.ts";
import { type ScheduledEvent, VirtualClock } from "../src/sim/virtual-clock.ts";
import { nowMs } from "./harness.ts";

export interface ScaleShape {
  agents: number;
  agentCpus: number;
  agentMemMb: number;
  frameworks: number;
  roles: number;
  /** Tasks each framework launches in all. */
  tasksPerFramework: number;
  /** At most this many tasks go on one offer. */
  tasksPerOffer: number;
  taskCpus: number;
  taskMemMb: number;
}

function scalar(name: string, value: number, role?: string): Resource {
  const r: Resource = { name, type: "SCALAR", scalar: { value } };
  if (role !== undefined) r.allocation_info = { role };
  return r;
}

interface SimFramework {
  index: number;
  streamId: string;
  id: string;
  role: string;
  launched: number;
  running: number;
  suppressed: boolean;
}

/** Agent ids are `<master>-S<n>`; the simulated agent keeps nothing else. */
export class ScaleCluster {
  readonly clock = new VirtualClock();
  readonly core: MasterCore;
  readonly #timers = new Map<string, ScheduledEvent>();
  readonly #queue: (MasterInput | undefined)[] = [];
  #draining = false;
  #requestId = 1;
  #uuid = 0;
  readonly frameworks: SimFramework[] = [];
  readonly #byStream = new Map<string, SimFramework>();
  /** Agents that got SUBSCRIBED; pings and pongs counted for the heartbeat readings. */
  agentsSubscribed = 0;
  pings = 0;
  offersReceived = 0;
  tasksLaunched = 0;
  tasksRunning = 0;
  /** Allocation timer firings, and wall time spent inside Allocator.allocate. */
  allocationCycles = 0;
  allocatorMs = 0;

  constructor(readonly shape: ScaleShape) {
    const allocator = new Allocator({ seed: 11 });
    const allocate = allocator.allocate.bind(allocator);
    allocator.allocate = (...args) => {
      const start = nowMs();
      const offers = allocate(...args);
      this.allocatorMs += nowMs() - start;
      return offers;
    };
    this.core = new MasterCore(
      { masterInfo: { id: "sim", ip: 16777343, port: 5050, hostname: "sim-master" } },
      { allocator },
    );
    this.deliver({ kind: "recover", registry: emptyRegistryState() });
  }

  /**
   * Hands an input to the core, then everything it causes, to quiescence. Each handled input's
   * slot is cleared at once: a cycle queues hundreds of thousands of calls, and holding them
   * all until the end would make the garbage collector copy every one of them.
   */
  deliver(input: MasterInput): void {
    this.#queue.push(input);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let i = 0; i < this.#queue.length; i++) {
        const next = this.#queue[i]!;
        this.#queue[i] = undefined;
        for (const output of this.core.handle(next, this.clock.nowMs)) this.#carryOut(output);
      }
    } finally {
      this.#queue.length = 0;
      this.#draining = false;
    }
  }

  /** Registers agent `index` (SUBSCRIBE without an id, as a new agent does). */
  subscribeAgent(index: number): void {
    const { agentCpus, agentMemMb } = this.shape;
    const resources = () => [
      scalar("cpus", agentCpus),
      scalar("mem", agentMemMb),
      scalar("disk", 100_000),
    ];
    this.deliver({
      kind: "agent_subscribe",
      agentStreamId: `as-${index}`,
      call: {
        type: "SUBSCRIBE",
        subscribe: {
          agent_info: { hostname: `agent-${index}.sim`, port: 5051, resources: resources() },
          version: "1.11.0",
          capabilities: [{ type: "MULTI_ROLE" }, { type: "HIERARCHICAL_ROLE" }],
          total_resources: resources(),
        },
      },
    });
  }

  subscribeFramework(index: number): void {
    const streamId = `fs-${index}`;
    const role = `role-${index % this.shape.roles}`;
    const framework: SimFramework = {
      index,
      streamId,
      id: "",
      role,
      launched: 0,
      running: 0,
      suppressed: false,
    };
    this.frameworks.push(framework);
    this.#byStream.set(streamId, framework);
    this.deliver({
      kind: "scheduler_subscribe",
      streamId,
      call: {
        type: "SUBSCRIBE",
        subscribe: {
          framework_info: {
            user: "sim",
            name: `framework-${index}`,
            roles: [role],
            failover_timeout: 0,
            checkpoint: true,
            capabilities: [{ type: "MULTI_ROLE" }],
          },
        },
      },
    });
  }

  #call(framework: SimFramework, call: SchedulerCall): void {
    this.#queue.push({
      kind: "scheduler_call",
      requestId: this.#requestId++,
      streamId: framework.streamId,
      call,
    });
  }

  #carryOut(output: MasterOutput): void {
    switch (output.kind) {
      case "persist":
        this.#queue.push({ kind: "registry_result", token: output.token, ok: true });
        break;
      case "set_timer": {
        const previous = this.#timers.get(output.timerId);
        if (previous !== undefined) this.clock.cancel(previous);
        const timerId = output.timerId;
        const event = this.clock.at(output.atMs, () => {
          if (timerId === "allocation") this.allocationCycles++;
          this.#timers.delete(timerId);
          this.deliver({ kind: "timer_fired", timerId });
        });
        this.#timers.set(timerId, event);
        break;
      }
      case "cancel_timer": {
        const event = this.#timers.get(output.timerId);
        if (event !== undefined) this.clock.cancel(event);
        this.#timers.delete(output.timerId);
        break;
      }
      case "agent_event":
        this.#agentEvent(output.agentStreamId, output.event);
        break;
      case "framework_event": {
        const framework = this.#byStream.get(output.streamId);
        if (framework !== undefined) this.#frameworkEvent(framework, output.event);
        break;
      }
      case "abort":
        throw new Error(`master aborted: ${output.message}`);
      default:
        break;
    }
  }

  /** The simulated agent: answers pings, runs every task at once, reports TASK_RUNNING. */
  #agentEvent(streamId: string, event: AgentEvent): void {
    switch (event.type) {
      case "SUBSCRIBED":
        this.agentsSubscribed++;
        break;
      case "PING": {
        this.pings++;
        const agentId = this.#agentIdOf(streamId);
        if (agentId !== undefined) {
          this.#queue.push({ kind: "agent_call", agentId, call: { type: "PONG" } });
        }
        break;
      }
      case "RUN_TASK": {
        const run = event.run_task;
        if (run === undefined) break;
        const agentId = run.task.agent_id.value;
        this.#queue.push({
          kind: "agent_call",
          agentId,
          call: {
            type: "UPDATE",
            agent_id: { value: agentId },
            update: {
              framework_id: { value: run.framework_id.value },
              status: {
                task_id: { value: run.task.task_id.value },
                state: "TASK_RUNNING",
                source: "SOURCE_EXECUTOR",
                agent_id: { value: agentId },
                timestamp: this.clock.nowMs / 1000,
                uuid: this.#nextUuid(),
              },
              latest_state: "TASK_RUNNING",
            },
          },
        });
        break;
      }
      default:
        break;
    }
  }

  /** The stream id `as-<n>` was agent n's; the master numbers agents in registration order. */
  #agentIdOf(streamId: string): string | undefined {
    const index = Number(streamId.slice(3));
    return Number.isInteger(index) ? `sim-S${index}` : undefined;
  }

  /** 16 bytes as padded base64, like the agent's status update uuids. */
  #nextUuid(): string {
    const n = this.#uuid++;
    return `${n.toString(16).padStart(22, "A")}==`;
  }

  #frameworkEvent(framework: SimFramework, event: SchedulerEvent): void {
    switch (event.type) {
      case "SUBSCRIBED":
        framework.id = event.subscribed?.framework_id.value ?? "";
        break;
      case "OFFERS":
        for (const offer of event.offers?.offers ?? []) this.#onOffer(framework, offer);
        break;
      case "UPDATE": {
        const status = event.update?.status;
        if (status === undefined) break;
        if (status.state === "TASK_RUNNING") {
          framework.running++;
          this.tasksRunning++;
        }
        if (status.uuid !== undefined && status.agent_id !== undefined) {
          this.#call(framework, {
            type: "ACKNOWLEDGE",
            framework_id: { value: framework.id },
            acknowledge: {
              agent_id: { value: status.agent_id.value },
              task_id: { value: status.task_id.value },
              uuid: status.uuid,
            },
          });
        }
        break;
      }
      default:
        break;
    }
  }

  /** Launches as many tasks as fit (up to the per-offer cap and what is left to launch). */
  #onOffer(framework: SimFramework, offer: Offer): void {
    this.offersReceived++;
    const { taskCpus, taskMemMb, tasksPerOffer, tasksPerFramework } = this.shape;
    let cpus = 0;
    let mem = 0;
    for (const r of offer.resources ?? []) {
      if (r.name === "cpus") cpus += Number(r.scalar?.value ?? 0);
      else if (r.name === "mem") mem += Number(r.scalar?.value ?? 0);
    }
    const fit = Math.min(Math.floor(cpus / taskCpus), Math.floor(mem / taskMemMb));
    const count = Math.min(fit, tasksPerOffer, tasksPerFramework - framework.launched);
    const offerIds = [{ value: offer.id.value }];
    if (count <= 0) {
      this.#call(framework, {
        type: "DECLINE",
        framework_id: { value: framework.id },
        decline: { offer_ids: offerIds },
      });
      return;
    }
    const agentId = offer.agent_id.value;
    const taskInfos: TaskInfo[] = [];
    for (let k = 0; k < count; k++) {
      const n = framework.launched++;
      taskInfos.push({
        name: `task-${framework.index}-${n}`,
        task_id: { value: `f${framework.index}-t${n}` },
        agent_id: { value: agentId },
        resources: [
          scalar("cpus", taskCpus, framework.role),
          scalar("mem", taskMemMb, framework.role),
        ],
        command: { value: "sleep 3600", shell: true },
      });
    }
    this.tasksLaunched += count;
    this.#call(framework, {
      type: "ACCEPT",
      framework_id: { value: framework.id },
      accept: {
        offer_ids: offerIds,
        operations: [{ type: "LAUNCH", launch: { task_infos: taskInfos } }],
      },
    });
    if (framework.launched >= tasksPerFramework && !framework.suppressed) {
      // Nothing more to run: stop offers, as a well-behaved scheduler does.
      framework.suppressed = true;
      this.#call(framework, {
        type: "SUPPRESS",
        framework_id: { value: framework.id },
        suppress: { roles: [framework.role] },
      });
    }
  }
}

// The simulated agent host: the real AgentCore (with its status update manager) playing against
// simulated checkpoint storage and a simulated containerizer, on the virtual clock. It does the
// agent shell's part: timers, checkpoint writes (durable after a delay, lost in a crash),
// container launches and executor streams; calls for the master go to a sink the simulation
// routes through its network. A crash keeps the executors running (they are other processes)
// and the durable checkpoint; a crash "without checkpoint" also wipes the disk and kills them.
import { AgentCore } from "../agent/core/agent.ts";
import type {
  AgentFlags,
  AgentInput,
  AgentOutput,
  MasterCall,
  MasterEvent,
} from "../agent/core/types.ts";
import { assert } from "../base/assert.ts";
import { TimerTable } from "../base/timer-table.ts";
import type { AgentInfo } from "../wire/framework.ts";
import { SimCheckpointStore } from "./checkpoint-store.ts";
import { type SeededRandom, streamOf, uniformMs } from "./prng.ts";
import { SimContainerizer } from "./sim-containerizer.ts";
import { type VirtualClock, virtualTimerClock } from "./virtual-clock.ts";

export interface SimAgentSink {
  /** The agent opens a new SUBSCRIBE stream to the master with `call`. */
  subscribe(agent: SimAgent, call: MasterCall): void;
  /** Any other call to the master (a separate POST). */
  call(agent: SimAgent, call: MasterCall): void;
  /** The master told the agent to shut down; the agent process exited. */
  shutdown?(agent: SimAgent, message: string): void;
}

export interface SimAgentOptions {
  /** Node name on the network and the agent's hostname. */
  name: string;
  clock: VirtualClock;
  seed: number;
  info: AgentInfo;
  sink: SimAgentSink;
  flags?: Partial<AgentFlags>;
  /** How long a checkpoint write takes to become durable (uniform, ms). Default 0..5. */
  checkpointWriteMs?: readonly [number, number];
  /** Called with a description when the host sees an invariant broken. */
  violation: (message: string) => void;
}

export class SimAgent {
  readonly name: string;
  readonly clock: VirtualClock;
  readonly store: SimCheckpointStore;
  readonly containers: SimContainerizer;
  /** The master stream the agent currently holds (set by the simulation). */
  streamId: string | undefined;
  /** Process incarnation: +1 per restart. */
  incarnation = 0;
  /** Update uuids whose acknowledgement the agent has made durable: never sent again. */
  readonly acknowledged = new Set<string>();
  #core: AgentCore | undefined;
  readonly #timers: TimerTable;
  readonly #rng: SeededRandom;
  readonly #options: SimAgentOptions;
  #nextContainer = 0;
  #diskFreeAtMs = 0;

  constructor(options: SimAgentOptions) {
    this.name = options.name;
    this.clock = options.clock;
    this.#options = options;
    this.#rng = streamOf(options.seed, `agent-${options.name}`);
    this.#timers = new TimerTable(virtualTimerClock(options.clock), (timerId) =>
      this.handle({ kind: "timer_fired", timerId }),
    );
    this.store = new SimCheckpointStore(options.clock);
    this.containers = new SimContainerizer(options.name, options.clock, this.#rng, this);
  }

  get up(): boolean {
    return this.#core !== undefined;
  }

  get core(): AgentCore {
    assert(this.#core !== undefined, `sim agent ${this.name} is down`);
    return this.#core;
  }

  get info(): AgentInfo {
    return this.#options.info;
  }

  /** Starts (or restarts) the agent process: a new core recovers from the durable checkpoint. */
  start(): void {
    assert(this.#core === undefined, `sim agent ${this.name} started twice`);
    this.incarnation++;
    const rng = this.#rng;
    this.#core = new AgentCore(
      {
        agentInfo: this.#options.info,
        endpoint: { ip: "10.0.0.1", port: 5051 },
        workDir: `/sim/${this.name}`,
        ...(this.#options.flags === undefined ? {} : { flags: this.#options.flags }),
      },
      {
        random: () => rng.nextFloat(),
        uuid: () => {
          const bytes = Buffer.alloc(16);
          for (let i = 0; i < 16; i += 4)
            bytes.writeUInt32BE(rng.nextInt(0x10000) * 0x10000 + rng.nextInt(0x10000), i);
          return bytes.toString("base64");
        },
        containerId: () => `${this.name}.${this.incarnation}.c${this.#nextContainer++}`,
      },
    );
    const state = this.store.recover();
    this.handle({ kind: "recover", state });
    const known = new Set<string>();
    for (const fw of state?.frameworks ?? []) {
      for (const ex of fw.executors) known.add(ex.containerId);
    }
    this.containers.agentRecovered(known);
  }

  /** The agent process died; with `wipe` its checkpoint is gone too (and its executors). */
  crash(wipe: boolean): void {
    assert(this.#core !== undefined, `sim agent ${this.name} crashed while down`);
    this.#timers.clear();
    this.#core = undefined;
    this.streamId = undefined;
    if (wipe) {
      this.store.wipe();
      this.acknowledged.clear();
    } else {
      this.store.crash();
    }
    this.containers.agentCrashed(wipe);
  }

  handle(input: AgentInput): void {
    const core = this.#core;
    if (core === undefined) return;
    const outputs = core.handle(input, this.clock.nowMs);
    for (const output of outputs) {
      if (this.#core !== core) break;
      this.#carryOut(output);
    }
  }

  masterEvent(event: MasterEvent): void {
    this.handle({ kind: "master_event", event });
  }

  #carryOut(o: AgentOutput): void {
    switch (o.kind) {
      case "master_subscribe":
        this.#options.sink.subscribe(this, o.call);
        break;
      case "master_call": {
        const uuid = o.call.type === "UPDATE" ? o.call.update?.status.uuid : undefined;
        if (uuid !== undefined && this.acknowledged.has(uuid)) {
          this.#options.violation(
            `agent ${this.name} sent update ${uuid} again after its acknowledgement was durable`,
          );
        }
        this.#options.sink.call(this, o.call);
        break;
      }
      case "executor_reply":
        this.containers.executorReply(o.requestId, o.reply.ok);
        break;
      case "executor_event":
        this.containers.executorEvent(o.streamId, o.event);
        break;
      case "close_executor_stream":
        this.containers.closeStream(o.streamId);
        break;
      case "launch_container":
        this.containers.launch(o.launch);
        break;
      case "destroy_container":
        this.containers.destroy(o.containerId);
        break;
      case "checkpoint": {
        const { token, write } = o;
        const [minMs, maxMs] = this.#options.checkpointWriteMs ?? [0, 5];
        const core = this.#core;
        // One disk, written in order (as the checkpoint shell does): a write is never durable
        // before the ones issued ahead of it.
        const atMs = Math.max(
          this.#diskFreeAtMs,
          this.clock.nowMs + uniformMs(this.#rng, minMs, maxMs),
        );
        this.#diskFreeAtMs = atMs;
        this.store.write(write, atMs - this.clock.nowMs, () => {
          if (write.type === "status_update" && write.record.type === "ACK") {
            this.acknowledged.add(write.record.uuid);
          }
          if (this.#core === core) this.handle({ kind: "checkpoint_written", token });
        });
        break;
      }
      case "set_timer":
      case "cancel_timer":
        this.#timers.carryOut(o);
        break;
      case "shutdown":
        this.#options.sink.shutdown?.(this, o.message);
        break;
    }
  }
}

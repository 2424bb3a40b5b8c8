// The simulated master host: the real MasterCore and the real DRF Allocator driven on the virtual
// clock, playing the master shell's part (DESIGN.md "Pure core, thin shell"). Outputs go to a
// sink the simulation wires to its network; timers and registry writes run on the clock. The
// registry (the only state Mesos persists, reference §5.8) outlives a master crash; a failover
// starts a new MasterCore incarnation (a higher epoch) that recovers from it, and everything the
// old incarnation had scheduled (timers, writes in flight, its streams) is void.
import { Allocator, type AllocatorOptions } from "../allocator/index.ts";
import { assert } from "../base/assert.ts";
import { TimerTable } from "../base/timer-table.ts";
import { MasterCore } from "../master/core/master.ts";
import {
  applyRegistryOperation,
  emptyRegistryState,
  type RegistryState,
} from "../master/core/registry-state.ts";
import type {
  MasterFlags,
  MasterInput,
  MasterOutput,
  SchedulerCallReply,
} from "../master/core/types.ts";
import type { AgentEvent, SchedulerEvent } from "../master/core/wire-types.ts";
import { deriveSeed, type SeededRandom, streamOf, uniformMs } from "./prng.ts";
import { type ScheduledEvent, type VirtualClock, virtualTimerClock } from "./virtual-clock.ts";

/** Where the master's outputs go; the simulation routes them through its network. */
export interface SimMasterSink {
  frameworkEvent(streamId: string, frameworkId: string, event: SchedulerEvent): void;
  closeFrameworkStream(streamId: string): void;
  agentEvent(agentStreamId: string, event: AgentEvent): void;
  closeAgentStream(agentStreamId: string): void;
  /** The answer to a scheduler or operator call (optional: fire-and-forget callers skip it). */
  reply?(requestId: number, reply: SchedulerCallReply): void;
}

export interface SimMasterOptions {
  clock: VirtualClock;
  seed: number;
  sink: SimMasterSink;
  flags?: Partial<MasterFlags>;
  /** Allocator options other than the seed and interval (which follow the run and flags). */
  allocator?: Omit<AllocatorOptions, "seed" | "allocationIntervalMs">;
  /** How long a registry write takes to become durable (uniform, ms). Default 1..20. */
  registryWriteMs?: readonly [number, number];
  /** Called after each input the core handled, with its outputs (invariant checks, metrics). */
  afterStep?: (input: MasterInput, outputs: readonly MasterOutput[]) => void;
}

export class SimMaster {
  readonly clock: VirtualClock;
  /** The durable registry: survives crashes, shared by every incarnation. */
  readonly registry: RegistryState = emptyRegistryState();
  /** Master incarnation: 1 for the first, +1 per failover. Stream ids carry it. */
  epoch = 0;
  #core: MasterCore | undefined;
  #allocator: Allocator | undefined;
  readonly #timers: TimerTable;
  readonly #writes = new Set<ScheduledEvent>();
  readonly #rng: SeededRandom;
  readonly #options: SimMasterOptions;
  #nextRequestId = 1;
  /** Inputs handled by all incarnations. */
  steps = 0;

  constructor(options: SimMasterOptions) {
    this.clock = options.clock;
    this.#options = options;
    this.#rng = streamOf(options.seed, "master-registry");
    this.#timers = new TimerTable(virtualTimerClock(options.clock), (timerId) =>
      this.handle({ kind: "timer_fired", timerId }),
    );
  }

  /** Starts the first incarnation (or the next one, after `crash`): recovers from the registry. */
  start(): void {
    assert(this.#core === undefined, "sim master started while running");
    this.epoch++;
    const intervalMs = this.#options.flags?.allocationIntervalMs ?? 1000;
    this.#allocator = new Allocator({
      ...this.#options.allocator,
      seed: deriveSeed(this.#options.seed, `allocator-${this.epoch}`),
      allocationIntervalMs: intervalMs,
    });
    this.#core = new MasterCore(
      {
        masterInfo: { id: `sim-master-${this.epoch}`, ip: 16777343, port: 5050, capabilities: [] },
        ...(this.#options.flags === undefined ? {} : { flags: this.#options.flags }),
      },
      { allocator: this.#allocator },
    );
    this.handle({ kind: "recover", registry: this.registry });
  }

  /** The master process died: its timers and unfinished registry writes are gone. */
  crash(): void {
    assert(this.#core !== undefined, "sim master crashed while down");
    this.#timers.clear();
    for (const event of this.#writes) this.clock.cancel(event);
    this.#writes.clear();
    this.#core = undefined;
    this.#allocator = undefined;
  }

  get up(): boolean {
    return this.#core !== undefined;
  }

  /** The running incarnation's core (read-only use: snapshot, views, invariants). */
  get core(): MasterCore {
    assert(this.#core !== undefined, "sim master is down");
    return this.#core;
  }

  get allocator(): Allocator {
    assert(this.#allocator !== undefined, "sim master is down");
    return this.#allocator;
  }

  /** A request id for a scheduler or operator call, unique across incarnations. */
  nextRequestId(): number {
    return this.#nextRequestId++;
  }

  /** Feeds one input to the running core at the clock's time and carries out its outputs. */
  handle(input: MasterInput): void {
    const core = this.#core;
    assert(core !== undefined, `sim master got '${input.kind}' while down`);
    const outputs = core.handle(input, this.clock.nowMs);
    this.steps++;
    this.#options.afterStep?.(input, outputs);
    for (const output of outputs) this.#carryOut(output);
  }

  #carryOut(o: MasterOutput): void {
    const sink = this.#options.sink;
    switch (o.kind) {
      case "framework_event":
        sink.frameworkEvent(o.streamId, o.frameworkId, o.event);
        break;
      case "close_framework_stream":
        sink.closeFrameworkStream(o.streamId);
        break;
      case "agent_event":
        sink.agentEvent(o.agentStreamId, o.event);
        break;
      case "close_agent_stream":
        sink.closeAgentStream(o.agentStreamId);
        break;
      case "reply":
        sink.reply?.(o.requestId, o.reply);
        break;
      case "persist": {
        const [minMs, maxMs] = this.#options.registryWriteMs ?? [1, 20];
        const { token, ops } = o;
        const event = this.clock.after(uniformMs(this.#rng, minMs, maxMs), () => {
          this.#writes.delete(event);
          for (const op of ops) {
            const result = applyRegistryOperation(this.registry, op);
            assert(
              result.error === undefined,
              `registry rejected ${op.type}: ${result.error?.message}`,
            );
          }
          this.handle({ kind: "registry_result", token, ok: true });
        });
        this.#writes.add(event);
        break;
      }
      case "set_timer":
      case "cancel_timer":
        this.#timers.carryOut(o);
        break;
      case "operator_event":
        break;
      case "abort":
        // Registry writes never fail here, so an abort is a bug in the core or in this host.
        throw new Error(`sim master aborted: ${o.message}`);
    }
  }
}

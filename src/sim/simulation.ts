// One simulated cluster: the sim master, sim agents and sim frameworks wired through the
// in-memory network on one virtual clock, all randomness derived from one seed. Streams (the
// agent channel, scheduler subscriptions) are ordered links; a message a partition swallows on
// them breaks the stream, as a real connection would (both ends are told). Other calls are
// single POSTs that may be lost, duplicated or reordered. Each master incarnation has an epoch
// that its stream ids carry, so nothing addressed to a dead master reaches its successor.

import type { MasterEvent } from "../agent/core/types.ts";
import type {
  AgentCall,
  AgentEvent,
  SchedulerCall,
  SchedulerEvent,
} from "../master/core/wire-types.ts";
import { type Fault, randomFaults } from "./faults.ts";
import { checkEnd, checkStep, SimInvariantError } from "./invariants.ts";
import { SimNetwork } from "./network.ts";
import { streamOf } from "./prng.ts";
import { MetricsRecorder, type SimReport } from "./report.ts";
import { SimAgent } from "./sim-agent.ts";
import type { SimConfig } from "./sim-config.ts";
import { SimFramework } from "./sim-framework.ts";
import { SimMaster } from "./sim-master.ts";
import { VirtualClock } from "./virtual-clock.ts";

const MASTER = "master";

export class Simulation {
  readonly clock = new VirtualClock();
  readonly network: SimNetwork;
  readonly master: SimMaster;
  readonly agents: SimAgent[] = [];
  readonly frameworks: SimFramework[] = [];
  readonly faults: Fault[];
  readonly metrics: MetricsRecorder;
  /** Agents whose disk was wiped at some point (their unacknowledged updates may be gone). */
  readonly wipedAgents = new Set<string>();
  /** Tasks a simulated executor was handed, `frameworkId/taskId` -> agent name. */
  readonly launchedTasks = new Map<string, string>();
  readonly faultCounts = new Map<string, number>();
  readonly #agentStreams = new Map<string, SimAgent>();
  readonly #fwStreams = new Map<string, SimFramework>();
  #nextStream = 0;
  #calm = false;

  constructor(readonly config: SimConfig) {
    const seed = config.seed;
    this.network = new SimNetwork(this.clock, streamOf(seed, "network"), config.network);
    this.master = new SimMaster({
      clock: this.clock,
      seed,
      flags: {
        allocationIntervalMs: config.master.allocationIntervalMs,
        offerTimeoutMs: config.master.offerTimeoutMs,
      },
      sink: {
        frameworkEvent: (streamId, _fw, event) => this.#toFramework(streamId, event),
        closeFrameworkStream: (streamId) => this.#closeFrameworkStream(streamId),
        agentEvent: (streamId, event) => this.#toAgent(streamId, event),
        closeAgentStream: (streamId) => this.#closeAgentStream(streamId),
      },
      afterStep: (input) => {
        if (config.checkEveryStep) this.#check(() => checkStep(this), input.kind);
      },
    });
    let n = 0;
    for (const group of config.agents) {
      for (let i = 0; i < group.count; i++) this.agents.push(this.#newAgent(`agent-${n++}`, group));
    }
    for (const fw of config.frameworks) this.frameworks.push(this.#newFramework(fw));
    this.faults = [
      ...config.faults.schedule,
      ...randomFaults(
        {
          rates: config.faults.rates,
          fromMs: config.faults.fromMs,
          untilMs: config.untilMs,
          agents: this.agents.length,
          frameworks: this.frameworks.length,
          durationMs: config.faults.durationMs,
        },
        streamOf(seed, "faults"),
      ),
    ].sort((a, b) => a.atMs - b.atMs);
    this.metrics = new MetricsRecorder(this);
  }

  #newAgent(name: string, group: SimConfig["agents"][number]): SimAgent {
    const scalar = (n: string, value: number) => ({
      name: n,
      type: "SCALAR",
      scalar: { value },
      reservations: [],
    });
    const agent: SimAgent = new SimAgent({
      name,
      clock: this.clock,
      seed: this.config.seed,
      info: {
        hostname: name,
        port: 5051,
        resources: [scalar("cpus", group.cpus), scalar("mem", group.memMb)],
        attributes: Object.entries(group.attributes).map(([k, v]) => ({
          name: k,
          type: "TEXT",
          text: { value: v },
        })),
      } as SimAgent["info"],
      sink: {
        subscribe: (a, call) => this.#agentSubscribe(a, call as AgentCall),
        call: (a, call) => this.#agentCall(a, call as AgentCall),
        shutdown: (a) =>
          // The agent process exits; its supervisor starts it again, as a new agent.
          this.clock.after(0, () => {
            if (!a.up) return;
            this.#crashAgent(a, true);
            this.clock.after(10_000, () => this.#startAgent(a));
          }),
      },
      violation: (message) => this.fail(message),
    });
    agent.containers.onLaunch = (frameworkId, taskId) =>
      this.launchedTasks.set(`${frameworkId}/${taskId}`, name);
    return agent;
  }

  #newFramework(config: SimConfig["frameworks"][number]): SimFramework {
    const pool = config.pool;
    const usesAgent =
      this.config.staticPools && pool !== undefined
        ? (attributes: readonly { name: string; text?: { value: string } | undefined }[]) =>
            attributes.some((a) => a.name === "pool" && a.text?.value === pool)
        : undefined;
    return new SimFramework({
      name: config.name,
      clock: this.clock,
      seed: this.config.seed,
      role: config.role,
      checkpoint: config.checkpoint,
      partitionAware: config.partitionAware,
      workloads: config.workloads,
      ...(usesAgent === undefined ? {} : { usesAgent }),
      sink: {
        subscribe: (fw, call) => this.#frameworkSubscribe(fw, call),
        call: (fw, call) => this.#frameworkCall(fw, call),
      },
    });
  }

  /** Runs the whole scenario: workload and faults, then the calm, then the end checks. */
  run(onProgress?: (fraction: number) => void): SimReport {
    this.master.start();
    const weights = this.config.frameworks.flatMap((f) =>
      f.weight === undefined ? [] : [{ role: f.role, weight: f.weight }],
    );
    if (weights.length > 0) {
      this.master.handle({
        kind: "operator_call",
        requestId: this.master.nextRequestId(),
        call: { type: "UPDATE_WEIGHTS", weights },
      });
    }
    for (const agent of this.agents) {
      this.clock.after(streamOf(this.config.seed, agent.name).nextInt(1000), () =>
        this.#startAgent(agent),
      );
    }
    for (const fw of this.frameworks) this.clock.after(500, () => fw.start());
    for (const fault of this.faults) this.clock.at(fault.atMs, () => this.#apply(fault));
    this.metrics.start();
    if (!this.config.checkEveryStep) {
      // Big runs: the per-step invariants at every sample instead (see SimConfig).
      for (
        let t = this.config.sampleMs;
        t < this.config.untilMs + this.config.calmMs;
        t += this.config.sampleMs
      ) {
        this.clock.at(t, () => this.#check(() => checkStep(this), "sample"));
      }
    }
    const endMs = this.config.untilMs + this.config.calmMs;
    const sliceMs = Math.max(1000, Math.floor(endMs / 100));
    for (let t = 0; t < this.config.untilMs; t += sliceMs) {
      this.clock.runUntil(Math.min(t + sliceMs, this.config.untilMs));
      onProgress?.(this.clock.nowMs / endMs);
    }
    this.#startCalm();
    for (let t = this.config.untilMs; t < endMs; t += sliceMs) {
      this.clock.runUntil(Math.min(t + sliceMs, endMs));
      onProgress?.(this.clock.nowMs / endMs);
    }
    this.#check(() => checkEnd(this), "end of run");
    return this.metrics.report();
  }

  get calm(): boolean {
    return this.#calm;
  }

  #startCalm(): void {
    this.#calm = true;
    this.network.faults = { ...this.network.faults, dropRate: 0, duplicateRate: 0 };
    for (const agent of this.agents) this.network.heal(agent.name);
    for (const fw of this.frameworks) fw.stop(this.config.killAllAtEnd);
    if (!this.master.up) this.#restartMaster();
    for (const agent of this.agents) if (!agent.up) this.#startAgent(agent);
  }

  #check(run: () => string[], what: string): void {
    const problems = run();
    if (problems.length === 0) return;
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : "";
    this.fail(`${problems.slice(0, 5).join("; ")}${more} (after ${what})`);
  }

  /** Stops the run with a SimInvariantError naming the seed and the step. */
  fail(message: string): never {
    throw new SimInvariantError(this.config.seed, this.clock.steps, this.clock.nowMs, message);
  }

  #count(kind: string): void {
    this.faultCounts.set(kind, (this.faultCounts.get(kind) ?? 0) + 1);
  }

  // --- faults -------------------------------------------------------------------------------

  #apply(fault: Fault): void {
    if (this.#calm) return;
    this.network.trace.add(`${this.clock.nowMs}|fault|${fault.kind}|${fault.target}`);
    const agent = this.agents[fault.target % Math.max(1, this.agents.length)];
    const fw = this.frameworks[fault.target % Math.max(1, this.frameworks.length)];
    switch (fault.kind) {
      case "agent_crash":
      case "agent_crash_wipe": {
        if (agent === undefined || !agent.up) return;
        this.#count(fault.kind);
        this.#crashAgent(agent, fault.kind === "agent_crash_wipe");
        this.clock.after(fault.durationMs, () => {
          if (!agent.up) this.#startAgent(agent);
        });
        break;
      }
      case "agent_partition":
        if (agent === undefined) return;
        this.#count(fault.kind);
        this.network.partition(agent.name, this.clock.nowMs + fault.durationMs);
        break;
      case "master_failover": {
        if (!this.master.up) return;
        this.#count(fault.kind);
        this.#crashMaster();
        // A standby is elected after a while (bounded so that agents' state is not all lost).
        this.clock.after(Math.min(fault.durationMs, 30_000), () => {
          if (!this.master.up) this.#restartMaster();
        });
        break;
      }
      case "framework_disconnect": {
        if (fw === undefined || fw.streamId === undefined) return;
        this.#count(fault.kind);
        const streamId = fw.streamId;
        this.#fwStreams.delete(streamId);
        if (this.master.up) this.master.handle({ kind: "scheduler_stream_closed", streamId });
        fw.disconnected();
        break;
      }
      case "framework_failover":
        // A new scheduler process subscribes with the framework id; the old stream is left
        // to the master to close (Mesos's framework failover).
        if (fw === undefined || fw.frameworkId === undefined) return;
        this.#count(fault.kind);
        fw.streamId = undefined;
        fw.subscribe();
        break;
    }
  }

  #crashAgent(agent: SimAgent, wipe: boolean): void {
    const streamId = agent.streamId;
    agent.crash(wipe);
    if (wipe) this.wipedAgents.add(agent.name);
    if (streamId !== undefined) {
      // The master sees the connection drop.
      this.#agentStreams.delete(streamId);
      this.network.send(agent.name, MASTER, { ordered: true, label: "agent EOF" }, () => {
        if (this.#masterHas(streamId))
          this.master.handle({ kind: "agent_stream_closed", agentStreamId: streamId });
      });
    }
  }

  #startAgent(agent: SimAgent): void {
    if (agent.up) return;
    agent.start();
    if (this.master.up) agent.handle({ kind: "master_connected" });
  }

  #crashMaster(): void {
    this.master.crash();
    for (const [streamId, agent] of this.#agentStreams) {
      this.#agentStreams.delete(streamId);
      this.clock.after(1, () => {
        if (agent.streamId !== streamId) return;
        agent.streamId = undefined;
        agent.handle({ kind: "master_disconnected", masterKnown: false });
      });
    }
    for (const [streamId, fw] of this.#fwStreams) {
      this.#fwStreams.delete(streamId);
      this.clock.after(1, () => {
        if (fw.streamId === streamId) fw.disconnected();
      });
    }
  }

  #restartMaster(): void {
    this.master.start();
    for (const agent of this.agents) if (agent.up) agent.handle({ kind: "master_connected" });
  }

  /** Whether the running master incarnation owns `streamId` (ids carry the epoch). */
  #masterHas(streamId: string): boolean {
    return this.master.up && streamId.startsWith(`m${this.master.epoch}.`);
  }

  // --- agent channel -----------------------------------------------------------------------

  #agentSubscribe(agent: SimAgent, call: AgentCall): void {
    if (!this.master.up) return;
    const streamId = `m${this.master.epoch}.a${this.#nextStream++}`;
    if (agent.streamId !== undefined) this.#agentStreams.delete(agent.streamId);
    agent.streamId = streamId;
    this.#agentStreams.set(streamId, agent);
    this.network.send(agent.name, MASTER, { ordered: true, label: "agent SUBSCRIBE" }, () => {
      if (this.#masterHas(streamId) && agent.streamId === streamId) {
        this.master.handle({ kind: "agent_subscribe", agentStreamId: streamId, call });
      }
    });
  }

  #agentCall(agent: SimAgent, call: AgentCall): void {
    const streamId = agent.streamId;
    if (streamId === undefined || !this.#masterHas(streamId)) return;
    const agentId = call.agent_id?.value ?? agent.core.agentId ?? "";
    this.network.send(agent.name, MASTER, { ordered: false, label: `agent ${call.type}` }, () => {
      if (this.#masterHas(streamId)) this.master.handle({ kind: "agent_call", agentId, call });
    });
  }

  #toAgent(streamId: string, event: AgentEvent): void {
    const agent = this.#agentStreams.get(streamId);
    if (agent === undefined) return;
    this.network.send(
      MASTER,
      agent.name,
      {
        ordered: true,
        label: `agent ${event.type}`,
        onLost: () => this.#breakAgentStream(streamId),
      },
      () => {
        if (agent.streamId === streamId) agent.masterEvent(event as MasterEvent);
      },
    );
  }

  #closeAgentStream(streamId: string): void {
    const agent = this.#agentStreams.get(streamId);
    this.#agentStreams.delete(streamId);
    if (agent === undefined) return;
    this.network.send(MASTER, agent.name, { ordered: true, label: "agent close" }, () => {
      if (agent.streamId !== streamId) return;
      agent.streamId = undefined;
      agent.handle({ kind: "master_disconnected", masterKnown: true });
    });
  }

  /** A partition swallowed an event of this stream: the connection breaks at both ends. */
  #breakAgentStream(streamId: string): void {
    const agent = this.#agentStreams.get(streamId);
    if (agent === undefined) return;
    this.#agentStreams.delete(streamId);
    if (this.#masterHas(streamId))
      this.master.handle({ kind: "agent_stream_closed", agentStreamId: streamId });
    if (agent.streamId === streamId) {
      agent.streamId = undefined;
      agent.handle({ kind: "master_disconnected", masterKnown: true });
    }
  }

  // --- scheduler API -----------------------------------------------------------------------

  #frameworkSubscribe(fw: SimFramework, call: SchedulerCall): void {
    if (!this.master.up) {
      this.clock.after(1, () => fw.disconnected());
      return;
    }
    const streamId = `m${this.master.epoch}.f${this.#nextStream++}`;
    fw.streamId = streamId;
    this.#fwStreams.set(streamId, fw);
    this.network.send(
      fw.name,
      MASTER,
      {
        ordered: true,
        label: "SUBSCRIBE",
        onLost: () => {
          this.#fwStreams.delete(streamId);
          if (fw.streamId === streamId) fw.disconnected();
        },
      },
      () => {
        if (this.#masterHas(streamId) && fw.streamId === streamId) {
          this.master.handle({ kind: "scheduler_subscribe", streamId, call });
        }
      },
    );
  }

  #frameworkCall(fw: SimFramework, call: SchedulerCall): void {
    const streamId = fw.streamId;
    if (streamId === undefined || !this.#masterHas(streamId)) return;
    // An HTTP client does not replay a POST, and a replayed ACCEPT is not harmless: Mesos
    // answers the copy with TASK_DROPPED (invalid offers) for task ids that are running.
    const options = {
      ordered: false,
      label: call.type ?? "UNKNOWN",
      duplicable: call.type !== "ACCEPT",
    };
    this.network.send(fw.name, MASTER, options, () => {
      if (!this.#masterHas(streamId)) return;
      this.master.handle({
        kind: "scheduler_call",
        requestId: this.master.nextRequestId(),
        streamId,
        call,
      });
    });
  }

  #toFramework(streamId: string, event: SchedulerEvent): void {
    const fw = this.#fwStreams.get(streamId);
    if (fw === undefined) return;
    if (event.type === "OFFERS") this.metrics.offersMade += event.offers?.offers?.length ?? 0;
    this.network.send(
      MASTER,
      fw.name,
      {
        ordered: true,
        label: event.type ?? "UNKNOWN",
        onLost: () => {
          if (!this.#fwStreams.has(streamId)) return;
          this.#fwStreams.delete(streamId);
          if (this.#masterHas(streamId))
            this.master.handle({ kind: "scheduler_stream_closed", streamId });
          if (fw.streamId === streamId) fw.disconnected();
        },
      },
      () => {
        if (fw.streamId === streamId) fw.onEvent(event);
      },
    );
  }

  #closeFrameworkStream(streamId: string): void {
    const fw = this.#fwStreams.get(streamId);
    this.#fwStreams.delete(streamId);
    if (fw === undefined) return;
    this.network.send(MASTER, fw.name, { ordered: true, label: "close" }, () => {
      if (fw.streamId === streamId) fw.disconnected();
    });
  }
}

export { SimInvariantError };

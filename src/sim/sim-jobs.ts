// The jobs engine (src/frameworks/jobs) driven on the simulator's virtual clock: the real
// JobsState on a memory store, and a simulated Mesos around it — agents with cpus and memory,
// offers every allocation interval (and soon after a revive, as Mesos's allocator runs for a
// reviving framework), decline filters, tasks that start after a short latency and finish or
// fail after a seeded duration, status updates kept until delivered. Faults: a master failover
// (in-flight offers and launches are lost, updates wait, the framework reconciles after it
// re-subscribes) and a framework failover (the scheduler is rebuilt from its store, then
// reconciles). What Mesos knew is kept as the truth the ledger is checked against.
//
// Tests check exactly-once on it (no task id launched twice, no occurrence succeeding twice,
// every occurrence in the ledger); bench/jobs.bench.ts measures lag and CPU per run on it.
import { MemoryJobStore } from "../frameworks/jobs/job-store.ts";
import type { JobsEffect } from "../frameworks/jobs/jobs-state.ts";
import { JobsState } from "../frameworks/jobs/jobs-state.ts";
import type { JobsCoreOptions } from "../frameworks/jobs/jobs-types.ts";
import { parseTaskId } from "../frameworks/jobs/run-record.ts";
import type { TaskInfoInput } from "../sdk/offer-matching.ts";
import type { Offer } from "../wire/offer.ts";
import type { TaskState } from "../wire/status.ts";
import { type SeededRandom, streamOf, uniformMs } from "./prng.ts";
import { VirtualClock } from "./virtual-clock.ts";

export interface SimJobsOptions {
  readonly seed: number;
  readonly agents: number;
  readonly cpusPerAgent: number;
  readonly memMbPerAgent: number;
  readonly allocationIntervalMs?: number;
  /** Launch to TASK_RUNNING, and every status's trip to the framework. */
  readonly latencyMs?: readonly [number, number];
  /** How long a task of `job` runs, and whether it fails. */
  readonly taskDurationMs: (job: string, rng: SeededRandom) => number;
  readonly fails: (job: string, rng: SeededRandom) => boolean;
  readonly core: Omit<JobsCoreOptions, "role">;
  /** How often the scheduler looks for due occurrences (the adapter's tick). */
  readonly tickMs?: number;
  /** Virtual time the cluster starts at (epoch ms: schedules live on a calendar). */
  readonly startMs?: number;
  /**
   * Charge the engine's measured CPU time to the virtual clock: its calls leave only once it
   * has finished (benchmarks: the lag then includes the engine's own time). Off by default,
   * since measured time would make a seeded run unrepeatable.
   */
  readonly chargeEngineTime?: boolean;
}

interface SimTask {
  readonly agent: number;
  readonly cpus: number;
  readonly memMb: number;
  state: TaskState;
  readonly launchedAtMs: number;
  runningAtMs?: number;
}

export interface SimJobsCounters {
  launched: number;
  /** Launches lost with their offer (master failover). */
  launchesLost: number;
  offers: number;
  masterFailovers: number;
  frameworkFailovers: number;
  /** CPU milliseconds spent in the jobs engine (its handle, measured around every input). */
  engineMs: number;
}

const TERMINAL: ReadonlySet<TaskState> = new Set([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_LOST",
]);

export class SimJobsCluster {
  readonly clock = new VirtualClock();
  readonly store = new MemoryJobStore();
  state: JobsState;
  /** Mesos's truth: every task it accepted. */
  readonly tasks = new Map<string, SimTask>();
  /** Per run id: TASK_RUNNING time of its first attempt minus its due time. */
  readonly lagMs: number[] = [];
  readonly counters: SimJobsCounters = {
    launched: 0,
    launchesLost: 0,
    offers: 0,
    masterFailovers: 0,
    frameworkFailovers: 0,
    engineMs: 0,
  };
  readonly #rng: SeededRandom;
  readonly #free: { cpus: number; memMb: number }[];
  readonly #filteredUntil: number[];
  /** Updates Mesos owes the framework (delivered when both are up). */
  #pending: { taskId: string; state: TaskState; reason?: string }[] = [];
  #masterUp = true;
  #frameworkUp = true;
  /** Offers of the current master incarnation; a failover invalidates them. */
  #epoch = 0;
  #allocationSoon = false;
  #busyUntilMs = 0;
  #wantedOffers = false;

  constructor(readonly options: SimJobsOptions) {
    this.#rng = streamOf(options.seed, "sim-jobs");
    this.#free = Array.from({ length: options.agents }, () => ({
      cpus: options.cpusPerAgent,
      memMb: options.memMbPerAgent,
    }));
    this.#filteredUntil = this.#free.map(() => 0);
    this.state = this.#newState();
    const every = options.allocationIntervalMs ?? 1000;
    // The allocator's cycle runs off the minute, as a real master's does.
    const start = options.startMs ?? 0;
    this.clock.at(start + every / 2, () => this.#allocationLoop(every));
    this.clock.at(start, () => this.#tickLoop(options.tickMs ?? 200));
  }

  #newState(): JobsState {
    return new JobsState({ store: this.store, ...this.options.core, role: "jobs" });
  }

  /** Runs one engine input and carries out its calls (see `chargeEngineTime`). */
  #run(fn: () => readonly JobsEffect[], offers: readonly Offer[] = []): void {
    // CPU time, not wall time: on a shared machine the wall clock also counts other processes.
    const start = process.cpuUsage();
    const calls = fn();
    const used = process.cpuUsage(start);
    const elapsedMs = (used.user + used.system) / 1000;
    this.counters.engineMs += elapsedMs;
    // One thread: inputs queue behind each other, an input's calls leave once it is done.
    const charged = this.options.chargeEngineTime === true;
    if (charged) this.#busyUntilMs = Math.max(this.#busyUntilMs, this.clock.nowMs) + elapsedMs;
    const at = charged ? Math.ceil(this.#busyUntilMs) : this.clock.nowMs;
    if (at <= this.clock.nowMs) this.#carry(calls, offers);
    else this.clock.at(at, () => this.#carry(calls, offers));
  }

  #latency(): number {
    const [min, max] = this.options.latencyMs ?? [2, 20];
    return uniformMs(this.#rng, min, max);
  }

  #tickLoop(everyMs: number): void {
    this.clock.after(everyMs, () => {
      if (this.#frameworkUp) this.#run(() => this.state.tick(this.clock.nowMs));
      this.#tickLoop(everyMs);
    });
  }

  #allocationLoop(everyMs: number): void {
    this.#allocate();
    this.clock.after(everyMs, () => this.#allocationLoop(everyMs));
  }

  /** One allocation: an offer per unfiltered agent with free resources, in one batch. */
  #allocate(): void {
    if (!this.#masterUp || !this.#frameworkUp) return;
    const now = this.clock.nowMs;
    const offers: Offer[] = [];
    this.#free.forEach((free, agent) => {
      if ((this.#filteredUntil[agent] as number) > now || free.cpus < 0.01) return;
      offers.push(this.#offer(agent, free));
    });
    if (offers.length === 0) return;
    this.counters.offers += offers.length;
    // Offered resources are out of the pool until used or declined.
    for (const o of offers) this.#hold(o, true);
    const epoch = this.#epoch;
    this.clock.after(this.#latency(), () => {
      if (epoch !== this.#epoch || !this.#frameworkUp) {
        for (const o of offers) this.#hold(o, false);
        return;
      }
      this.#run(() => this.state.handleOffers(offers, this.clock.nowMs), offers);
    });
  }

  #offer(agent: number, free: { cpus: number; memMb: number }): Offer {
    return {
      id: { value: `o-${this.counters.offers}-${agent}` },
      framework_id: { value: "jobs" },
      agent_id: { value: `agent-${agent}` },
      hostname: `agent-${agent}`,
      resources: [
        { name: "cpus", type: "SCALAR", scalar: { value: free.cpus } },
        { name: "mem", type: "SCALAR", scalar: { value: free.memMb } },
        { name: "disk", type: "SCALAR", scalar: { value: 1_000_000 } },
      ],
      attributes: [],
      executor_ids: [],
    } as unknown as Offer;
  }

  #hold(offer: Offer, take: boolean): void {
    const agent = Number(offer.agent_id.value.slice("agent-".length));
    const free = this.#free[agent] as { cpus: number; memMb: number };
    const cpus = offer.resources?.find((r) => r.name === "cpus")?.scalar?.value ?? 0;
    const mem = offer.resources?.find((r) => r.name === "mem")?.scalar?.value ?? 0;
    const sign = take ? -1 : 1;
    free.cpus = Math.round((free.cpus + sign * cpus) * 1000) / 1000;
    free.memMb += sign * mem;
  }

  /** Carries out the engine's calls; `offers` are the ones this batch answers. */
  #carry(calls: readonly JobsEffect[], offers: readonly Offer[] = []): void {
    const answered = new Map(offers.map((o) => [o.id.value, o]));
    for (const c of calls) {
      if (c.kind === "kill") this.#kill(c.taskId);
      else if (c.kind === "decline" || c.kind === "launch") {
        const offer = answered.get(c.offerId);
        if (offer === undefined) continue;
        answered.delete(c.offerId);
        this.#hold(offer, false);
        const agent = Number(offer.agent_id.value.slice("agent-".length));
        if (c.kind === "launch") for (const t of c.tasks) this.#accept(agent, t);
        if (c.refuseSeconds !== undefined && c.refuseSeconds > 0)
          this.#filteredUntil[agent] = this.clock.nowMs + c.refuseSeconds * 1000;
      }
    }
    for (const o of answered.values()) this.#hold(o, false);
    this.#reviveIfNeeded();
  }

  #reviveIfNeeded(): void {
    const waiting = this.state.wantsOffers(this.clock.nowMs);
    if (waiting && !this.#wantedOffers && !this.#allocationSoon) {
      // REVIVE clears the filters and the allocator runs for the framework shortly.
      this.#filteredUntil.fill(0);
      this.#allocationSoon = true;
      this.clock.after(this.#latency(), () => {
        this.#allocationSoon = false;
        this.#allocate();
      });
    }
    this.#wantedOffers = waiting;
  }

  /** The master takes a launch after a latency; a master failover first loses it. */
  #accept(agent: number, task: TaskInfoInput): void {
    const id = task.task_id.value;
    const resources = (task.resources ?? []) as { name: string; scalar?: { value: number } }[];
    const cpus = resources.find((r) => r.name === "cpus")?.scalar?.value ?? 0;
    const memMb = resources.find((r) => r.name === "mem")?.scalar?.value ?? 0;
    const free = this.#free[agent] as { cpus: number; memMb: number };
    free.cpus = Math.round((free.cpus - cpus) * 1000) / 1000;
    free.memMb -= memMb;
    const epoch = this.#epoch;
    this.clock.after(this.#latency(), () => {
      if (epoch === this.#epoch) return this.#launch(id, { agent, cpus, memMb });
      this.counters.launchesLost++;
      free.cpus = Math.round((free.cpus + cpus) * 1000) / 1000;
      free.memMb += memMb;
    });
  }

  #launch(id: string, where: { agent: number; cpus: number; memMb: number }): void {
    if (this.tasks.has(id)) throw new Error(`task ${id} launched twice`);
    const t: SimTask = { ...where, state: "TASK_STAGING", launchedAtMs: this.clock.nowMs };
    this.tasks.set(id, t);
    this.counters.launched++;
    const job = parseTaskId(id)?.job ?? "";
    this.clock.after(this.#latency(), () => {
      if (t.state !== "TASK_STAGING") return;
      t.state = "TASK_RUNNING";
      t.runningAtMs = this.clock.nowMs;
      const p = parseTaskId(id);
      if (p !== undefined && p.attempt === 0) this.lagMs.push(this.clock.nowMs - p.dueMs);
      this.#update(id, "TASK_RUNNING");
      const duration = this.options.taskDurationMs(job, this.#rng);
      const fails = this.options.fails(job, this.#rng);
      this.clock.after(duration, () => this.#end(id, fails ? "TASK_FAILED" : "TASK_FINISHED"));
    });
  }

  #kill(taskId: string): void {
    this.clock.after(this.#latency(), () => this.#end(taskId, "TASK_KILLED"));
  }

  #end(taskId: string, state: TaskState): void {
    const t = this.tasks.get(taskId);
    if (t === undefined || TERMINAL.has(t.state)) return;
    t.state = state;
    const free = this.#free[t.agent] as { cpus: number; memMb: number };
    free.cpus = Math.round((free.cpus + t.cpus) * 1000) / 1000;
    free.memMb += t.memMb;
    this.#update(taskId, state);
  }

  /** A status update on its way: delivered when the master and the framework are up. */
  #update(taskId: string, state: TaskState, reason?: string): void {
    this.#pending.push(reason === undefined ? { taskId, state } : { taskId, state, reason });
    this.clock.after(this.#latency(), () => this.#deliver());
  }

  #deliver(): void {
    if (!this.#masterUp || !this.#frameworkUp) return;
    const batch = this.#pending;
    this.#pending = [];
    for (const u of batch)
      this.#run(() =>
        this.state.handleStatus(
          { ...u, agentId: `agent-${this.tasks.get(u.taskId)?.agent ?? 0}` },
          this.clock.nowMs,
        ),
      );
  }

  /** The framework re-subscribed: explicit reconciliation of every task it thinks is live. */
  #reconcile(): void {
    for (const { taskId } of this.state.activeTasks()) {
      const t = this.tasks.get(taskId);
      if (t === undefined) this.#update(taskId, "TASK_LOST", "REASON_RECONCILIATION");
      else this.#update(taskId, t.state);
    }
    this.#wantedOffers = false;
    this.#reviveIfNeeded();
  }

  /** The master fails over at `atMs` and is back `downMs` later. */
  masterFailover(atMs: number, downMs: number): void {
    this.clock.at(atMs, () => {
      this.#masterUp = false;
      this.#epoch++;
      this.counters.masterFailovers++;
      this.clock.after(downMs, () => {
        this.#masterUp = true;
        this.#filteredUntil.fill(0);
        if (this.#frameworkUp) this.#reconcile();
        this.#deliver();
      });
    });
  }

  /** The scheduler process dies at `atMs` and a new one starts from the store `downMs` later. */
  frameworkFailover(atMs: number, downMs: number): void {
    this.clock.at(atMs, () => {
      this.#frameworkUp = false;
      this.#epoch++;
      this.counters.frameworkFailovers++;
      this.clock.after(downMs, () => {
        this.state = this.#newState();
        this.#frameworkUp = true;
        if (this.#masterUp) this.#reconcile();
        this.#deliver();
      });
    });
  }

  /** Runs the simulation until `untilMs` of virtual time. */
  runUntil(untilMs: number): void {
    this.clock.runUntil(untilMs);
  }
}

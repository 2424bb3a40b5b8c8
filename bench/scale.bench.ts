// The Mesos paper's emulation (issue 21): tens of thousands of agents over the real protocol
// against a real master process. Agents are emulated (bench/agent-emulator.ts: real
// agent-channel connections, PING/PONG, emulated tasks that run for a random time and finish);
// a few SDK schedulers (src/sdk SchedulerClient) in this process launch one task per offer.
// Every agent holds one task, so the cluster is full once launched, and each finished task's
// resources come back as an offer that is filled again: steady churn. Rows: the master's CPU
// per second at steady state, its RSS per agent, offer -> TASK_RUNNING latency (p50/p99, seen
// by the schedulers), and the allocation cycle's time (the core's handling of the allocation
// timer, timed in the bench master, bench/master-child.ts).
//
// One socket per agent stream on both ends: the master's open-file limit bounds the cluster.
// Children get their soft limit raised to the hard one (bench/file-limit.ts); SCALE_AGENTS
// (default 50,000) above what fits runs at the largest that does, and the rows say so.
// SCALE_FRAMEWORKS (4), SCALE_TASK_MS (mean task run time, 60 s), SCALE_WINDOW_MS (30 s).
// The schedulers acknowledge without waiting for the answer (the SDK's auto-acknowledgement
// waits, one round trip per update). Tasks lost with REASON_INVALID_OFFERS are launches on
// offers the master rescinded from a framework whose stream backed up (stream-pressure.ts:
// the first cycle offers every agent at once); the last row names them.
import { loadavg } from "node:os";
import { pino } from "pino";
import { type Offer, SchedulerClient } from "../src/sdk/index.ts";
import type { TaskStatus } from "../src/wire/status.ts";
import { EmulatorFleet } from "./emulator-fleet.ts";
import { hardFileLimit, streamsPerProcess } from "./file-limit.ts";
import { type BenchRow, type BenchSuite, nowMs, round, summarise, withTarget } from "./harness.ts";
import { childMaster } from "./master-process.ts";

const TASK_CPUS = 1;
const TASK_MEM_MB = 128;
/** Registration of the whole cluster must end within this. */
const SETUP_TIMEOUT_MS = 600_000;
/** The steady state is measured once 95% of the agents run a task, or after this long. */
const FILL_TIMEOUT_MS = 120_000;
const MASTER_NODE_ARGS = ["--max-old-space-size=6144", "--max-semi-space-size=64"];

function setting(name: string, fallback: number): number {
  const given = process.env[name];
  return given === undefined ? fallback : Number(given);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** One scheduler launching one task on every offer; times offer -> TASK_RUNNING. */
class Launcher {
  readonly client: SchedulerClient;
  readonly #offeredAt = new Map<string, number>();
  readonly latenciesMs: number[] = [];
  launched = 0;
  /** SUBSCRIBED events after the first (a lost stream, or the master failing the framework over). */
  resubscriptions = 0;
  /** Tasks that ended otherwise than TASK_FINISHED, by state and reason. */
  readonly failed = new Map<string, number>();
  #next = 0;
  readonly #stopped: Promise<unknown>;

  constructor(master: string, index: number) {
    this.client = new SchedulerClient({
      master,
      frameworkInfo: {
        user: "bench",
        name: `scale-bench-${index}`,
        failover_timeout: 3600,
        checkpoint: true,
        roles: ["*"],
        capabilities: [{ type: "MULTI_ROLE" }],
      },
      logger: pino({ level: "silent" }),
      // The SDK's own acknowledgement waits for each ACKNOWLEDGE's answer before it reads the
      // next event: one round trip per update made the scheduler, not the master, the
      // bottleneck (offer -> RUNNING p50 ~40 s at 5,000 agents). Acknowledged without waiting,
      // as a driver-based framework does.
      autoAcknowledge: false,
    });
    this.client.on("offers", (offers) => this.#offers(offers, index));
    this.client.on("subscribed", ({ resubscribed }) => {
      if (resubscribed) this.resubscriptions++;
    });
    this.client.on("update", (status) => this.#update(status));
    this.#stopped = this.client.start();
  }

  #offers(offers: Offer[], index: number): void {
    const at = nowMs();
    for (const offer of offers) {
      const taskId = `scale-${index}-${this.#next++}`;
      this.#offeredAt.set(taskId, at);
      this.launched++;
      const resources = [
        { name: "cpus", type: "SCALAR" as const, scalar: { value: TASK_CPUS } },
        { name: "mem", type: "SCALAR" as const, scalar: { value: TASK_MEM_MB } },
      ];
      const task = {
        name: taskId,
        task_id: { value: taskId },
        agent_id: offer.agent_id,
        resources,
        command: { value: "true", shell: true },
      };
      void this.client.launch([offer.id.value], [task]);
    }
  }

  #update(status: TaskStatus): void {
    const id = status.task_id.value;
    if (status.uuid !== undefined) void this.client.acknowledge(status);
    if (status.state === "TASK_RUNNING") {
      const at = this.#offeredAt.get(id);
      if (at !== undefined) this.latenciesMs.push(nowMs() - at);
      this.#offeredAt.delete(id);
    } else if (status.state !== "TASK_FINISHED") {
      const key = `${status.state}/${status.reason ?? ""}`;
      this.failed.set(key, (this.failed.get(key) ?? 0) + 1);
      this.#offeredAt.delete(id);
    }
  }

  async stop(): Promise<void> {
    await this.client.stop();
    await this.#stopped;
  }
}

function failures(launchers: Launcher[]): string {
  const all = new Map<string, number>();
  for (const l of launchers) for (const [k, n] of l.failed) all.set(k, (all.get(k) ?? 0) + n);
  return all.size === 0 ? "0" : [...all].map(([k, n]) => `${k} ${n}`).join(", ");
}

async function scale(): Promise<BenchRow[]> {
  const asked = setting("SCALE_AGENTS", 50_000);
  const agents = Math.min(asked, streamsPerProcess());
  const frameworks = setting("SCALE_FRAMEWORKS", 4);
  const taskRunMs = setting("SCALE_TASK_MS", 60_000);
  const windowMs = setting("SCALE_WINDOW_MS", 30_000);
  const master = await childMaster(
    { registry: "in_memory", port: "0", ip: "127.0.0.1" },
    { nodeArgs: MASTER_NODE_ARGS, profile: false },
  );
  const rssIdle = await master.rssBytes();
  const fleet = await EmulatorFleet.start({
    master: master.url,
    agents,
    hostPrefix: "scale-bench",
    slots: 1,
    taskCpus: TASK_CPUS,
    taskMemMb: TASK_MEM_MB,
    backoffFactorMs: 1_000,
    taskRunMs,
  });
  const launchers: Launcher[] = [];
  try {
    const registerStart = nowMs();
    await Promise.race([
      fleet.register(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("registration did not end")), SETUP_TIMEOUT_MS).unref(),
      ),
    ]);
    const registerMs = nowMs() - registerStart;
    const rssAgents = await master.rssBytes();
    for (let i = 0; i < frameworks; i++) launchers.push(new Launcher(master.url, i));
    // Filled: every agent runs a task (one slot each); then steady churn.
    const fillStart = nowMs();
    let filled = 0;
    for (;;) {
      filled = (await fleet.stats()).tasks;
      if (filled >= agents * 0.95 || nowMs() - fillStart > FILL_TIMEOUT_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const fillMs = nowMs() - fillStart;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await master.allocationMs();
    for (const l of launchers) l.latenciesMs.length = 0;
    const launchedBefore = launchers.reduce((sum, l) => sum + l.launched, 0);
    const cpuBefore = await master.cpuMs();
    const emulatorBefore = (await fleet.stats()).cpuMs;
    const benchCpuBefore = process.cpuUsage();
    const windowStart = nowMs();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const elapsedMs = nowMs() - windowStart;
    const cpuMs = (await master.cpuMs()) - cpuBefore;
    const stats = await fleet.stats();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const allocation = summarise(await master.allocationMs());
    const launched = launchers.reduce((sum, l) => sum + l.launched, 0) - launchedBefore;
    const latencies = launchers.flatMap((l) => l.latenciesMs).sort((a, b) => a - b);
    const context: Record<string, string | number> = {
      agents,
      frameworks,
      ...(agents < asked ? { asked: `${asked}; open-file hard limit ${hardFileLimit()}` } : {}),
      load: round(loadavg()[0] ?? 0, 2),
    };
    const corePercent = (100 * cpuMs) / elapsedMs;
    return [
      withTarget(
        {
          name: "master CPU at steady state",
          value: round(corePercent, 1),
          unit: "% of a core",
          launches_per_s: Math.round((launched / elapsedMs) * 1000),
          emulator_cpu_pct: round((100 * (stats.cpuMs - emulatorBefore)) / elapsedMs, 1),
          schedulers_cpu_pct: round((benchCpu.user + benchCpu.system) / 10 / elapsedMs, 1),
          ...context,
        },
        50,
      ),
      {
        name: "master RSS per agent",
        value: round((rssAgents - rssIdle) / agents / 1024, 1),
        unit: "KiB",
        rss_mb: round(rssAgents / 2 ** 20, 1),
        ...context,
      },
      withTarget(
        {
          name: "offer -> TASK_RUNNING p50",
          value: round(percentile(latencies, 50), 1),
          unit: "ms",
          samples: latencies.length,
          ...context,
        },
        1_000,
      ),
      withTarget(
        {
          name: "offer -> TASK_RUNNING p99",
          value: round(percentile(latencies, 99), 1),
          unit: "ms",
          ...context,
        },
        1_000,
      ),
      {
        name: "allocation cycle (median)",
        value: allocation.medianMs,
        unit: "ms",
        max_ms: allocation.maxMs,
        cycles: allocation.runs,
        ...context,
      },
      {
        name: "registration of every agent (setup)",
        value: round(registerMs, 1),
        unit: "ms",
        fill_ms: round(fillMs, 1),
        filled,
        ping_timeouts: stats.pingTimeouts,
        failed_tasks: failures(launchers),
        resubscriptions: launchers.reduce((sum, l) => sum + l.resubscriptions, 0),
        ...context,
      },
    ];
  } finally {
    for (const l of launchers) await l.stop();
    await fleet.close();
    await master.close();
  }
}

export const suite: BenchSuite = {
  name: "scale",
  description:
    "the Mesos paper's emulation: SCALE_AGENTS (default 50,000) emulated agents on real agent-channel connections to a real master process, heartbeating, SDK schedulers launching one task per offer (open-file soft limit raised to the hard one for the children; the agent count is capped by it and the rows say so)",
  run: scale,
};

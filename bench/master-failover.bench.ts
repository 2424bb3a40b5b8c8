// Mesos's MasterFailover_BENCHMARK_Test (master_benchmarks.cpp, reference §6.5) over the real
// protocol: agents with running tasks registered to a real master process; the leader crashes
// (SIGKILL) and a new master process starts on the same sqlite registry (the standalone HA of
// least moving parts: the registry is all a new leader inherits, docs/ha.md); the agents are
// told of the new leader at once (what their ZooKeeper detectors do) and re-register with
// their tasks. Measured: from the new master being ready (listening, leading, registry
// recovered) until every agent is SUBSCRIBED again, which the master answers only after it
// has re-added all of that agent's tasks; then checked against the master's own metrics.
// Agents re-register without the agent's random registration delay (backoff factor 0): the
// whole herd at once, as Mesos's benchmark does.
//
// Agents are emulated (bench/agent-emulator.ts) on real agent-channel connections, one socket
// each on both ends: the master's open-file limit bounds the cluster. Children get their soft
// limit raised to the hard one (bench/file-limit.ts); a size over it runs at the largest that
// fits and the row says so. MASTER_FAILOVER_SIZES=AGENTSxTASKS,... picks other sizes.
// BENCH_MASTER_PROF=<dir>: the new master writes a CPU profile of the re-registration window
// (bench/cpu-profile-summary.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { FrameworkInfo } from "../src/wire/framework.ts";
import { EmulatorFleet } from "./emulator-fleet.ts";
import { hardFileLimit, streamsPerProcess } from "./file-limit.ts";
import { type BenchRow, type BenchSuite, nowMs, round, withTarget } from "./harness.ts";
import { childMaster } from "./master-process.ts";

interface Size {
  agents: number;
  tasks: number;
  /** Target for the full re-registration, ms, and Mesos 1.5's figure. */
  targetMs: number;
  mesosMs: number;
}

const SIZES: Size[] = [
  { agents: 10_000, tasks: 100_000, targetMs: 2_000, mesosMs: 4_500 },
  { agents: 40_000, tasks: 400_000, targetMs: 8_000, mesosMs: 19_000 },
];
const FRAMEWORKS = 5;
const ROLE = "bench";
const TASK_CPUS = 0.1;
const TASK_MEM_MB = 32;
/** The whole round must end within this, or the bench fails loudly rather than hang. */
const ROUND_TIMEOUT_MS = 600_000;
const MASTER_NODE_ARGS = ["--max-old-space-size=6144", "--max-semi-space-size=64"];

function sizes(): Size[] {
  const given = process.env.MASTER_FAILOVER_SIZES;
  if (given === undefined) return SIZES;
  return given.split(",").map((s) => {
    const [agents, tasks] = s.split("x").map(Number);
    return {
      agents: agents ?? 0,
      tasks: tasks ?? 0,
      targetMs: ((agents ?? 0) / 10_000) * 2_000,
      mesosMs: 0,
    };
  });
}

async function metrics(url: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/metrics/snapshot`);
  return (await res.json()) as Record<string, number>;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what}: no end in ${ROUND_TIMEOUT_MS} ms`)),
        ROUND_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
}

async function failover(size: Size): Promise<BenchRow[]> {
  // One socket per agent on the master: the cluster fits the master's open-file limit.
  const agents = Math.min(size.agents, streamsPerProcess());
  const tasksPerAgent = Math.max(1, Math.round(size.tasks / size.agents));
  const limited = agents < size.agents;
  const workDir = mkdtempSync(join(tmpdir(), "tessera-failover-bench-"));
  const flags = { registry: "sqlite", work_dir: workDir, port: "0", ip: "127.0.0.1" };
  const first = await childMaster(flags, { nodeArgs: MASTER_NODE_ARGS, profile: false });
  let second: Awaited<ReturnType<typeof childMaster>> | undefined;
  const fleet = await EmulatorFleet.start({
    master: first.url,
    agents,
    hostPrefix: "failover-bench",
    slots: tasksPerAgent,
    taskCpus: TASK_CPUS,
    taskMemMb: TASK_MEM_MB,
    backoffFactorMs: 0,
    taskRunMs: 0,
  });
  try {
    const registerStart = nowMs();
    await withTimeout(fleet.register(), "first registration");
    const registerMs = nowMs() - registerStart;
    const frameworks: FrameworkInfo[] = Array.from({ length: FRAMEWORKS }, (_, i) => ({
      user: "bench",
      name: `failover-bench-${i}`,
      id: { value: `${first.id}-${String(i).padStart(4, "0")}` },
      roles: [ROLE],
      capabilities: [{ type: "MULTI_ROLE" }],
      checkpoint: true,
      failover_timeout: 0,
    }));
    const tasks = await fleet.adopt(frameworks, tasksPerAgent, ROLE);
    await first.kill();
    second = await childMaster(flags, { nodeArgs: MASTER_NODE_ARGS, profile: false });
    await second.profileStart();
    const cpuBefore = await second.cpuMs();
    const emulatorBefore = (await fleet.stats()).cpuMs;
    const readyAt = nowMs();
    const reregistration = await withTimeout(fleet.register(second.url), "re-registration");
    const elapsedMs = nowMs() - readyAt;
    const cpuMs = (await second.cpuMs()) - cpuBefore;
    const emulatorMs = (await fleet.stats()).cpuMs - emulatorBefore;
    await second.profileStop();
    const seen = await metrics(second.url);
    const running = seen["master/tasks_running"] ?? 0;
    const active = seen["master/slaves_active"] ?? 0;
    if (active !== agents || running !== tasks) {
      throw new Error(
        `after failover the master has ${active} of ${agents} agents and ${running} of ${tasks} tasks running`,
      );
    }
    const context: Record<string, string | number> = {
      agents,
      tasks,
      ...(limited
        ? { asked: `${size.agents} agents; open-file hard limit ${hardFileLimit()}` }
        : {}),
      emulators: fleet.processes,
      load: round(loadavg()[0] ?? 0, 2),
    };
    const name = `master failover ${size.agents}x${size.tasks}`;
    const full: Record<string, number> =
      limited || size.mesosMs === 0 ? {} : { mesos_1_5_ms: size.mesosMs };
    const timed = withTarget(
      {
        name: `${name}: all re-registered`,
        value: round(elapsedMs, 1),
        unit: "ms",
        ...full,
        ...context,
      },
      size.targetMs,
    );
    return [
      // A smaller cluster than the target's says nothing about the target.
      limited ? { ...timed, met: "n/a (smaller cluster)" } : timed,
      {
        name: `${name}: re-registrations per second`,
        value: Math.round((agents / elapsedMs) * 1000),
        unit: "agents/s",
        tasks_per_s: Math.round((tasks / elapsedMs) * 1000),
        ...context,
      },
      withTarget(
        {
          name: `${name}: agents that timed out or retried`,
          value: reregistration.agentsRetried + reregistration.failedAttempts,
          unit: "agents",
          failed_attempts: reregistration.failedAttempts,
          ...context,
        },
        0,
      ),
      {
        name: `${name}: new master CPU during re-registration`,
        value: round(cpuMs, 1),
        unit: "ms",
        per_agent_us: round((cpuMs / agents) * 1000, 1),
        emulator_cpu_ms: round(emulatorMs, 1),
        ...context,
      },
      {
        name: `${name}: first registration (setup)`,
        value: round(registerMs, 1),
        unit: "ms",
        ...context,
      },
    ];
  } finally {
    await fleet.close();
    await first.kill();
    await second?.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: "master-failover",
  description:
    "Mesos's MasterFailover_BENCHMARK: emulated agents with tasks on real agent-channel connections; the master is SIGKILLed, a new one starts on its sqlite registry; time until every agent and task is re-registered (open-file soft limit raised to the hard one for the children; sizes capped by it)",
  async run() {
    const rows: BenchRow[] = [];
    for (const size of sizes()) rows.push(...(await failover(size)));
    return rows;
  },
};

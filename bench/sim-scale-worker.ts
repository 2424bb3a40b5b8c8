// The sim-scale benchmark's measuring process (bench/sim-scale.bench.ts starts it with
// --expose-gc and a large old space, then parses the JSON line it prints last).
//
// Phases, all on one virtual clock driving the real MasterCore and Allocator:
// 1. N agents register, spread over one ping interval (so their health checks are spread too).
// 2. Steady state: heartbeats (the master pings every agent every 15 s, agents pong) and the
//    periodic allocation cycle, for a stretch of simulated time; CPU per simulated second.
// 3. F frameworks subscribe and launch T tasks in all (offer -> ACCEPT LAUNCH -> RUN_TASK ->
//    TASK_RUNNING -> ACKNOWLEDGE); wall time until the last RUNNING update is processed.
// 4. Heap with every task tracked, and steady-state CPU again with the tasks in place.
// Sizes come from SIM_SCALE_AGENTS, SIM_SCALE_FRAMEWORKS, SIM_SCALE_TASKS (defaults: issue #8's
// 50,000 agents, 1,000 frameworks, 1,000,000 tasks).
import { getHeapStatistics } from "node:v8";
import { nowMs, round } from "./harness.ts";
import { ScaleCluster, type ScaleShape } from "./sim-scale-driver.ts";

const PING_INTERVAL_MS = 15_000;
const STEADY_SIM_SECONDS = 60;
const MIB = 1024 * 1024;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}=${raw} is not a count`);
  return value;
}

function heapUsedBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function steadyState(cluster: ScaleCluster, simSeconds: number) {
  const pingsBefore = cluster.pings;
  const cyclesBefore = cluster.allocationCycles;
  const cpu = process.cpuUsage();
  const wallStart = nowMs();
  cluster.clock.runUntil(cluster.clock.nowMs + simSeconds * 1000);
  const wallMs = nowMs() - wallStart;
  const cpuMs = cpuMsSince(cpu);
  return {
    simSeconds,
    wallMs: round(wallMs, 1),
    cpuMsPerSimSecond: round(cpuMs / simSeconds, 2),
    pingsPerSimSecond: round((cluster.pings - pingsBefore) / simSeconds, 1),
    allocationCycles: cluster.allocationCycles - cyclesBefore,
  };
}

function main(): void {
  const agents = envInt("SIM_SCALE_AGENTS", 50_000);
  const frameworks = envInt("SIM_SCALE_FRAMEWORKS", 1_000);
  const tasks = envInt("SIM_SCALE_TASKS", 1_000_000);
  const shape: ScaleShape = {
    agents,
    agentCpus: 32,
    agentMemMb: 131_072,
    frameworks,
    roles: Math.min(frameworks, 50),
    tasksPerFramework: Math.ceil(tasks / frameworks),
    tasksPerOffer: 8,
    taskCpus: 1,
    taskMemMb: 4096,
  };
  const capacity = Math.floor(shape.agentCpus / shape.taskCpus) * agents;
  if (capacity < shape.tasksPerFramework * frameworks) {
    throw new Error(`${agents} agents hold ${capacity} tasks, fewer than ${tasks}`);
  }
  const heapStart = heapUsedBytes();
  const cluster = new ScaleCluster(shape);

  // 1. Registration, spread over one ping interval of virtual time.
  for (let i = 0; i < agents; i++) {
    const atMs = Math.floor((i * PING_INTERVAL_MS) / agents);
    cluster.clock.at(atMs, () => cluster.subscribeAgent(i));
  }
  let cpu = process.cpuUsage();
  let wallStart = nowMs();
  cluster.clock.runUntil(PING_INTERVAL_MS - 1);
  const registrationWallMs = nowMs() - wallStart;
  const registrationCpuMs = cpuMsSince(cpu);
  if (cluster.agentsSubscribed !== agents) {
    throw new Error(`${cluster.agentsSubscribed} of ${agents} agents registered`);
  }
  const heapAgents = heapUsedBytes();

  // 2. Heartbeats with no frameworks.
  const idle = steadyState(cluster, STEADY_SIM_SECONDS);

  // 3. Frameworks and placement.
  for (let f = 0; f < frameworks; f++) cluster.subscribeFramework(f);
  const target = shape.tasksPerFramework * frameworks;
  cpu = process.cpuUsage();
  wallStart = nowMs();
  const simStartMs = cluster.clock.nowMs;
  const allocatorMsBefore = cluster.allocatorMs;
  while (cluster.tasksRunning < target && cluster.clock.nowMs - simStartMs < 600_000) {
    cluster.clock.runUntil(cluster.clock.nowMs + 1000);
  }
  const placementWallMs = nowMs() - wallStart;
  const placementCpuMs = cpuMsSince(cpu);
  const placementSimMs = cluster.clock.nowMs - simStartMs;
  if (cluster.tasksRunning < target) {
    throw new Error(`only ${cluster.tasksRunning} of ${target} tasks running after 600 s`);
  }
  const heapTasks = heapUsedBytes();

  // 4. Heartbeats and allocation cycles with every task in place.
  const loaded = steadyState(cluster, STEADY_SIM_SECONDS);
  const violations = cluster.core.invariantViolations().length;

  const result = {
    agents,
    frameworks,
    tasks: cluster.tasksRunning,
    registrationWallMs: round(registrationWallMs, 1),
    registrationCpuMs: round(registrationCpuMs, 1),
    heapPerAgentKiB: round((heapAgents - heapStart) / agents / 1024, 3),
    heapWithAgentsMb: round(heapAgents / MIB, 1),
    idle,
    placementWallMs: round(placementWallMs, 1),
    placementCpuMs: round(placementCpuMs, 1),
    placementSimSeconds: placementSimMs / 1000,
    placementAllocatorMs: round(cluster.allocatorMs - allocatorMsBefore, 1),
    tasksPerSecond: Math.round((cluster.tasksRunning / placementWallMs) * 1000),
    tasksPerCpuSecond: Math.round((cluster.tasksRunning / placementCpuMs) * 1000),
    offers: cluster.offersReceived,
    heapWithTasksMb: round(heapTasks / MIB, 1),
    heapPerTaskKiB: round((heapTasks - heapAgents) / cluster.tasksRunning / 1024, 3),
    loaded,
    invariantViolations: violations,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === "function",
    heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / MIB),
  };
  console.log(`SIM_SCALE_RESULT ${JSON.stringify(result)}`);
}

main();

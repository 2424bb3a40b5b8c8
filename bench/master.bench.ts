// Master benchmarks: scheduler-API throughput through the real HTTP master on loopback
// (keep-alive DECLINE -> 202), offer -> launch -> TASK_RUNNING throughput driving the MasterCore
// and Allocator in-process with simulated agents (calls parsed with the wire schemas, no HTTP),
// and master memory per agent and per task (heap delta / count). Bounded in count and time.
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { Allocator } from "../src/allocator/index.ts";
import { postCall } from "../src/http/client.ts";
import { MasterCore } from "../src/master/core/master.ts";
import { emptyRegistryState } from "../src/master/core/registry-state.ts";
import type { MasterInput, MasterOutput } from "../src/master/core/types.ts";
import { AgentCall } from "../src/wire/agent-channel.ts";
import { parseWire } from "../src/wire/json.ts";
import { SchedulerCall } from "../src/wire/scheduler.ts";
import {
  type BenchRow,
  type BenchSuite,
  heapUsedMb,
  nowMs,
  round,
  summarise,
  withTarget,
} from "./harness.ts";

const CALLS_PER_RUN = 6_000;
const CALL_RUNS = 15;
const LAUNCH_AGENTS = 500;
const LAUNCH_TASKS_PER_AGENT = 8;
const MEMORY_AGENTS = 5_000;

function post(
  agent: Agent,
  port: number,
  body: string,
  streamId: string,
  auth: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/v1/scheduler",
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Mesos-Stream-Id": streamId, ...auth },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Authentication and ACLs as a real deployment has them (issue 18): Basic on the scheduler
 * realm, twenty principals, and ACLs where the framework's rules come after others'.
 */
function secureFlags(): Record<string, string> {
  const principals = Array.from({ length: 20 }, (_, i) => `principal-${i}`).concat("bench");
  const rule = (who: string, field: string) => ({
    principals: { values: [who] },
    [field]: { type: "ANY" },
  });
  const rules = (field: string) => principals.map((who) => rule(who, field));
  return {
    authenticate_http_frameworks: "true",
    http_framework_authenticators: "basic",
    credentials: JSON.stringify({
      credentials: principals.map((principal) => ({ principal, secret: `${principal}-secret` })),
    }),
    acls: JSON.stringify({
      permissive: false,
      register_frameworks: rules("roles"),
      run_tasks: rules("users"),
      teardown_frameworks: rules("framework_principals"),
    }),
  };
}

const BENCH_AUTH = {
  Authorization: `Basic ${Buffer.from("bench:bench-secret").toString("base64")}`,
};

export interface ChildMaster {
  readonly url: string;
  readonly port: number;
  readonly id: string;
  /** The child's CPU time so far (user + system), in ms. */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

function profileFlags(): string[] {
  const dir = process.env.BENCH_MASTER_PROF;
  return dir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

/**
 * Starts bench/master-child.ts with these flags (and extra node options, environment) and
 * waits until it listens; `child` is there for IPC messages of its own (master-child.ts).
 */
export async function childMaster(
  flags: Record<string, string>,
  node: { execArgv?: string[]; env?: Record<string, string> } = {},
): Promise<ChildMaster & { child: ChildProcess }> {
  const child = fork(
    new URL("./master-child.ts", import.meta.url).pathname,
    [JSON.stringify(flags)],
    {
      // BENCH_MASTER_PROF=<dir>: each bench master writes a CPU profile there (node --cpu-prof).
      execArgv: ["--import", "tsx", ...profileFlags(), ...(node.execArgv ?? [])],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      ...(node.env === undefined ? {} : { env: { ...process.env, ...node.env } }),
    },
  );
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once("message", (m) => resolve(m as T));
      child.once("exit", (code) => reject(new Error(`the bench master exited (${code})`)));
    });
  const { url, port, id } = await next<{ url: string; port: number; id: string }>();
  return {
    child,
    url,
    port,
    id,
    async cpuMs() {
      const answer = next<{ cpu: NodeJS.CpuUsage }>();
      child.send("cpu");
      const { cpu } = await answer;
      return (cpu.user + cpu.system) / 1000;
    },
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send("close");
      await exited;
    },
  };
}

/** One master (its own process) with a subscribed framework, timing runs of DECLINE calls. */
async function declineTarget(concurrency: number, secure: boolean) {
  const master = await childMaster({
    registry: "in_memory",
    port: "0",
    ip: "127.0.0.1",
    ...(secure ? secureFlags() : {}),
  });
  const auth: Record<string, string> = secure ? BENCH_AUTH : {};
  const sub = await fetch(`${master.url}/api/v1/scheduler`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...auth },
    body: JSON.stringify({
      type: "SUBSCRIBE",
      subscribe: { framework_info: { user: "bench", name: "bench" } },
    }),
  });
  const streamId = sub.headers.get("mesos-stream-id") ?? "";
  const decline = JSON.stringify({
    framework_id: { value: `${master.id}-0000` },
    type: "DECLINE",
    decline: { offer_ids: [{ value: `${master.id}-O999999` }] },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const warm = await postCall(`${master.url}/api/v1/scheduler`, decline, {
    headers: { "Mesos-Stream-Id": streamId, ...auth },
  });
  if (warm.status !== 202) throw new Error(`DECLINE answered ${warm.status}: ${warm.body}`);
  return {
    /** One run of CALLS_PER_RUN calls: its wall time and the master's CPU time, in ms. */
    async run(): Promise<{ wallMs: number; cpuMs: number }> {
      let next = 0;
      const cpuBefore = await master.cpuMs();
      const start = nowMs();
      const worker = async () => {
        while (next < CALLS_PER_RUN) {
          next += 1;
          const status = await post(agent, master.port, decline, streamId, auth);
          if (status !== 202) throw new Error(`unexpected status ${status}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const wallMs = nowMs() - start;
      return { wallMs, cpuMs: (await master.cpuMs()) - cpuBefore };
    },
    async close() {
      agent.destroy();
      await sub.body?.cancel();
      await master.close();
    },
  };
}

/**
 * Scheduler calls/s with security off and on (Basic on the scheduler realm and ACLs), their
 * runs interleaved on two masters, each in its own process, so that warm-up and the machine's
 * load fall on both alike. The cost of security is the master's: its CPU time per call, on
 * vs off (issue 18: at most 5%); the calls/s rows also count the client and the loopback.
 */
async function schedulerCallsPerSecond(concurrency: number): Promise<BenchRow[]> {
  const open = await declineTarget(concurrency, false);
  const secure = await declineTarget(concurrency, true);
  type Run = { wallMs: number; cpuMs: number };
  const samples: { open: Run[]; secure: Run[] } = { open: [], secure: [] };
  try {
    // One unmeasured run each first: both masters' hot paths compiled before any sample.
    await open.run();
    await secure.run();
    for (let run = 0; run < CALL_RUNS; run++) {
      samples.open.push(await open.run());
      samples.secure.push(await secure.run());
    }
  } finally {
    await open.close();
    await secure.close();
  }
  const median = (xs: number[]) => summarise(xs).medianMs;
  const rate = (runs: { wallMs: number }[]) =>
    Math.round((CALLS_PER_RUN / median(runs.map((r) => r.wallMs))) * 1000);
  const perCallUs = (runs: { cpuMs: number }[]) =>
    round((median(runs.map((r) => r.cpuMs)) * 1000) / CALLS_PER_RUN, 1);
  const row = (name: string, value: number, unit = "calls/s"): BenchRow => ({
    name,
    value,
    unit,
    concurrency,
    calls: CALLS_PER_RUN,
    runs: CALL_RUNS,
  });
  // Paired runs: each secure run against the open run just before it, the median of those
  // ratios, so a load change between pairs does not count as the cost of security.
  const slowdown = (key: "wallMs" | "cpuMs") => {
    const ratios = samples.secure.map((r, i) => r[key] / (samples.open[i]?.[key] ?? r[key]));
    return Math.round((median(ratios) - 1) * 1000) / 10;
  };
  return [
    row("scheduler API DECLINE -> 202 (real master, HTTP keep-alive)", rate(samples.open)),
    row("scheduler API DECLINE -> 202 (same, authentication + ACLs on)", rate(samples.secure)),
    row("master CPU per DECLINE call (security off)", perCallUs(samples.open), "us"),
    row("master CPU per DECLINE call (authentication + ACLs on)", perCallUs(samples.secure), "us"),
    row("authentication + ACLs on: calls/s slowdown, client included", slowdown("wallMs"), "%"),
    withTarget(
      row(
        `authentication + ACLs on: master CPU per call, slowdown (${concurrency} client${concurrency === 1 ? "" : "s"})`,
        slowdown("cpuMs"),
        "%",
      ),
      5,
    ),
  ];
}

/** A MasterCore with the real Allocator, registry writes durable at once, timers by hand. */
class InProcessMaster {
  readonly core: MasterCore;
  nowMs = 1_000_000;
  readonly frameworkEvents: MasterOutput[] = [];
  readonly agentEvents: MasterOutput[] = [];
  #nextRequest = 1;

  constructor() {
    this.core = new MasterCore(
      { masterInfo: { id: "bench", ip: 16777343, port: 5050, hostname: "bench" } },
      { allocator: new Allocator({ seed: 7 }) },
    );
    this.step({ kind: "recover", registry: emptyRegistryState() });
  }

  step(input: MasterInput): void {
    const queue: MasterInput[] = [input];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const o of this.core.handle(next, this.nowMs)) {
        if (o.kind === "persist") queue.push({ kind: "registry_result", token: o.token, ok: true });
        else if (o.kind === "framework_event") this.frameworkEvents.push(o);
        else if (o.kind === "agent_event") this.agentEvents.push(o);
      }
    }
  }

  allocate(): void {
    this.nowMs += 1000;
    this.step({ kind: "timer_fired", timerId: "allocation" });
  }

  schedulerCall(streamId: string, json: unknown): void {
    const parsed = parseWire(SchedulerCall, json);
    if (!parsed.ok) throw new Error(parsed.error);
    this.step({
      kind: "scheduler_call",
      requestId: this.#nextRequest++,
      streamId,
      call: parsed.value,
    });
  }

  agentCall(agentId: string, json: unknown): void {
    const parsed = parseWire(AgentCall, json);
    if (!parsed.ok) throw new Error(parsed.error);
    this.step({ kind: "agent_call", agentId, call: parsed.value });
  }

  addAgents(count: number, from = 0): void {
    const resources = [
      { name: "cpus", type: "SCALAR", scalar: { value: 16 } },
      { name: "mem", type: "SCALAR", scalar: { value: 65536 } },
      { name: "disk", type: "SCALAR", scalar: { value: 100000 } },
    ];
    for (let i = from; i < from + count; i++) {
      const parsed = parseWire(AgentCall, {
        type: "SUBSCRIBE",
        subscribe: {
          agent_info: { hostname: `agent-${i}`, port: 5051, resources },
          version: "1.11.0",
          capabilities: [{ type: "MULTI_ROLE" }, { type: "HIERARCHICAL_ROLE" }],
          total_resources: resources,
        },
      });
      if (!parsed.ok) throw new Error(parsed.error);
      this.step({
        kind: "agent_subscribe",
        agentStreamId: `agent-stream-${i}`,
        call: parsed.value,
      });
    }
  }

  subscribe(streamId: string): string {
    const parsed = parseWire(SchedulerCall, {
      type: "SUBSCRIBE",
      subscribe: {
        framework_info: {
          user: "bench",
          name: "bench",
          roles: ["web"],
          capabilities: [{ type: "MULTI_ROLE" }],
        },
      },
    });
    if (!parsed.ok) throw new Error(parsed.error);
    this.step({ kind: "scheduler_subscribe", streamId, call: parsed.value });
    const subscribed = this.frameworkEvents.find(
      (o) => o.kind === "framework_event" && o.event.type === "SUBSCRIBED",
    );
    if (subscribed?.kind !== "framework_event") throw new Error("no SUBSCRIBED");
    return subscribed.frameworkId;
  }
}

type OfferLike = { id: { value: string }; agent_id: { value: string } };

/** One round: allocate, launch tasks on every offer, agents report RUNNING, framework acks. */
function launchRound(m: InProcessMaster, frameworkId: string, round: number): number {
  m.frameworkEvents.length = 0;
  m.agentEvents.length = 0;
  m.allocate();
  const offers = m.frameworkEvents.flatMap((o) =>
    o.kind === "framework_event" && o.event.type === "OFFERS"
      ? ((o.event.offers?.offers ?? []) as OfferLike[])
      : [],
  );
  for (const offer of offers) {
    const taskInfos = Array.from({ length: LAUNCH_TASKS_PER_AGENT }, (_, k) => ({
      name: "t",
      task_id: { value: `t-${round}-${offer.agent_id.value}-${k}` },
      agent_id: offer.agent_id,
      resources: [
        { name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, allocation_info: { role: "web" } },
        { name: "mem", type: "SCALAR", scalar: { value: 32 }, allocation_info: { role: "web" } },
      ],
      command: { value: "true" },
    }));
    m.schedulerCall("fw", {
      framework_id: { value: frameworkId },
      type: "ACCEPT",
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: "LAUNCH", launch: { task_infos: taskInfos } }],
        filters: { refuse_seconds: 0 },
      },
    });
  }
  let launched = 0;
  for (const o of [...m.agentEvents]) {
    if (o.kind !== "agent_event" || o.event.type !== "RUN_TASK") continue;
    const task = o.event.run_task?.task;
    if (task === undefined) continue;
    const uuid = randomBytes(16).toString("base64");
    m.agentCall(task.agent_id.value, {
      type: "UPDATE",
      agent_id: task.agent_id,
      update: {
        framework_id: { value: frameworkId },
        status: {
          task_id: task.task_id,
          state: "TASK_RUNNING",
          source: "SOURCE_EXECUTOR",
          agent_id: task.agent_id,
          uuid,
        },
        latest_state: "TASK_RUNNING",
      },
    });
    m.schedulerCall("fw", {
      framework_id: { value: frameworkId },
      type: "ACKNOWLEDGE",
      acknowledge: { agent_id: task.agent_id, task_id: task.task_id, uuid },
    });
    launched++;
  }
  return launched;
}

function launchThroughput(): BenchRow[] {
  const m = new InProcessMaster();
  m.addAgents(LAUNCH_AGENTS);
  const frameworkId = m.subscribe("fw");
  launchRound(m, frameworkId, 0); // warm-up
  const samples: number[] = [];
  let launched = 0;
  for (let round = 1; round <= 3; round++) {
    const start = nowMs();
    launched = launchRound(m, frameworkId, round);
    samples.push(nowMs() - start);
  }
  const timing = summarise(samples);
  return [
    {
      name: "offer -> ACCEPT LAUNCH -> TASK_RUNNING -> ACK (core in-process)",
      value: Math.round((launched / timing.medianMs) * 1000),
      unit: "tasks/s",
      agents: LAUNCH_AGENTS,
      tasks_per_round: launched,
      runs: 3,
    },
  ];
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function memoryPerObject(): BenchRow[] {
  gc();
  const base = heapUsedMb();
  const m = new InProcessMaster();
  m.addAgents(MEMORY_AGENTS);
  m.frameworkEvents.length = 0;
  m.agentEvents.length = 0;
  gc();
  const withAgents = heapUsedMb();
  const frameworkId = m.subscribe("fw");
  let tasks = 0;
  for (let round = 0; round < 2; round++) {
    tasks += launchRound(m, frameworkId, round);
    m.frameworkEvents.length = 0;
    m.agentEvents.length = 0;
  }
  gc();
  const withTasks = heapUsedMb();
  const exposed = (globalThis as { gc?: unknown }).gc !== undefined;
  return [
    {
      name: "master memory per agent (core + allocator)",
      value: round(((withAgents - base) * 1024) / MEMORY_AGENTS, 2),
      unit: "KiB/agent",
      agents: MEMORY_AGENTS,
      gc_exposed: exposed,
    },
    {
      name: "master memory per running task (core + allocator)",
      value: round(((withTasks - withAgents) * 1024) / Math.max(1, tasks), 2),
      unit: "KiB/task",
      tasks,
      gc_exposed: exposed,
    },
  ];
}

export const suite: BenchSuite = {
  name: "master",
  description:
    "scheduler API calls/s over HTTP, offer->launch->TASK_RUNNING tasks/s in-process, memory per agent and task",
  async run() {
    const rows: BenchRow[] = [];
    for (const concurrency of [1, 16]) rows.push(...(await schedulerCallsPerSecond(concurrency)));
    rows.push(...launchThroughput());
    rows.push(...memoryPerObject());
    return rows;
  },
};

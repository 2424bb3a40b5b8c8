// State queries at scale (issue 21): a real master process (bench/master-child.ts) with fake
// agents and tasks on the real agent channel (bench/ui-bench-cluster.ts); `/master/state` and
// the operator API's GET_STATE (JSON and protobuf) timed end to end, request to last byte (the
// client's JSON.parse of the answer beside it), and the latency of what else the master does
// while it answers: allocation cycles and a scheduler call (DECLINE -> 202), p99 during state
// queries vs without. Mesos 1.7 took ~3.1 s for 20,000 agents, 200,000 running and 200,000
// completed tasks (reference mesos-api.md §6.5).
//
// The completed tasks are real: the scheduler's tasks finish (churn) and are launched again on
// the freed resources, and one framework keeps them all (--max_completed_tasks_per_framework
// set to their count; Mesos's default of 1,000 would keep 1,000).
//
// Sizes: STATE_BENCH_AGENTS (20,000, capped below the open-file limit: each fake agent is one
// socket in this process and one in the master's), STATE_BENCH_RUNNING (200,000),
// STATE_BENCH_COMPLETED (200,000), STATE_BENCH_QUERIES (3 of each kind).
import { execSync } from "node:child_process";
import { Agent, type ClientRequest, type IncomingMessage, request } from "node:http";
import { loadavg } from "node:os";
import { RecordIoReader } from "../src/ui/recordio.ts";
import { type BenchRow, type BenchSuite, nowMs, round, withTarget } from "./harness.ts";
import { childMaster } from "./master-process.ts";
import { FakeCluster } from "./ui-bench-cluster.ts";

const QUERY_TARGET_MS = 1_000;
/** Sockets each process needs beside the agents' streams (calls, stdio, the query). */
const FD_RESERVE = 600;
/** Tasks finished per churn step while the completed history is built. */
const CHURN_STEP = 5_000;
const LAUNCH_TIMEOUT_MS = 30 * 60_000;
/** The quiet window's length; and how often the scheduler-call probe calls. */
const QUIET_MS = 4_000;
const CALL_GAP_MS = 10;
/** Light steady churn during both windows, so allocation cycles have work to do. */
const CHURN_PER_TICK = 5;
const CHURN_TICK_MS = 100;
const ALLOCATION_INTERVAL = "100ms";

const progress = (what: string) => console.error(`state bench: ${what}`);

function setting(name: string, fallback: number): number {
  const n = Number(process.env[`STATE_BENCH_${name}`]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function fdLimit(): number {
  return Number(execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim()) || 1024;
}

interface Probe {
  cycles: [number, number][];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  heapUsedMb: number;
  rssMb: number;
  loadavg: number[];
}

type Master = Awaited<ReturnType<typeof childMaster>>;

function probe(master: Master): Promise<Probe> {
  return master.probe<Probe>();
}

interface Answer {
  status: number;
  firstByteMs: number;
  lastByteMs: number;
  bytes: number;
  /** The JSON text, parsed by `parsed()` once the window is over: parsing blocks this
   *  process, which makes the DECLINE probe's calls and the churn behind the cycles. */
  text: string | Buffer | undefined;
}

/** The answer's JSON and what parsing it took (ms). */
function parsed(answer: Answer): { body: unknown; parseMs: number } {
  if (answer.text === undefined) return { body: undefined, parseMs: 0 };
  const start = nowMs();
  const body = JSON.parse(answer.text.toString()) as unknown;
  return { body, parseMs: round(nowMs() - start, 1) };
}

/** The first record of an event stream (the operator SUBSCRIBE's SUBSCRIBED), timed as a query. */
function firstRecord(res: IncomingMessage, req: ClientRequest, start: number) {
  return new Promise<Answer>((resolve) => {
    const reader = new RecordIoReader();
    let firstByteMs = 0;
    let bytes = 0;
    res.on("data", (chunk: Buffer) => {
      if (bytes === 0) firstByteMs = nowMs() - start;
      bytes += chunk.length;
      const [record] = reader.push(chunk);
      if (record === undefined) return;
      const lastByteMs = nowMs() - start;
      req.destroy();
      resolve({
        status: res.statusCode ?? 0,
        firstByteMs: round(firstByteMs, 1),
        lastByteMs: round(lastByteMs, 1),
        bytes,
        text: record,
      });
    });
  });
}

/** One request, timed to its first and last byte; its JSON text kept for `parsed`. */
function query(
  port: number,
  path: string,
  method: string,
  body?: string,
  accept?: string,
  stream = false,
) {
  return new Promise<Answer>((resolve, reject) => {
    const start = nowMs();
    let firstByteMs = 0;
    const chunks: Buffer[] = [];
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        agent: false,
        headers: {
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          Accept: accept ?? "application/json",
        },
      },
      (res) => {
        if (stream) {
          void firstRecord(res, req, start).then(resolve);
          return;
        }
        res.on("data", (chunk: Buffer) => {
          if (chunks.length === 0) firstByteMs = nowMs() - start;
          chunks.push(chunk);
        });
        res.on("end", () => {
          const lastByteMs = nowMs() - start;
          const buffer = Buffer.concat(chunks);
          const json = accept === undefined && res.statusCode === 200;
          resolve({
            status: res.statusCode ?? 0,
            firstByteMs: round(firstByteMs, 1),
            lastByteMs: round(lastByteMs, 1),
            bytes: buffer.length,
            text: json ? buffer : undefined,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** DECLINE -> 202 latencies, one call at a time, until `stop()` is called. */
function declineLoop(cluster: FakeCluster, port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { frameworkId, streamId } = cluster.scheduler;
  const body = JSON.stringify({
    framework_id: { value: frameworkId },
    type: "DECLINE",
    decline: { offer_ids: [{ value: `${frameworkId}-O999999999` }] },
  });
  const latencies: number[] = [];
  let running = true;
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/api/v1/scheduler",
          method: "POST",
          agent,
          headers: { "Content-Type": "application/json", "Mesos-Stream-Id": streamId },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  // A kept-alive socket the master closes as the call goes out (its keep-alive timer ran out
  // while a blocking query held it) resets the call: sent again, timed from the first try.
  const retried = () =>
    one().catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET") throw error;
      return one();
    });
  const done = (async () => {
    while (running) {
      const start = nowMs();
      const status = await retried();
      if (status !== 202) throw new Error(`DECLINE answered ${status}`);
      latencies.push(nowMs() - start);
      await new Promise((resolve) => setTimeout(resolve, CALL_GAP_MS));
    }
  })();
  return {
    async stop(): Promise<number[]> {
      running = false;
      await done;
      agent.destroy();
      return latencies;
    },
  };
}

function p99(samples: readonly number[]): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!, 1);
}

interface Window {
  declineP99Ms: number;
  declines: number;
  cycleP99Ms: number;
  gapP99Ms: number;
  cycles: number;
  probe: Probe;
}

/** Runs `during` with the DECLINE probe and steady churn going; what the master did meanwhile. */
async function window(
  master: Master,
  cluster: FakeCluster,
  during: () => Promise<void>,
): Promise<Window> {
  await probe(master);
  const calls = declineLoop(cluster, master.port);
  const churn = setInterval(() => cluster.churn(CHURN_PER_TICK), CHURN_TICK_MS);
  await during();
  clearInterval(churn);
  const latencies = await calls.stop();
  const seen = await probe(master);
  const gaps = seen.cycles.slice(1).map(([start], i) => start - seen.cycles[i]![0]);
  return {
    declineP99Ms: p99(latencies),
    declines: latencies.length,
    cycleP99Ms: p99(seen.cycles.map(([, ms]) => ms)),
    gapP99Ms: p99(gaps),
    cycles: seen.cycles.length,
    probe: seen,
  };
}

interface Shape {
  agents: number;
  running: number;
  completed: number;
}

/** Registers the agents, launches the running tasks, then finishes (and relaunches) tasks
 *  until the completed history holds `completed`. */
async function fill(cluster: FakeCluster, shape: Shape): Promise<void> {
  progress(`registering ${shape.agents} agents`);
  await cluster.registerAgents();
  progress(`launching ${shape.running} tasks`);
  await cluster.launchTasks(LAUNCH_TIMEOUT_MS);
  for (let done = 0; done < shape.completed; ) {
    const step = Math.min(CHURN_STEP, shape.completed - done);
    cluster.churn(step);
    done += step;
    const deadline = Date.now() + LAUNCH_TIMEOUT_MS;
    while (cluster.running < shape.running) {
      if (Date.now() > deadline) throw new Error("relaunching finished tasks timed out");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (done % 50_000 === 0 || done === shape.completed) progress(`${done} tasks completed`);
  }
}

/** Counts in a /master/state answer, to check the master holds what the bench built. */
function stateCounts(body: unknown): { agents: number; running: number; completed: number } {
  const s = body as {
    slaves: unknown[];
    frameworks: { tasks: unknown[]; completed_tasks: unknown[] }[];
  };
  let running = 0;
  let completed = 0;
  for (const f of s.frameworks) {
    running += f.tasks.length;
    completed += f.completed_tasks.length;
  }
  return { agents: s.slaves.length, running, completed };
}

type Kind = {
  name: string;
  path: string;
  method: string;
  body?: string;
  accept?: string;
  stream?: boolean;
};

const KINDS: Kind[] = [
  { name: "/master/state", path: "/master/state", method: "GET" },
  {
    name: "GET_STATE (JSON)",
    path: "/api/v1",
    method: "POST",
    body: JSON.stringify({ type: "GET_STATE" }),
  },
  {
    name: "GET_STATE (protobuf)",
    path: "/api/v1",
    method: "POST",
    body: JSON.stringify({ type: "GET_STATE" }),
    accept: "application/x-protobuf",
  },
  {
    name: "operator SUBSCRIBE: SUBSCRIBED",
    path: "/api/v1",
    method: "POST",
    body: JSON.stringify({ type: "SUBSCRIBE" }),
    stream: true,
  },
];

async function run(): Promise<BenchRow[]> {
  const limit = fdLimit();
  const asked = setting("AGENTS", 20_000);
  const shape: Shape = {
    agents: Math.min(asked, limit - FD_RESERVE),
    running: setting("RUNNING", 200_000),
    completed: setting("COMPLETED", 200_000),
  };
  if (shape.agents < asked) {
    progress(`${shape.agents} agents, not ${asked}: the open-file limit is ${limit}`);
  }
  const queries = setting("QUERIES", 3);
  const master = await childMaster(
    {
      registry: "in_memory",
      port: "0",
      ip: "127.0.0.1",
      agent_ping_timeout: "10mins",
      allocation_interval: ALLOCATION_INTERVAL,
      max_completed_tasks_per_framework: String(shape.completed),
    },
    { nodeArgs: ["--max-old-space-size=8192"], env: { BENCH_MASTER_PROBE: "1" } },
  );
  const cluster = new FakeCluster(master.port, { agents: shape.agents, tasks: shape.running });
  try {
    await fill(cluster, shape);
    const held = stateCounts(parsed(await query(master.port, "/master/state", "GET")).body);
    progress(`the master holds ${JSON.stringify(held)}`);
    const size = { ...held, load1: round(loadavg()[0]!, 2) };
    const quiet = await window(master, cluster, () => new Promise((r) => setTimeout(r, QUIET_MS)));
    const rows: BenchRow[] = [];
    const busy: { kind: string; window: Window }[] = [];
    for (const kind of KINDS) {
      const answers: Answer[] = [];
      const during = await window(master, cluster, async () => {
        for (let i = 0; i < queries; i++) {
          answers.push(
            await query(master.port, kind.path, kind.method, kind.body, kind.accept, kind.stream),
          );
        }
      });
      busy.push({ kind: kind.name, window: during });
      const sorted = answers.sort((a, b) => a.lastByteMs - b.lastByteMs);
      const median = sorted[sorted.length >> 1]!;
      const { parseMs } = parsed(median);
      progress(`${kind.name}: ${JSON.stringify({ ...median, text: undefined, parseMs })}`);
      rows.push(
        withTarget(
          {
            name: `${kind.name}: request to last byte (median of ${queries})`,
            value: median.lastByteMs,
            unit: "ms",
            status: median.status,
            firstByteMs: median.firstByteMs,
            clientParseMs: parseMs,
            mb: round(median.bytes / 2 ** 20, 1),
            ...size,
          },
          QUERY_TARGET_MS,
        ),
      );
    }
    rows.push(...latencyRows(quiet, busy, size));
    return rows;
  } finally {
    cluster.close();
    await master.close();
  }
}

/** p99 of what the master did meanwhile: without a query, then during each kind's queries. */
function latencyRows(
  quiet: Window,
  busy: readonly { kind: string; window: Window }[],
  size: Record<string, number>,
): BenchRow[] {
  const rows: BenchRow[] = [];
  const add = (what: string, pick: (w: Window) => number, count: (w: Window) => number) => {
    rows.push({
      name: `${what} p99, no state query`,
      value: pick(quiet),
      unit: "ms",
      samples: count(quiet),
      ...size,
    });
    for (const { kind, window: w } of busy) {
      rows.push({
        name: `${what} p99, during ${kind} queries`,
        value: pick(w),
        unit: "ms",
        samples: count(w),
        ...size,
      });
    }
  };
  add(
    "scheduler call DECLINE -> 202",
    (w) => w.declineP99Ms,
    (w) => w.declines,
  );
  add(
    `allocation cycle run time (every ${ALLOCATION_INTERVAL})`,
    (w) => w.cycleP99Ms,
    (w) => w.cycles,
  );
  add(
    "allocation cycle start to next start",
    (w) => w.gapP99Ms,
    (w) => w.cycles,
  );
  const last = busy.at(-1)!.window.probe;
  rows.push({
    name: "master heap used after the queries",
    value: round(last.heapUsedMb, 0),
    unit: "MB",
    rssMb: round(last.rssMb, 0),
    masterLoad1: round(last.loadavg[0]!, 2),
    eventLoopDelayP99Ms: round(last.loopDelayP99Ms, 1),
    ...size,
  });
  return rows;
}

export const suite: BenchSuite = {
  name: "state",
  description:
    "/master/state and GET_STATE of a real master with 20,000 fake agents, 200,000 running and 200,000 completed tasks: end to end, and allocation/scheduler-call p99 during the queries",
  run,
};

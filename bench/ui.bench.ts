// The web UI under load (issue 17): a real master (its own process) with 10,000 fake agents
// and 100,000 tasks on the wire (bench/ui-bench-cluster.ts), the UI in real headless Chromium.
// Rows: time to first render of the overview and of the tasks page (targets < 2 s), the page's
// JS heap after minutes of event traffic (tasks finishing and launched again: TASK_UPDATED and
// TASK_ADDED events) and its growth over them (targets < 300 MB, no growth).
//
// Sizes and duration: UI_BENCH_AGENTS, UI_BENCH_TASKS, UI_BENCH_CHURN (tasks finished and
// relaunched a second), and the traffic's minutes UI_BENCH_MINUTES or `--minutes=N` (default
// 1; the figure is 10). Before the measured minutes, traffic runs until the page holds
// its bound of finished tasks (COMPLETED_TASKS_MAX), so that growth means a leak, not the
// history filling up to its bound (UI_BENCH_WARMUP or `--warmup=S` seconds overrides).
// The overview's progress line shows where its first render went (the page's marks of its
// SUBSCRIBE, stream.ts, ms from navigation). UI_BENCH_PROF=DIR writes CPU profiles there: the
// master's while the overview first renders, and the page's of each first render
// (bench/cpu-profile-summary.ts reads them).
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, CDPSession, Page } from "puppeteer-core";
import { COMPLETED_TASKS_MAX } from "../src/ui/model.ts";
import { browserSkipReason, buildUiAssets, startBrowser } from "../test/ui/browser.ts";
import { type BenchRow, type BenchSuite, nowMs, round, withTarget } from "./harness.ts";
import { FakeCluster } from "./ui-bench-cluster.ts";

const RENDER_TARGET_MS = 2_000;
const HEAP_TARGET_MB = 300;
/** "No growth", allowing for the collector's noise: at most this share of the start heap. */
const GROWTH_TOLERANCE = 0.05;
const LAUNCH_TIMEOUT_MS = 20 * 60_000;
const RENDER_TIMEOUT_MS = 120_000;
const HEAP_SAMPLE_MS = 15_000;
const CHURN_TICK_MS = 100;

/** Progress on stderr: a full run takes minutes, most of them before the first row. */
const progress = (what: string) => console.error(`ui bench: ${what}`);

function setting(name: string, fallback: number): number {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const text = flag?.slice(name.length + 3) ?? process.env[`UI_BENCH_${name.toUpperCase()}`];
  const n = Number(text);
  return text === undefined || !Number.isFinite(n) || n <= 0 ? fallback : n;
}

async function startBenchMaster(): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL("./ui-bench-master.ts", import.meta.url));
  const child = spawn(process.execPath, ["--max-old-space-size=8192", "--import", "tsx", script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /UI_BENCH_MASTER (\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the bench master exited with ${code}`)));
  });
  return { child, url };
}

/** The page's JS heap after a full collection, in MB. */
async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  const usage = await cdp.send("Runtime.getHeapUsage");
  return round(usage.usedSize / (1024 * 1024), 1);
}

/** Opens `hash` in a fresh page; ms until `ready` (page-side code) holds. */
async function firstRender(
  browser: Browser,
  url: string,
  hash: string,
  ready: string,
): Promise<{ page: Page; ms: number }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const prof = process.env.UI_BENCH_PROF;
  // Profiled from a page of the master's origin: a navigation from about:blank changes the
  // renderer process, and the profile would miss the page.
  if (prof !== undefined) await page.goto(`${url}/version`);
  const cdp = prof === undefined ? undefined : await page.createCDPSession();
  await cdp?.send("Profiler.enable");
  await cdp?.send("Profiler.start");
  const start = nowMs();
  await page.goto(`${url}/${hash}`, { waitUntil: "load" });
  await page.waitForFunction(ready, { timeout: RENDER_TIMEOUT_MS, polling: 50 });
  const ms = round(nowMs() - start, 0);
  if (cdp !== undefined) {
    const { profile } = await cdp.send("Profiler.stop");
    writeFileSync(
      join(prof!, `ui-page-${hash.replace(/\W/g, "")}.cpuprofile`),
      JSON.stringify(profile),
    );
    await cdp.detach();
  }
  return { page, ms };
}

/** The page's marks of its first SUBSCRIBE (stream.ts), ms from navigation: where the time went. */
const marks = (page: Page) =>
  page.evaluate(() =>
    performance
      .getEntriesByType("mark")
      .map((m) => `${m.name} ${Math.round(m.startTime)}`)
      .join(", "),
  );

const eventsSeen = (page: Page) =>
  page.evaluate(
    `Number(/(\\d+) events/.exec(document.querySelector("[data-testid=stream-status]")?.textContent ?? "")?.[1] ?? 0)`,
  ) as Promise<number>;

interface Shape {
  agents: number;
  tasks: number;
  churn: number;
  minutes: number;
  warmup: number;
}

async function measure(
  url: string,
  cluster: FakeCluster,
  shape: Shape,
  tellMaster: (line: string) => void,
) {
  const browser = await startBrowser();
  try {
    tellMaster("profile-start");
    const overview = await firstRender(
      browser,
      url,
      "#/overview",
      `document.querySelector("[data-testid=stream-status]")?.classList.contains("live") &&
       Number(/active(\\d+)/.exec(document.querySelector("[data-testid=agent-counts]")?.textContent ?? "")?.[1] ?? 0) >= ${shape.agents}`,
    );
    tellMaster("profile-stop");
    progress(`overview rendered in ${overview.ms} ms (${await marks(overview.page)})`);
    await overview.page.close();
    progress("opening the tasks page");
    const tasks = await firstRender(
      browser,
      url,
      "#/tasks",
      `Number(/of (\\d+)/.exec(document.querySelector("[data-testid=tasks] h2")?.textContent ?? "")?.[1] ?? 0) >= ${shape.tasks} &&
       document.querySelector("[data-testid=tasks-table] .trow") !== null`,
    );
    const cdp = await tasks.page.createCDPSession();
    const heapAtRender = await heapMb(cdp);
    const churn = setInterval(
      () => cluster.churn(Math.ceil((shape.churn * CHURN_TICK_MS) / 1000)),
      CHURN_TICK_MS,
    );
    const warmupMs = shape.warmup * 1000;
    progress(
      `tasks page rendered in ${tasks.ms} ms; traffic: ${shape.warmup} s warm-up, then ${shape.minutes} min measured`,
    );
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    const heapStart = await heapMb(cdp);
    const eventsStart = await eventsSeen(tasks.page);
    const samples: number[] = [heapStart];
    const end = Date.now() + shape.minutes * 60_000;
    while (Date.now() < end) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(HEAP_SAMPLE_MS, end - Date.now())),
      );
      samples.push(await heapMb(cdp));
    }
    clearInterval(churn);
    const heapEnd = samples.at(-1)!;
    const eventsPerSecond = Math.round(
      ((await eventsSeen(tasks.page)) - eventsStart) / (shape.minutes * 60),
    );
    return {
      overviewMs: overview.ms,
      tasksMs: tasks.ms,
      heapAtRender,
      heapStart,
      heapEnd,
      samples,
      eventsPerSecond,
      warmupS: Math.round(warmupMs / 1000),
    };
  } finally {
    await browser.close();
  }
}

async function run(): Promise<BenchRow[]> {
  const skip = browserSkipReason();
  if (skip !== undefined) {
    console.warn(`skipping the UI load bench: ${skip}`);
    return [];
  }
  const shape: Shape = {
    agents: setting("agents", 10_000),
    tasks: setting("tasks", 100_000),
    churn: setting("churn", 100),
    minutes: setting("minutes", 1),
    warmup: 0,
  };
  shape.warmup = setting("warmup", Math.round(COMPLETED_TASKS_MAX / shape.churn + 15));
  buildUiAssets();
  const master = await startBenchMaster();
  const cluster = new FakeCluster(Number(new URL(master.url).port), shape);
  try {
    progress(`registering ${shape.agents} agents`);
    let start = nowMs();
    await cluster.registerAgents();
    const registerMs = round(nowMs() - start, 0);
    progress(`launching ${shape.tasks} tasks`);
    start = nowMs();
    await cluster.launchTasks(LAUNCH_TIMEOUT_MS);
    progress("opening the overview");
    const launchMs = round(nowMs() - start, 0);
    const m = await measure(master.url, cluster, shape, (line) =>
      master.child.stdin?.write(`${line}\n`),
    );
    const size = { agents: shape.agents, tasks: shape.tasks };
    return [
      {
        name: "fake agents registered over the agent channel",
        value: registerMs,
        unit: "ms",
        ...size,
      },
      {
        name: "tasks launched and running (offer, ACCEPT, RUN_TASK, TASK_RUNNING, ACK)",
        value: launchMs,
        unit: "ms",
        ...size,
      },
      withTarget(
        {
          name: "overview: first render with every agent (page load to live totals)",
          value: m.overviewMs,
          unit: "ms",
          ...size,
        },
        RENDER_TARGET_MS,
      ),
      withTarget(
        {
          name: "tasks page: first render with every task listed",
          value: m.tasksMs,
          unit: "ms",
          ...size,
        },
        RENDER_TARGET_MS,
      ),
      {
        name: "page JS heap at first render of the tasks page",
        value: m.heapAtRender,
        unit: "MB",
        ...size,
      },
      withTarget(
        {
          name: `page JS heap after ${shape.minutes} min of event traffic`,
          value: m.heapEnd,
          unit: "MB",
          ...size,
          eventsPerSecond: m.eventsPerSecond,
          churnPerSecond: shape.churn,
          warmupS: m.warmupS,
        },
        HEAP_TARGET_MB,
      ),
      withTarget(
        {
          name: `page JS heap growth over those ${shape.minutes} min`,
          value: round(m.heapEnd - m.heapStart, 1),
          unit: "MB",
          ...size,
          startMb: m.heapStart,
          samplesMb: m.samples.join(" "),
        },
        round(m.heapStart * GROWTH_TOLERANCE, 1),
      ),
      {
        name: "updates in a state the bench did not ask for",
        value: cluster.failures,
        unit: "tasks",
        ...size,
      },
    ];
  } finally {
    cluster.close();
    master.child.stdin?.end();
  }
}

export const suite: BenchSuite = {
  name: "ui",
  description:
    "web UI in headless Chromium: 10,000 fake agents and 100,000 tasks behind a real master; first render of the overview and tasks pages, page heap under event traffic",
  run,
};

// Agent benchmarks with a real master and a real agent, each in its own process as deployed
// (agent-bench-worker.ts), and the scheduler in this one, launching real `true` processes
// through the containerizer and the hosted command executor: ACCEPT -> TASK_RUNNING and
// ACCEPT -> TASK_FINISHED latency (p50/p99, one task at a time, measured at the scheduler),
// launch throughput (tasks/s of `true` to TASK_FINISHED on one agent), and the memory a running
// task's executor costs (heap + RSS delta of the agent's process per `sleep` task). The
// scheduler acknowledges every update at once, as a real one would, over node:http keep-alive
// connections (src/http/client.ts). Rows first and last: a bare spawn of `true` from
// a small Node process with the load average, the floor under the load the machine is under
// (other work shares its 2 cores).
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { postCall, subscribe } from "../src/http/client.ts";
import { type BenchRow, type BenchSuite, nowMs, round } from "./harness.ts";

const LATENCY_TASKS = 60;
const THROUGHPUT_TASKS = 1000;
const THROUGHPUT_WARMUP_TASKS = 200;
const MEMORY_TASKS = 50;
const TASK_CPUS = 0.01;
const TASK_MEM_MB = 1;

// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, read by path
type Loose = Record<string, any>;

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

export class BenchScheduler {
  offers: Loose[] = [];
  readonly seen = new Map<string, Map<string, number>>();
  /** Tasks that reached TASK_FINISHED or TASK_FAILED. */
  ended = 0;
  #waiters: Array<() => void> = [];
  constructor(
    readonly url: string,
    readonly frameworkId: string,
    readonly streamId: string,
  ) {}

  static async start(masterUrl: string, checkpoint: boolean): Promise<BenchScheduler> {
    const url = `${masterUrl}/api/v1/scheduler`;
    const sub = await subscribe(
      url,
      JSON.stringify({
        type: "SUBSCRIBE",
        subscribe: { framework_info: { user: "root", name: "agent-bench", checkpoint } },
      }),
    );
    if (!sub.ok) throw new Error(`subscribe failed: ${sub.response.status}`);
    const iterator = sub.events[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as Loose;
    const scheduler = new BenchScheduler(
      url,
      first.subscribed.framework_id.value,
      sub.streamId ?? "",
    );
    void scheduler.#pump(iterator);
    return scheduler;
  }

  async #pump(iterator: AsyncIterator<unknown>): Promise<void> {
    for (;;) {
      const next = await iterator.next().catch(() => ({ done: true, value: undefined }));
      if (next.done === true) return;
      const event = next.value as Loose;
      if (event.type === "OFFERS") this.offers.push(...event.offers.offers);
      if (event.type === "UPDATE") {
        const status = event.update.status;
        const id = status.task_id.value as string;
        let states = this.seen.get(id);
        if (states === undefined) {
          states = new Map();
          this.seen.set(id, states);
        }
        if (
          (status.state === "TASK_FINISHED" || status.state === "TASK_FAILED") &&
          !states.has("TASK_FINISHED") &&
          !states.has("TASK_FAILED")
        ) {
          this.ended++;
        }
        states.set(status.state, nowMs());
        if (status.uuid !== undefined) {
          void this.call({
            type: "ACKNOWLEDGE",
            acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
          }).catch(() => undefined);
        }
      }
      for (const w of this.#waiters.splice(0)) w();
    }
  }

  call(body: Loose) {
    return postCall(
      this.url,
      JSON.stringify({ framework_id: { value: this.frameworkId }, ...body }),
      {
        headers: { "Mesos-Stream-Id": this.streamId },
      },
    );
  }

  async until<T>(predicate: () => T | undefined): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const v = predicate();
      if (v !== undefined) return v;
      if (Date.now() > deadline) {
        const last = new Map<string, number>();
        for (const states of this.seen.values()) {
          const state = [...states.keys()].at(-1) ?? "none";
          last.set(state, (last.get(state) ?? 0) + 1);
        }
        throw new Error(`bench: timed out; tasks by last state: ${JSON.stringify([...last])}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async accept(
    offer: Loose,
    tasks: { id: string; command: string; container?: Loose }[],
  ): Promise<void> {
    const res = await this.call({
      type: "ACCEPT",
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: "LAUNCH",
            launch: {
              task_infos: tasks.map((t) => ({
                name: t.id,
                task_id: { value: t.id },
                agent_id: offer.agent_id,
                command: { value: t.command },
                ...(t.container === undefined ? {} : { container: t.container }),
                resources: [
                  { name: "cpus", type: "SCALAR", scalar: { value: TASK_CPUS } },
                  { name: "mem", type: "SCALAR", scalar: { value: TASK_MEM_MB } },
                ],
              })),
            },
          },
        ],
        filters: { refuse_seconds: 0 },
      },
    });
    if (res.status !== 202) throw new Error(`accept: ${res.status} ${res.body}`);
  }
}

/** A master or agent in its own process (agent-bench-worker.ts), as deployed. */
class Daemon {
  #messages: Array<(m: Loose) => void> = [];
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on("message", (m: Loose) => this.#messages.shift()?.(m));
  }

  static async start(role: "master" | "agent", flags: Record<string, string>): Promise<Daemon> {
    const child = fork(WORKER, [role, JSON.stringify(flags)], {
      // BENCH_PROF=<dir>: a CPU profile of each daemon, written there when it stops.
      execArgv: ["--import", "tsx", "--expose-gc", ...profileArgs()],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const ready = await new Promise<Loose>((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`bench ${role} exited ${code}`)));
    });
    child.removeAllListeners("exit");
    return new Daemon(child, ready.url as string);
  }

  ask(type: "memory" | "close"): Promise<Loose> {
    return new Promise((resolve) => {
      this.#messages.push(resolve);
      this.child.send({ type });
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.ask("close");
    await exited;
  }
}

function profileArgs(): string[] {
  const dir = process.env.BENCH_PROF;
  return dir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

const WORKER = new URL("./agent-bench-worker.ts", import.meta.url).pathname;

export async function withCluster<T>(
  isolation: string | undefined,
  checkpoint: boolean,
  body: (s: BenchScheduler, agent: Daemon, master: Daemon) => Promise<T>,
  agentFlags: Record<string, string> = {},
): Promise<T> {
  const workDir = await mkdtemp(join(tmpdir(), "tessera-agent-bench-"));
  workDirs.push(workDir);
  const master = await Daemon.start("master", {
    registry: "in_memory",
    port: "0",
    ip: "127.0.0.1",
    allocation_interval: "1ms",
  });
  const agent = await Daemon.start("agent", {
    master: master.url.replace("http://", ""),
    work_dir: workDir,
    port: "0",
    ip: "127.0.0.1",
    resources: "cpus:64;mem:65536;disk:1000;ports:[31000-31100]",
    registration_backoff_factor: "1ms",
    ...(isolation === undefined ? {} : { isolation }),
    ...agentFlags,
  });
  try {
    const scheduler = await BenchScheduler.start(master.url, checkpoint);
    return await body(scheduler, agent, master);
  } finally {
    await agent.close();
    await master.close();
  }
}

/**
 * Work dirs are removed when the suite ends, not after each cluster: on a file system without
 * a journal (this machine's ext4), creating an inode scans past every inode deleted in the last
 * minutes (the kernel's `recently_deleted`), so removing one cluster's thousands of sandbox
 * files would slow the next cluster's launches (seen as ~20% of all CPU in a profile).
 */
const workDirs: string[] = [];

export async function removeWorkDirs(): Promise<void> {
  for (const dir of workDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

export async function latency(
  isolation: string | undefined,
  checkpoint: boolean,
): Promise<BenchRow[]> {
  return withCluster(isolation, checkpoint, async (s) => {
    const running: number[] = [];
    const finished: number[] = [];
    for (let i = 0; i < LATENCY_TASKS + 5; i++) {
      const offer = await s.until(() => s.offers.shift());
      const id = `lat-${i}`;
      const start = nowMs();
      await s.accept(offer, [{ id, command: "true" }]);
      const states = await s.until(() => {
        const m = s.seen.get(id);
        return m?.has("TASK_FINISHED") || m?.has("TASK_FAILED") ? m : undefined;
      });
      if (i < 5) continue; // warm-up
      running.push((states.get("TASK_RUNNING") ?? Number.NaN) - start);
      finished.push((states.get("TASK_FINISHED") ?? Number.NaN) - start);
    }
    const ctx = { isolation: isolation ?? "default (strongest)", checkpoint, tasks: LATENCY_TASKS };
    return [
      { name: "ACCEPT->TASK_RUNNING p50", value: percentile(running, 50), unit: "ms", ...ctx },
      { name: "ACCEPT->TASK_RUNNING p99", value: percentile(running, 99), unit: "ms", ...ctx },
      { name: "ACCEPT->TASK_FINISHED p50", value: percentile(finished, 50), unit: "ms", ...ctx },
      { name: "ACCEPT->TASK_FINISHED p99", value: percentile(finished, 99), unit: "ms", ...ctx },
    ];
  });
}

/** How many of the bench's tasks (0.01 cpus, 1 MB each) the offer holds. */
export function tasksFitting(offer: Loose): number {
  const scalar = (name: string): number =>
    (offer.resources as Loose[])
      .filter((r) => r.name === name)
      .reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
  return Math.floor(Math.min(scalar("cpus") / TASK_CPUS, scalar("mem") / TASK_MEM_MB) + 1e-9);
}

/** CPU seconds (user + system) a process has used, with those of its reaped children. */
function cpuSecs(pid: number, withChildren: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14-17 of stat(5): utime stime cutime cstime, counted from field 3 here.
    const ticks = [11, 12, ...(withChildren ? [13, 14] : [])].reduce(
      (sum, i) => sum + Number(f[i]),
      0,
    );
    return ticks / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/** The agent's launcher (its child that is not a Node process), if it has one. */
function launcherPid(agentPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${agentPid}/task/${agentPid}/children`, "utf8");
    return children
      .trim()
      .split(" ")
      .map(Number)
      .find((pid) => readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("tessera-launch"));
  } catch {
    return undefined;
  }
}

export async function throughput(isolation: string | undefined): Promise<BenchRow[]> {
  return withCluster(isolation, false, async (s, agent, master) => {
    const cpu = () => {
      const launcher = launcherPid(agent.child.pid ?? 0);
      return {
        master: cpuSecs(master.child.pid ?? 0, false),
        agent: cpuSecs(agent.child.pid ?? 0, false),
        launcher: launcher === undefined ? 0 : cpuSecs(launcher, true),
        scheduler: cpuSecs(process.pid, false),
      };
    };
    // Launches `count` tasks of `true`, as many per offer as fit, and waits for them all.
    const run = async (prefix: string, count: number): Promise<void> => {
      const target = s.ended + count;
      let launched = 0;
      while (launched < count) {
        const offer = await s.until(() => s.offers.shift());
        const batch = Math.min(200, count - launched, tasksFitting(offer));
        if (batch === 0) continue;
        const tasks = Array.from({ length: batch }, (_, k) => ({
          id: `${prefix}-${launched + k}`,
          command: "true",
        }));
        launched += batch;
        await s.accept(offer, tasks);
      }
      await s.until(() => (s.ended >= target ? true : undefined));
    };
    // Warm-up: starts the launcher and lets the three processes compile their hot paths, so
    // that what is measured is a running agent's steady state.
    await run("tp-warm", THROUGHPUT_WARMUP_TASKS);
    const before = cpu();
    const start = nowMs();
    await run("tp", THROUGHPUT_TASKS);
    const seconds = (nowMs() - start) / 1000;
    const after = cpu();
    const perTask = (k: keyof typeof before) =>
      round(((after[k] - before[k]) * 1000) / THROUGHPUT_TASKS);
    const ctx = { isolation: isolation ?? "default (strongest)", tasks: THROUGHPUT_TASKS };
    return [
      {
        name: "tasks/s of `true` to TASK_FINISHED (one agent)",
        value: Math.round(THROUGHPUT_TASKS / seconds),
        unit: "tasks/s",
        ...ctx,
      },
      {
        name: "CPU per task: master / agent / launcher+task / scheduler",
        value: perTask("agent"),
        unit: "ms",
        note: `${perTask("master")} / ${perTask("agent")} / ${perTask("launcher")} / ${perTask("scheduler")}`,
        ...ctx,
      },
    ];
  });
}

export async function memory(): Promise<BenchRow[]> {
  return withCluster(undefined, false, async (s, agent) => {
    const before = await agent.ask("memory");
    const offer = await s.until(() => s.offers.shift());
    const tasks = Array.from({ length: MEMORY_TASKS }, (_, k) => ({
      id: `mem-${k}`,
      command: "sleep 30",
    }));
    await s.accept(offer, tasks);
    await s.until(() =>
      tasks.every((t) => s.seen.get(t.id)?.has("TASK_RUNNING")) ? true : undefined,
    );
    const after = await agent.ask("memory");
    for (const t of tasks) {
      await s.call({ type: "KILL", kill: { task_id: { value: t.id }, agent_id: offer.agent_id } });
    }
    await s.until(() =>
      tasks.every((t) => s.seen.get(t.id)?.has("TASK_KILLED")) ? true : undefined,
    );
    const perTaskKib = (bytes: number) => round(bytes / 1024 / MEMORY_TASKS);
    const ctx = {
      tasks: MEMORY_TASKS,
      isolation: "default (strongest)",
      note: "agent process (hosted executors, task records, status updates), after a GC",
    };
    return [
      {
        name: "executor heap per running task",
        value: perTaskKib(after.heapUsed - before.heapUsed),
        unit: "KiB",
        ...ctx,
      },
      {
        name: "agent-process RSS per running task",
        value: perTaskKib(after.rss - before.rss),
        unit: "KiB",
        ...ctx,
      },
    ];
  });
}

/**
 * The floor on this machine right now: Node spawning `true` and seeing it exit, from a fresh
 * small process (as the agent's spawn helper does). Under load it is far above the 1.2 ms of
 * an idle machine, so the latencies above are best read against it.
 */
function spawnFloor(): BenchRow {
  const script = `
    const { spawn } = require("node:child_process");
    (async () => {
      const samples = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        const c = spawn("true", [], { stdio: "ignore", detached: true });
        await new Promise((r) => c.on("exit", r));
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      console.log(samples[20]);
    })();`;
  const out = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  return {
    name: "reference: bare spawn('true') to exit p50",
    value: round(Number(out.stdout.trim())),
    unit: "ms",
    note: "floor under the current load; ~1.2 ms on an idle machine",
    loadavg1: round(loadavg()[0] ?? 0),
  };
}

/**
 * What creating a file costs in the work dirs' file system right now (open with O_CREAT and
 * close, 200 files). Each task's sandbox is ~6 new inodes, and on a journal-less ext4 that
 * cost grows with the files deleted in the last minutes (see `workDirs`), whoever deleted them.
 */
function fileCreateFloor(): BenchRow {
  const dir = mkdtempSync(join(tmpdir(), "tessera-agent-bench-files-"));
  workDirs.push(dir);
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = nowMs();
    closeSync(openSync(join(dir, `f${i}`), "w"));
    samples.push(nowMs() - t0);
  }
  return {
    name: "reference: create a file in the work dir's file system p50",
    value: round(percentile(samples, 50) * 1000),
    unit: "us",
    note: "slower after many recent deletions on a journal-less ext4",
  };
}

export const suite: BenchSuite = {
  name: "agent",
  description:
    "real master + agent: ACCEPT->RUNNING/FINISHED latency for `true`, tasks/s, executor memory per task",
  async run() {
    const rows: BenchRow[] = [spawnFloor(), fileCreateFloor()];
    try {
      rows.push(...(await latency(undefined, false)));
      rows.push(...(await latency(undefined, true)));
      rows.push(...(await latency("posix/cpu,posix/mem", false)));
      rows.push(...(await latency("cgroups/cpu,cgroups/mem", false)));
      rows.push(...(await throughput(undefined)));
      rows.push(...(await throughput("posix/cpu,posix/mem")));
      rows.push(...(await throughput("cgroups/cpu,cgroups/mem")));
      rows.push(...(await memory()));
      rows.push(spawnFloor(), fileCreateFloor());
    } finally {
      await removeWorkDirs();
    }
    return rows;
  },
};

// The agent bench's cluster (agent.bench.ts, images.bench.ts): a real master and a real agent,
// each in its own process as deployed (agent-bench-worker.ts), and a scheduler in the bench's
// process that records when each task reached each state and acknowledges every update at
// once, as a real one would, over node:http keep-alive connections (src/http/client.ts).
import { type ChildProcess, fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postCall, subscribe } from "../src/http/client.ts";
import { nowMs, round } from "./harness.ts";

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
export class Daemon {
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

/** BENCH_PROF_INTERVAL_US: the sampling interval (V8's default 1000 us hides a 1 ms step). */
function profileArgs(): string[] {
  const dir = process.env.BENCH_PROF;
  if (dir === undefined) return [];
  const interval = process.env.BENCH_PROF_INTERVAL_US;
  return [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    ...(interval === undefined ? [] : [`--cpu-prof-interval=${interval}`]),
  ];
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
export const workDirs: string[] = [];

export async function removeWorkDirs(): Promise<void> {
  for (const dir of workDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** How many of the bench's tasks (0.01 cpus, 1 MB each) the offer holds. */
export function tasksFitting(offer: Loose): number {
  const scalar = (name: string): number =>
    (offer.resources as Loose[])
      .filter((r) => r.name === name)
      .reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
  return Math.floor(Math.min(scalar("cpus") / TASK_CPUS, scalar("mem") / TASK_MEM_MB) + 1e-9);
}

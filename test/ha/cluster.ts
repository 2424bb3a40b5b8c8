// A highly available Tessera cluster for tests and the failover benchmark: real ZooKeeper
// (test/support/zookeeper.ts), masters as child processes (`node bin/tessera.mjs master --zk`,
// so a leader can be killed with SIGKILL), agents in this process (startAgent with
// `--master=zk://…`) running real task processes, and an SDK framework that follows the leader
// through ZooKeeper. Every task writes its pid to a file, so `stop()` can end them by pid.
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { type RunningAgent, startAgent } from "../../src/agent/server.ts";
import { commandTask, RemainingOffer, SchedulerClient } from "../../src/sdk/index.ts";
import type { TaskStatus } from "../../src/wire/status.ts";
import { ZkDetector } from "../../src/zk/detector.ts";
import { masterInfoUrl } from "../../src/zk/master-info.ts";
import { parseZkUrl } from "../../src/zk/url.ts";
import { eventually } from "../support/eventually.ts";
import { freePort, ZooKeeperCluster } from "../support/zookeeper.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
/** Bound on any one condition the cluster waits for. */
export const HA_WAIT_MS = 60_000;
/** How the HA tests wait: bounded by HA_WAIT_MS, probing every 25 ms. */
export const HA_WAIT = { timeoutMs: HA_WAIT_MS, everyMs: 25 } as const;

export async function getJson(url: string): Promise<{ status: number; json: unknown }> {
  try {
    const res = await fetch(url, { redirect: "manual" });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  } catch {
    return { status: 0, json: undefined };
  }
}

/** Master processes not yet reaped: killed if this process exits first (as the ZooKeeper harness does). */
const liveMasters = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of liveMasters) child.kill("SIGKILL");
});

export class MasterProcess {
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  constructor(
    readonly port: number,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    liveMasters.add(child);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        liveMasters.delete(child);
        this.#exitCode = code;
        resolve(code);
      }),
    );
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get running(): boolean {
    return this.#exitCode === undefined;
  }
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.running && this.child.pid !== undefined) process.kill(this.child.pid, signal);
  }
  log(): string {
    return readFileSync(this.logFile, "utf8");
  }
}

export interface HaClusterOptions {
  zkServers?: 1 | 3;
  masters?: number;
  agents?: number;
  /** Extra master flags (e.g. `zk_session_timeout`); defaults are the product's. */
  masterFlags?: Record<string, string>;
  /** Extra agent flags. */
  agentFlags?: Record<string, string>;
}

export class HaCluster {
  readonly masters: MasterProcess[] = [];
  readonly agents: RunningAgent[] = [];
  readonly detector: ZkDetector;
  readonly pidFile: string;
  private constructor(
    readonly zk: ZooKeeperCluster,
    readonly zkUrl: string,
    readonly dir: string,
  ) {
    const parsed = parseZkUrl(zkUrl);
    if (!parsed.ok) throw new Error(parsed.error.message);
    this.detector = new ZkDetector({ url: parsed.url });
    this.pidFile = join(dir, "task-pids");
    writeFileSync(this.pidFile, "");
  }

  static async start(options: HaClusterOptions = {}): Promise<HaCluster> {
    const zk = await ZooKeeperCluster.start(options.zkServers ?? 1);
    const dir = mkdtempSync(join(tmpdir(), "tessera-ha-"));
    const cluster = new HaCluster(zk, zk.url("/tessera"), dir);
    try {
      for (let i = 0; i < (options.masters ?? 3); i++) {
        await cluster.startMaster(options.masterFlags);
      }
      await cluster.leader();
      for (let i = 0; i < (options.agents ?? 2); i++) {
        await cluster.startAgent(options.agentFlags);
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  async startMaster(flags: Record<string, string> = {}): Promise<MasterProcess> {
    const port = await freePort();
    const logFile = join(this.dir, `master-${port}.log`);
    const args = {
      ip: "127.0.0.1",
      hostname: "127.0.0.1",
      port: String(port),
      zk: this.zkUrl,
      allocation_interval: "50ms",
      log_level: "info",
      ...flags,
    };
    const out = openSync(logFile, "a");
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "bin/tessera.mjs"),
        "master",
        ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]),
      ],
      { stdio: ["ignore", out, out] },
    );
    const master = new MasterProcess(port, child, logFile);
    this.masters.push(master);
    return master;
  }

  async startAgent(flags: Record<string, string> = {}): Promise<RunningAgent> {
    const workDir = mkdtempSync(join(this.dir, "agent-"));
    const agent = await startAgent({
      flags: {
        master: this.zkUrl,
        work_dir: workDir,
        port: "0",
        ip: "127.0.0.1",
        hostname: "127.0.0.1",
        resources: "cpus:4;mem:4096;disk:4096;ports:[31000-31100]",
        // Plain processes: tasks see the test's temp dir (pid file, trigger files) and write
        // their host pid, which `stop()` kills them by.
        isolation: "posix/cpu,posix/mem",
        ...flags,
      },
      logger: pino({ level: process.env.TESSERA_TEST_LOG ?? "silent" }),
    });
    this.agents.push(agent);
    return agent;
  }

  /** The master that ZooKeeper says leads, once it acts as leader (answers /master/state). */
  async leader(notPort?: number, timeoutMs = HA_WAIT_MS): Promise<MasterProcess> {
    return eventually(
      "a leading master",
      async () => {
        const info = this.detector.current();
        if (info === undefined) return undefined;
        const master = this.masters.find((m) => masterInfoUrl(info) === m.url);
        if (master === undefined || master.port === notPort || !master.running) return undefined;
        const state = await getJson(`${master.url}/master/state`);
        return state.status === 200 ? master : undefined;
      },
      { ...HA_WAIT, timeoutMs },
    );
  }

  /** Agents the master at `url` knows as active (re-)registered. */
  async activeAgents(url: string): Promise<string[]> {
    const { status, json } = await getJson(`${url}/master/slaves`);
    if (status !== 200) return [];
    const slaves = (json as { slaves?: { id: string; active?: boolean }[] }).slaves ?? [];
    return slaves.filter((s) => s.active === true).map((s) => s.id);
  }

  /** A shell command that records its pid for `stop()`, then runs `then`. */
  taskCommand(then: string): string {
    return `echo $$ >> ${this.pidFile}; ${then}`;
  }

  async stop(): Promise<void> {
    await this.detector.close();
    for (const master of this.masters) master.kill("SIGKILL");
    await Promise.all(this.masters.map((m) => m.exited));
    for (const agent of this.agents) await agent.close().catch(() => undefined);
    killTasks(this.pidFile);
    await this.zk.stop();
    if (process.env.TESSERA_TEST_KEEP === undefined)
      rmSync(this.dir, { recursive: true, force: true });
  }
}

function killTasks(pidFile: string): void {
  let text = "";
  try {
    text = readFileSync(pidFile, "utf8");
  } catch {
    return;
  }
  for (const line of text.split("\n")) {
    const pid = Number(line.trim());
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export interface Update {
  taskId: string;
  state: string;
  uuid: string | undefined;
  reason: string | undefined;
}

const TEST_BACKOFF = { backoffInitialMs: 100, backoffMaxMs: 1_000 };

/**
 * An SDK framework following the leader through ZooKeeper: launches the tasks it is asked for
 * into offers as they come, acknowledges every update (the SDK's auto-acknowledgement) and
 * records them.
 */
export class HaFramework {
  readonly client: SchedulerClient;
  readonly updates: Update[] = [];
  readonly subscriptions: { frameworkId: string; resubscribed: boolean; atMs: number }[] = [];
  readonly #wanted: { id: string; cmd: string }[] = [];
  readonly #stopped: Promise<unknown>;

  /** `backoff`: the SDK's reconnect backoff (the benchmark's); tests retry faster by default. */
  constructor(
    zkUrl: string,
    name = "ha-test",
    backoff: { backoffInitialMs: number; backoffMaxMs: number } = TEST_BACKOFF,
  ) {
    this.client = new SchedulerClient({
      master: zkUrl,
      frameworkInfo: {
        user: process.env.USER ?? "root",
        name,
        failover_timeout: 3600,
        checkpoint: true,
        roles: ["*"],
        capabilities: [{ type: "MULTI_ROLE" }],
      },
      ...backoff,
    });
    this.client.on("subscribed", ({ frameworkId, resubscribed }) => {
      this.subscriptions.push({ frameworkId, resubscribed, atMs: Date.now() });
    });
    this.client.on("update", (status: TaskStatus) => {
      this.updates.push({
        taskId: status.task_id.value,
        state: status.state,
        uuid: status.uuid,
        reason: status.reason,
      });
    });
    this.client.on("offers", async (offers) => {
      for (const offer of offers) {
        const remaining = new RemainingOffer(offer);
        const tasks = [];
        while (this.#wanted.length > 0) {
          const taken = remaining.take({ cpus: 0.1, memMb: 16 });
          const next = this.#wanted[0];
          if (taken === undefined || next === undefined) break;
          this.#wanted.shift();
          tasks.push(
            commandTask({
              id: next.id,
              agentId: offer.agent_id.value,
              cmd: next.cmd,
              resources: taken.resources,
            }),
          );
        }
        if (tasks.length > 0) await this.client.launch([offer.id.value], tasks);
        else await this.client.decline([offer.id.value], { refuseSeconds: 0.05 });
      }
    });
    this.#stopped = this.client.start();
  }

  launch(id: string, cmd: string): void {
    this.#wanted.push({ id, cmd });
  }

  latest(taskId: string): string | undefined {
    for (let i = this.updates.length - 1; i >= 0; i--) {
      if (this.updates[i]?.taskId === taskId) return this.updates[i]?.state;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    await this.client.stop();
    await this.#stopped;
  }
}

/** Appends a line to a file (tasks' trigger files). */
export function touch(path: string): void {
  appendFileSync(path, "");
}

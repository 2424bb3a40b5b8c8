// One real master, one real agent (in this process, launching real processes) and a scheduler,
// for the themed integration tests (cgroups, namespaces, health checks, bad input, fetcher).
// Each cluster gets its own work dir and its own cgroups root, so that a test can assert that
// nothing is left under it; `stop()` ends everything it started.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import type { RunningAgent } from "../../../src/agent/server.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { TERMINAL_TASK_STATES } from "../../../src/wire/status.ts";
import { executorRuns, executorRunsDir } from "../../support/cluster.ts";
import { leftoverCgroups } from "../containerizer/helpers.ts";
import {
  Framework,
  type Loose,
  startMasterForAgents,
  startTestAgent,
  tempWorkDir,
} from "./helpers.ts";

export interface Cluster {
  readonly master: RunningMaster;
  readonly agent: RunningAgent;
  readonly framework: Framework;
  readonly workDir: string;
  readonly cgroupsRoot: string;
  /** Launches command tasks on the next offer; returns that offer's agent id. */
  launch(tasks: Loose[]): Promise<Loose>;
  /** The sandbox (run directory) of the command executor of `taskId`, or undefined. */
  sandbox(taskId: string): string | undefined;
  /** Container cgroups still present under this cluster's cgroups root. */
  leftoverCgroups(): string[];
  stop(): Promise<void>;
}

let clusters = 0;

/**
 * A cluster started before a suite's first test and stopped after its last (node:test hooks of
 * the enclosing describe); its fields are read through to the running cluster.
 */
export function clusterForSuite(
  tag: string,
  flags: Record<string, string> = {},
  frameworkInfo?: Record<string, unknown>,
): Cluster {
  let started: Cluster | undefined;
  before(async () => {
    started = await startCluster(tag, flags, frameworkInfo);
  });
  after(async () => {
    await started?.stop();
  });
  const get = (): Cluster => {
    assert.ok(started !== undefined, `the ${tag} cluster did not start`);
    return started;
  };
  return {
    get master() {
      return get().master;
    },
    get agent() {
      return get().agent;
    },
    get framework() {
      return get().framework;
    },
    get workDir() {
      return get().workDir;
    },
    get cgroupsRoot() {
      return get().cgroupsRoot;
    },
    launch: (tasks) => get().launch(tasks),
    sandbox: (taskId) => get().sandbox(taskId),
    leftoverCgroups: () => get().leftoverCgroups(),
    stop: () => get().stop(),
  };
}

export async function startCluster(
  tag: string,
  flags: Record<string, string> = {},
  frameworkInfo?: Record<string, unknown>,
): Promise<Cluster> {
  const work = await tempWorkDir();
  const cgroupsRoot = `tessera-it-${tag}-${process.pid}-${++clusters}`;
  const master = await startMasterForAgents();
  let agent: RunningAgent;
  try {
    agent = await startTestAgent(master, work.dir, { cgroups_root: cgroupsRoot, ...flags });
  } catch (error) {
    await master.close();
    await work.remove();
    throw error;
  }
  const framework = await Framework.subscribe(master, frameworkInfo);
  const launched: { agentId: Loose; taskId: string }[] = [];
  const sandbox = (taskId: string): string | undefined => {
    const agentId = agent.agentId();
    if (agentId === undefined) return undefined;
    const run = executorRuns(work.dir, agentId, framework.id, taskId)[0];
    return run === undefined
      ? undefined
      : join(executorRunsDir(work.dir, agentId, framework.id, taskId), run);
  };
  return {
    master,
    agent,
    framework,
    workDir: work.dir,
    cgroupsRoot,
    async launch(tasks) {
      // Resources come back in pieces (one offer per freed task): take every offer held, and
      // decline them all to get them re-offered together when they are not enough.
      const need = (name: string, fallback: number) =>
        tasks.reduce((sum: number, t: Loose) => {
          const r = (t.resources ?? []).find((x: Loose) => x.name === name);
          return sum + (r?.scalar?.value ?? fallback);
        }, 0);
      const deadline = Date.now() + 30_000;
      for (;;) {
        // Bounded generously: on a loaded machine registration and allocation take a while.
        const first = await framework.until("an offer", () => framework.offers.shift(), 30_000);
        const held = [first, ...framework.offers.splice(0)];
        const has = (name: string) =>
          held
            .flatMap((o) => o.resources ?? [])
            .filter((r: Loose) => r.name === name)
            .reduce((sum: number, r: Loose) => sum + (r.scalar?.value ?? 0), 0);
        if (has("cpus") >= need("cpus", 0.1) - 1e-9 && has("mem") >= need("mem", 32)) {
          for (const t of tasks)
            launched.push({ agentId: held[0].agent_id, taskId: t.task_id.value });
          await framework.launch(held, tasks);
          return held[0].agent_id;
        }
        await framework.scheduler.call({
          type: "DECLINE",
          decline: { offer_ids: held.map((o) => o.id), filters: { refuse_seconds: 0 } },
        });
        if (Date.now() > deadline) throw new Error("no offer large enough for the tasks");
      }
    },
    sandbox,
    leftoverCgroups: () => leftoverCgroups(cgroupsRoot),
    async stop() {
      // The agent leaves tasks running when it closes (they are recovered on restart): kill
      // what a failed test left running, so that no process or cgroup outlives the test.
      for (const { agentId, taskId } of launched) {
        if (framework.updates.some((u) => u.taskId === taskId && TERMINAL.has(u.state))) continue;
        try {
          await framework.kill(agentId, taskId);
          await terminal(framework, taskId);
        } catch {
          // Reported by the test that failed; keep stopping.
        }
      }
      framework.close();
      await agent.close();
      await master.close();
      await work.remove();
    },
  };
}

const TERMINAL: ReadonlySet<string> = TERMINAL_TASK_STATES;

/** Waits for the task's terminal update (whatever it is), so a test can assert on it. */
export async function terminal(framework: Framework, taskId: string, timeoutMs = 30_000) {
  return framework.until(
    `${taskId} to end`,
    () => framework.updates.find((u) => u.taskId === taskId && TERMINAL.has(u.state)),
    timeoutMs,
  );
}

/** Pids of live processes whose command line contains `marker` (pgrep -f). */
export function processesWith(marker: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", marker], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    // pgrep exits 1 when nothing matches.
    return [];
  }
}

/** Reads a file of the sandbox, or "" when it does not exist (yet). */
export function sandboxFile(dir: string | undefined, name: string): string {
  if (dir === undefined) return "";
  try {
    return readFileSync(join(dir, name), "utf8");
  } catch {
    return "";
  }
}

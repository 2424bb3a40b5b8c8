// Runs `tessera agent` as a child process (so that a test can kill -9 it) and waits for it to
// listen. Every child is stopped by its pid.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import type { RunningMaster } from "../../../src/master/server.ts";
import { freePort, killPids, type TempDir, tempWorkDir } from "../../support/cluster.ts";
import { watchOutput } from "../../support/eventually.ts";
import { cgroupRootDirs, leftoverCgroups } from "../containerizer/helpers.ts";
import { agentCgroupsRoot, Framework, startMasterForAgents, TEST_RESOURCES } from "./helpers.ts";

export { agentCgroupsRoot, freePort };

const BIN = fileURLToPath(new URL("../../../bin/tessera.mjs", import.meta.url));

/** The flags of an agent process for a test: its master, work dir and isolation, a fixed free
 *  port (so that a restart listens where the first run did), the test resources, and a cgroups
 *  root of its own (`agentCgroupsRoot`): a restarted agent destroys every container under its
 *  root that its checkpoint does not know, as Mesos does, so agents of parallel test files
 *  sharing the default root killed each other's tasks whenever one of them recovered. */
export async function agentProcessFlags(
  masterUrl: string,
  workDir: string,
  isolation: string,
): Promise<Record<string, string>> {
  return {
    master: masterUrl.replace("http://", ""),
    work_dir: workDir,
    ip: "127.0.0.1",
    port: String(await freePort()),
    hostname: "localhost",
    resources: TEST_RESOURCES,
    isolation,
    registration_backoff_factor: "10ms",
    log_level: "error",
    cgroups_root: agentCgroupsRoot(workDir),
  };
}

/** The cgroups root of the agent process working in `workDir` (a unique temporary dir). */
export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  url: string;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
}

/** `bin`: the `tessera` command to run (default: this checkout's). */
export async function spawnAgent(
  flags: Record<string, string>,
  timeoutMs = 20_000,
  bin = BIN,
): Promise<AgentProcess> {
  const args = [bin, "agent", ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const output = watchOutput(child);
  let url: string;
  try {
    url = await output.until(
      "the agent to listen",
      (out) => /listening on (http:\/\/\S+)/.exec(out)?.[1],
      timeoutMs,
    );
  } catch (error) {
    // Tests of bad flags read the exit code and exactly what the agent printed.
    if (child.exitCode !== null) {
      throw new Error(`agent exited with ${child.exitCode}:\n${output.text()}`);
    }
    throw error;
  }
  return {
    child,
    output: output.text,
    url,
    exited,
    kill9: async () => {
      // A process killed by a signal keeps exitCode null (signalCode is set): killing it again
      // would throw ESRCH in a suite's cleanup and leave the rest of it undone.
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }
      await exited;
    },
  };
}

/** A master, a framework and one `tessera agent` process, started and stopped around a suite. */
export interface ProcessCluster {
  readonly master: RunningMaster;
  readonly framework: Framework;
  /** The agent process running now (undefined between `kill9` and `start`). */
  readonly agent: AgentProcess | undefined;
  /** Kills the agent process with SIGKILL (what a crash does), leaving its tasks running. */
  kill9(): Promise<void>;
  /** Starts the agent process again with the suite's flags and `extra` (e.g. --recover). */
  start(extra?: Record<string, string>): Promise<AgentProcess>;
}

/**
 * The cluster of an agent-process suite (node:test hooks of the enclosing describe): the agent
 * runs with `isolation`, the framework subscribes with `frameworkInfo`; afterwards the agent is
 * killed, and every pid `leftoverPids()` names (task processes a failed test left) with it.
 */
export function processClusterForSuite(
  isolation: string,
  options: {
    frameworkInfo?: Record<string, unknown>;
    leftoverPids?: () => number[];
    /** More agent flags, computed once the work dir exists. */
    flags?: (workDir: string) => Record<string, string>;
    /** The `tessera` command the agent runs from (default: this checkout's). */
    bin?: string;
  } = {},
): ProcessCluster {
  let master: RunningMaster | undefined;
  let framework: Framework | undefined;
  let work: TempDir | undefined;
  let flags: Record<string, string> = {};
  let agent: AgentProcess | undefined;
  const start = async (extra: Record<string, string> = {}) => {
    agent = await spawnAgent({ ...flags, ...extra }, undefined, options.bin);
    return agent;
  };
  before(async () => {
    work = await tempWorkDir();
    master = await startMasterForAgents();
    flags = {
      ...(await agentProcessFlags(master.url, work.dir, isolation)),
      ...options.flags?.(work.dir),
    };
    await start();
    framework = await Framework.subscribe(master, options.frameworkInfo);
  });
  after(async () => {
    framework?.close();
    await agent?.kill9();
    killPids(options.leftoverPids?.() ?? []);
    await master?.close();
    if (work !== undefined) await removeCgroupRoot(agentCgroupsRoot(work.dir));
    await work?.remove();
  });
  return {
    get master() {
      assert.ok(master !== undefined, "the suite's master did not start");
      return master;
    },
    get framework() {
      assert.ok(framework !== undefined, "the suite's framework did not subscribe");
      return framework;
    },
    get agent() {
      return agent;
    },
    kill9: async () => {
      await agent?.kill9();
      agent = undefined;
    },
    start,
  };
}

/**
 * Removes a test's own cgroups root: kills what is still in its containers' cgroups (a task
 * whose shell exec'd away the marker a test looks for), then removes them and the root,
 * retrying while the kernel releases them.
 */
export async function removeCgroupRoot(root: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const dir of leftoverCgroups(root)) {
      killPids(cgroupPids(dir));
      try {
        rmdirSync(dir);
      } catch {
        // busy until its last process is reaped: next attempt
      }
    }
    if (leftoverCgroups(root).length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const dir of cgroupRootDirs(root)) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty: reported by the agent tests' leftover checks, not ours
    }
  }
}

function cgroupPids(dir: string): number[] {
  try {
    const pids = readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").map(Number);
    return pids.filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
  } catch {
    return []; // removed meanwhile
  }
}

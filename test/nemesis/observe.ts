// What the harness reads off the real cluster for the checkers: the task processes alive in
// every agent's namespace (by the NEMESIS_TASK_ID / NEMESIS_SERVICE / NEMESIS_JOB environment the workload
// gives its tasks), the done markers, and the uuids each agent checkpointed per task
// (<work_dir>/meta/.../tasks/<task id>/task.updates, one JSON record per line).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeRecords } from "../../src/agent/checkpoint/durable-files.ts";
import type { StatusUpdateRecord } from "../../src/agent/core/status-update-types.ts";
import type { Observed } from "./checks.ts";
import type { NemesisCluster } from "./cluster.ts";

function environ(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  } catch {
    // Exited meanwhile.
  }
  return out;
}

export interface TaskProcesses {
  /** Workload task id -> agents where a process of it runs. */
  readonly byTask: Map<string, string[]>;
  /** Services tasks alive (by their MESOS_TASK_ID-less identity: the sandbox), per agent. */
  readonly services: Map<string, string[]>;
  /** Tasks of the jobs framework's nemesis jobs alive (NEMESIS_JOB), by task id, per agent. */
  readonly jobs: Map<string, string[]>;
}

/** The task processes alive on each agent (zombies awaiting their reaper left out). */
export function taskProcesses(cluster: NemesisCluster): TaskProcesses {
  const byTask = new Map<string, string[]>();
  const services = new Map<string, string[]>();
  const jobs = new Map<string, string[]>();
  for (const agent of cluster.agents) {
    for (const pid of cluster.namespacePids(agent.name)) {
      if (isZombie(pid)) continue;
      const env = environ(pid);
      const task = env.get("NEMESIS_TASK_ID");
      if (task !== undefined) add(byTask, task, agent.name);
      const sandbox = env.get("MESOS_SANDBOX");
      if (env.get("NEMESIS_SERVICE") !== undefined && sandbox !== undefined)
        add(services, sandbox, agent.name);
      const jobTask = env.get("MESOS_TASK_ID");
      if (env.get("NEMESIS_JOB") !== undefined && jobTask !== undefined)
        add(jobs, jobTask, agent.name);
    }
  }
  return { byTask, services, jobs };
}

function add(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(value)) list.push(value);
  map.set(key, list);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/** Task ids whose command ran to its end. */
export function doneMarkers(doneDir: string): Set<string> {
  try {
    return new Set(readdirSync(doneDir));
  } catch {
    return new Set();
  }
}

/**
 * Task id -> uuids of the UPDATE records in its task.updates, over every agent's work dir, for
 * the tasks the checkpoint holds: those with a task.info, as the agent's recovery reads it. A
 * batch that failed on a full disk may leave a task.updates created beside a task.info never
 * renamed into place: that agent, restarted, does not know the task, and its answer about it
 * (TASK_DROPPED to the master's reconciliation) is rightly not checkpointed (Mesos neither
 * checkpoints an update about a task the agent does not hold).
 */
export function checkpointedUpdates(workDirs: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const workDir of workDirs) {
    const meta = join(workDir, "meta");
    if (!existsSync(meta)) continue;
    let entries: string[];
    try {
      entries = readdirSync(meta, { recursive: true, encoding: "utf8" });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const parts = entry.split("/");
      if (parts.at(-1) !== "task.updates" || parts.at(-3) !== "tasks") continue;
      const taskId = parts.at(-2) as string;
      if (!existsSync(join(meta, dirname(entry), "task.info"))) continue;
      const uuids = out.get(taskId) ?? new Set<string>();
      let data: Buffer;
      try {
        data = readFileSync(join(meta, entry));
      } catch {
        continue;
      }
      // The agent's own record format; a torn tail (killed mid-append) is left out by it.
      for (const record of decodeRecords(data) as StatusUpdateRecord[]) {
        if (record.type === "UPDATE" && record.update.status.uuid !== undefined)
          uuids.add(record.update.status.uuid);
      }
      out.set(taskId, uuids);
    }
  }
  return out;
}

/** Everything the checkers read, taken now. */
export function observe(cluster: NemesisCluster, doneDir: string): Observed & TaskProcesses {
  const processes = taskProcesses(cluster);
  const workDirs = [...cluster.disks.values()].map((d) => d.mountPoint);
  return {
    ...processes,
    processes: processes.byTask,
    done: doneMarkers(doneDir),
    checkpointed: checkpointedUpdates(workDirs),
  };
}

// The agent's checkpoint on disk (reference §8.2): carries out the core's `checkpoint` writes
// under `<work_dir>/meta/...` and reads everything back for recovery (`readAgentState`).
// Files hold JSON of the wire-shaped values; `task.updates` holds one record per line.
import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { readBootId } from "../../base/boot-id.ts";
import type { Resource } from "../../wire/resource.ts";
import {
  agentInfoPath,
  agentMetaDir,
  bootIdPath,
  executorInfoPath,
  executorMetaDir,
  frameworkInfoPath,
  frameworkMetaDir,
  latestAgentLink,
  resourcesStatePath,
  runMetaDir,
  taskMetaDir,
} from "../core/paths.ts";
import type { StatusUpdateRecord } from "../core/status-update-types.ts";
import type {
  CheckpointWrite,
  RecoveredAgentState,
  RecoveredExecutor,
  RecoveredFramework,
  RecoveredTask,
} from "../core/types.ts";
import { applyDurably, type DurableOp, readIfExists, readRecords } from "./durable-files.ts";
import { syncVolumeDirs } from "./volume-dirs.ts";

/** The host's boot id (changes on reboot); undefined where the kernel does not expose one. */
export async function currentBootId(): Promise<string | undefined> {
  return readBootId();
}

/** Applies one checkpoint write; resolves once it is durable. */
export async function applyCheckpointWrite(workDir: string, write: CheckpointWrite): Promise<void> {
  await applyDurably(await checkpointOps(workDir, write));
}

/**
 * Applies several checkpoint writes as one group commit (durable-files.ts applyDurably): the
 * same files as one by one, in order, with the fsyncs shared. Resolves once all are durable.
 */
export async function applyCheckpointWrites(
  workDir: string,
  writes: readonly CheckpointWrite[],
): Promise<void> {
  const ops = await Promise.all(writes.map((write) => checkpointOps(workDir, write)));
  await applyDurably(ops.flat());
}

/** The file operations one checkpoint write is made of. */
async function checkpointOps(workDir: string, write: CheckpointWrite): Promise<DurableOp[]> {
  switch (write.type) {
    case "agent":
      return [
        {
          kind: "replace",
          path: agentInfoPath(workDir, write.agentId),
          data: JSON.stringify(write.info),
        },
        { kind: "replace", path: bootIdPath(workDir), data: (await currentBootId()) ?? "" },
        { kind: "link", path: latestAgentLink(workDir), target: write.agentId },
      ];
    case "framework":
      return [
        {
          kind: "replace",
          path: frameworkInfoPath(workDir, write.agentId, write.frameworkId),
          data: JSON.stringify(write.info),
        },
      ];
    case "executor": {
      const { agentId, frameworkId, executorId, containerId } = write;
      return [
        {
          kind: "replace",
          path: executorInfoPath(workDir, agentId, frameworkId, executorId),
          data: JSON.stringify(write.info),
        },
        {
          kind: "link",
          path: join(executorMetaDir(workDir, agentId, frameworkId, executorId), "runs", "latest"),
          target: containerId,
        },
      ];
    }
    case "task": {
      const dir = taskMetaDir(
        workDir,
        write.agentId,
        write.frameworkId,
        write.executorId,
        write.containerId,
        write.task.task_id.value,
      );
      // task.updates is created with task.info, so that the first update's append needs no
      // directory fsync of its own.
      return [
        { kind: "replace", path: join(dir, "task.info"), data: JSON.stringify(write.task) },
        { kind: "create", path: join(dir, "task.updates") },
      ];
    }
    case "status_update": {
      const { frameworkId, executorId, containerId, taskId } = write.at;
      const dir = taskMetaDir(workDir, write.agentId, frameworkId, executorId, containerId, taskId);
      return [{ kind: "append", path: join(dir, "task.updates"), value: write.record }];
    }
    case "remove_executor":
      return [
        {
          kind: "remove",
          path: executorMetaDir(workDir, write.agentId, write.frameworkId, write.executorId),
        },
      ];
    case "remove_framework":
      return [
        { kind: "remove", path: frameworkMetaDir(workDir, write.agentId, write.frameworkId) },
      ];
    case "resources": {
      // The volumes' directories first: a checkpoint never names a volume without its data.
      const path = resourcesStatePath(workDir);
      const before = (await readJson<{ resources?: Resource[] }>(path))?.resources ?? [];
      await syncVolumeDirs(workDir, before, write.resources);
      return [{ kind: "replace", path, data: JSON.stringify({ resources: write.resources }) }];
    }
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  const data = await readIfExists(path);
  return data === undefined ? undefined : (JSON.parse(data.toString("utf8")) as T);
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name !== "latest" && !name.includes(".tmp-"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function linkTarget(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Everything the core needs to recover, from `<work_dir>/meta`: undefined when the agent never
 * registered. Entries missing their info file (a crash while creating them) are skipped.
 */
export async function readAgentState(workDir: string): Promise<RecoveredAgentState | undefined> {
  const agentId = await linkTarget(latestAgentLink(workDir));
  if (agentId === undefined) return undefined;
  const agentInfo = await readJson<RecoveredAgentState["agentInfo"]>(
    agentInfoPath(workDir, agentId),
  );
  if (agentInfo === undefined) return undefined;
  const savedBootId = (await readIfExists(bootIdPath(workDir)))?.toString("utf8").trim();
  const bootId = await currentBootId();
  const rebooted = savedBootId !== undefined && bootId !== undefined && savedBootId !== bootId;
  const frameworks: RecoveredFramework[] = [];
  for (const fw of await list(join(agentMetaDir(workDir, agentId), "frameworks"))) {
    const info = await readJson<RecoveredFramework["info"]>(
      frameworkInfoPath(workDir, agentId, fw),
    );
    if (info === undefined) continue;
    const executors: RecoveredExecutor[] = [];
    for (const ex of await list(join(frameworkMetaDir(workDir, agentId, fw), "executors"))) {
      const exInfo = await readJson<RecoveredExecutor["info"]>(
        executorInfoPath(workDir, agentId, fw, ex),
      );
      const dir = executorMetaDir(workDir, agentId, fw, ex);
      const containerId = await linkTarget(join(dir, "runs", "latest"));
      if (exInfo === undefined || containerId === undefined) continue;
      const tasks: RecoveredTask[] = [];
      const tasksDir = join(runMetaDir(workDir, agentId, fw, ex, containerId), "tasks");
      for (const taskId of await list(tasksDir)) {
        const taskDir = join(tasksDir, taskId);
        const task = await readJson<RecoveredTask["task"]>(join(taskDir, "task.info"));
        if (task === undefined) continue;
        const records = (await readRecords(join(taskDir, "task.updates"))) as StatusUpdateRecord[];
        tasks.push({ task, records });
      }
      executors.push({ info: exInfo, containerId, tasks });
    }
    frameworks.push({ info, executors });
  }
  const resources = await readJson<{ resources?: Resource[] }>(resourcesStatePath(workDir));
  return {
    agentId,
    agentInfo,
    rebooted,
    frameworks,
    ...(resources === undefined ? {} : { checkpointedResources: resources.resources ?? [] }),
  };
}

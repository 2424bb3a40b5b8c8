// The checkpoint's group commit on a nearly full disk (found chasing nemesis seed 3): write(2)
// takes what fits and returns a short count there. A batch must then fail (the agent sends
// nothing it waited for) instead of being reported durable with a task.info cut off or a
// status update's record torn, and a failed append leaves no torn bytes in front of the
// records written once the disk has room again.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { applyCheckpointWrites } from "../../../src/agent/checkpoint/agent-state-store.ts";
import { decodeRecords } from "../../../src/agent/checkpoint/durable-files.ts";
import type { CheckpointWrite } from "../../../src/agent/core/types.ts";
import { fillDisk, mountTmpfs } from "../../support/tmpfs.ts";

const mounted = mountTmpfs("tessera-checkpoint-full-");
const skip = "reason" in mounted ? { skip: mounted.reason } : {};
const run = { agentId: "A1", frameworkId: "F1", executorId: "E1", containerId: "C1" };
const taskDir = (dir: string, id: string) =>
  join(dir, "meta/slaves/A1/frameworks/F1/executors/E1/runs/C1/tasks", id);

function task(id: string, labelBytes: number): CheckpointWrite {
  return {
    type: "task",
    ...run,
    task: {
      name: id,
      task_id: { value: id },
      framework_id: { value: "F1" },
      agent_id: { value: "A1" },
      state: "TASK_STAGING",
      resources: [],
      labels: { labels: [{ key: "pad", value: "x".repeat(labelBytes) }] },
    },
  } as CheckpointWrite;
}

function update(id: string, uuid: string, messageBytes: number): CheckpointWrite {
  return {
    type: "status_update",
    agentId: "A1",
    at: { frameworkId: "F1", executorId: "E1", containerId: "C1", taskId: id },
    record: {
      type: "UPDATE",
      update: {
        framework_id: { value: "F1" },
        status: {
          task_id: { value: id },
          state: "TASK_RUNNING",
          uuid,
          message: "m".repeat(messageBytes),
        },
      },
    },
  } as unknown as CheckpointWrite;
}

describe("checkpoint writes on a nearly full disk", () => {
  after(() => {
    if ("dir" in mounted) {
      execFileSync("umount", [mounted.dir]);
      rmSync(mounted.dir, { recursive: true, force: true });
    }
  });

  it(
    "a task.info larger than the room left fails the batch instead of landing cut off",
    skip,
    async () => {
      const dir = (mounted as { dir: string }).dir;
      const filler = join(dir, "filler-1");
      fillDisk(filler, 16 * 1024);
      await assert.rejects(applyCheckpointWrites(dir, [task("t-big", 200 * 1024)]), /ENOSPC/);
      let info: string | undefined;
      try {
        info = readFileSync(join(taskDir(dir, "t-big"), "task.info"), "utf8");
      } catch {
        info = undefined;
      }
      assert.equal(info, undefined, "no task.info (the agent would not recover the task)");
      rmSync(filler);
    },
  );

  it(
    "a status update's record that does not fit fails, and leaves no torn bytes before later records",
    skip,
    async () => {
      const dir = (mounted as { dir: string }).dir;
      await applyCheckpointWrites(dir, [task("t1", 10), update("t1", "u1", 10)]);
      const updates = join(taskDir(dir, "t1"), "task.updates");
      const before = statSync(updates).size;
      const filler = join(dir, "filler-2");
      fillDisk(filler, 16 * 1024);
      await assert.rejects(applyCheckpointWrites(dir, [update("t1", "u2", 200 * 1024)]), /ENOSPC/);
      assert.equal(statSync(updates).size, before, "the failed append is undone");
      // The disk has room again: the next record follows the first one, readable.
      rmSync(filler);
      await applyCheckpointWrites(dir, [update("t1", "u3", 10)]);
      const uuids = (
        decodeRecords(readFileSync(updates)) as { update: { status: { uuid: string } } }[]
      ).map((r) => r.update.status.uuid);
      assert.deepEqual(uuids, ["u1", "u3"]);
    },
  );
});

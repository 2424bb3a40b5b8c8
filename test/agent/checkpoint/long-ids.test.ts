import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  applyCheckpointWrites,
  readAgentState,
} from "../../../src/agent/checkpoint/agent-state-store.ts";
import { commandTask, framework, Harness, uuid } from "../core/harness.ts";

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("checkpoint of the longest ids Mesos allows", () => {
  it("a 255-character task id is written, read back, and its executor's meta removed", async () => {
    const id = "t".repeat(255);
    const h = new Harness();
    h.register();
    h.masterEvent({
      type: "RUN_TASK",
      run_task: {
        framework_info: framework("F1"),
        framework_id: { value: "F1" },
        task: commandTask(id),
      },
    });
    const dir = await mkdtemp(join(tmpdir(), "tessera-long-ids-"));
    dirs.push(dir);
    // Everything up to the launch: the task's meta is under a 255-byte directory name.
    await applyCheckpointWrites(dir, h.disk.splice(0));
    const state = await readAgentState(dir);
    assert.equal(state?.frameworks[0]?.executors[0]?.tasks[0]?.task.task_id.value, id);
    // It runs, finishes, is acknowledged and its executor ends: the executor's meta goes.
    h.subscribeExecutor("F1", id);
    h.executorUpdate("F1", id, id, "TASK_FINISHED", uuid(1));
    h.handle({ kind: "container_exited", containerId: "c1" });
    h.masterEvent({
      type: "ACKNOWLEDGE",
      acknowledge: { framework_id: { value: "F1" }, task_id: { value: id }, uuid: uuid(1) },
    });
    assert.ok(h.disk.some((w) => w.type === "remove_executor" || w.type === "remove_framework"));
    await applyCheckpointWrites(dir, h.disk.splice(0));
    const after = await readAgentState(dir);
    assert.deepEqual(
      after?.frameworks.flatMap((f) => f.executors),
      [],
    );
    const meta = join(dir, "meta", "slaves", "M-S0");
    assert.ok(!(await readdir(meta)).includes(id));
  });
});

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  applyCheckpointWrite,
  readAgentState,
} from "../../../src/agent/checkpoint/agent-state-store.ts";
import {
  appendRecord,
  encodeRecord,
  readRecords,
  writeFileAtomic,
} from "../../../src/agent/checkpoint/durable-files.ts";
import { tempDirsForSuite } from "../../support/cluster.ts";
import { framework, Harness, uuid } from "../core/harness.ts";
import { replayWrites } from "../core/replay.ts";

const tempDir = tempDirsForSuite("tessera-checkpoint-");

describe("agent checkpoint on disk", () => {
  it("reads back exactly what the agent core checkpointed", async () => {
    const workDir = await tempDir();
    const h = new Harness();
    h.register();
    const _fw = framework("F1");
    for (const id of ["t1", "t2"]) {
      h.runTask("F1", id);
    }
    h.subscribeExecutor("F1", "t1");
    h.executorUpdate("F1", "t1", "t1", "TASK_RUNNING", uuid(1));
    h.executorUpdate("F1", "t1", "t1", "TASK_FINISHED", uuid(2));
    h.masterAck("F1", "t1", uuid(1));
    for (const write of h.disk) await applyCheckpointWrite(workDir, write);
    const state = await readAgentState(workDir);
    const expected = replayWrites(h.disk);
    assert.ok(state !== undefined && expected !== undefined);
    assert.equal(state.rebooted, false);
    const sortDeep = (s: typeof state) => ({
      ...s,
      rebooted: false,
      frameworks: s.frameworks.map((f) => ({
        ...f,
        executors: [...f.executors]
          .sort((a, b) => a.info.executor_id.value.localeCompare(b.info.executor_id.value))
          .map((e) => ({
            ...e,
            tasks: [...e.tasks].sort((a, b) =>
              a.task.task_id.value.localeCompare(b.task.task_id.value),
            ),
          })),
      })),
    });
    assert.deepEqual(sortDeep(state), sortDeep(expected));
    const records = state.frameworks[0]?.executors.find((e) => e.info.executor_id.value === "t1")
      ?.tasks[0]?.records;
    assert.deepEqual(
      records?.map((r) => r.type),
      ["UPDATE", "UPDATE", "ACK"],
    );
  });

  it("finds nothing in a work dir where the agent never registered", async () => {
    assert.equal(await readAgentState(await tempDir()), undefined);
  });

  it("removes a finished executor's meta", async () => {
    const workDir = await tempDir();
    const h = new Harness();
    h.register();
    h.runTask("F1", "t1");
    h.subscribeExecutor("F1", "t1");
    h.executorUpdate("F1", "t1", "t1", "TASK_FINISHED", uuid(1));
    h.handle({ kind: "container_exited", containerId: "c1" });
    h.masterAck("F1", "t1", uuid(1));
    for (const write of h.disk) await applyCheckpointWrite(workDir, write);
    const state = await readAgentState(workDir);
    assert.deepEqual(state?.frameworks, []);
  });
});

describe("durable files", () => {
  it("ignores a torn last record", async () => {
    const path = join(await tempDir(), "task.updates");
    await appendRecord(path, { type: "ACK", uuid: "a" });
    await appendRecord(path, { type: "ACK", uuid: "b" });
    const torn = encodeRecord({ type: "ACK", uuid: "c" });
    await appendFile(path, torn.slice(0, torn.length - 3));
    assert.deepEqual(await readRecords(path), [
      { type: "ACK", uuid: "a" },
      { type: "ACK", uuid: "b" },
    ]);
  });

  it("leaves the old file in place when a crash comes between the temp write and the rename", async () => {
    const dir = await tempDir();
    const path = join(dir, "framework.info");
    await writeFileAtomic(path, "old");
    // What a crash before rename leaves behind: a complete temp file beside the target.
    await writeFile(`${path}.tmp-deadbeef`, "new");
    assert.equal(await readFile(path, "utf8"), "old");
    await writeFileAtomic(path, "newer");
    assert.equal(await readFile(path, "utf8"), "newer");
  });

  it("keeps a record whose append resolved even when the writer is killed with SIGKILL right after", async () => {
    const path = join(await tempDir(), "task.updates");
    const script = `
      import { appendRecord } from ${JSON.stringify(new URL("../../../src/agent/checkpoint/durable-files.ts", import.meta.url).href)};
      await appendRecord(${JSON.stringify(path)}, { type: "ACK", uuid: "kept" });
      process.stdout.write("written\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("written")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.removeAllListeners("exit");
    const exited = new Promise((resolve) => child.on("exit", resolve));
    if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    await exited;
    assert.deepEqual(await readRecords(path), [{ type: "ACK", uuid: "kept" }]);
  });
});

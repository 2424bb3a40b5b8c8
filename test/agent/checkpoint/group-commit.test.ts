import assert from "node:assert/strict";
import { readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  applyCheckpointWrite,
  applyCheckpointWrites,
  readAgentState,
} from "../../../src/agent/checkpoint/agent-state-store.ts";
import { applyDurably, readRecords } from "../../../src/agent/checkpoint/durable-files.ts";
import { tempDirsForSuite } from "../../support/cluster.ts";
import { Harness, uuid } from "../core/harness.ts";

const tempDir = tempDirsForSuite("tessera-group-commit-");

/** A core that ran two tasks, one finished and acknowledged, the other's executor gone. */
function busyHarness(): Harness {
  const h = new Harness();
  h.register();
  for (const id of ["t1", "t2", "t3"]) {
    h.runTask("F1", id);
  }
  h.subscribeExecutor("F1", "t1");
  h.executorUpdate("F1", "t1", "t1", "TASK_RUNNING", uuid(1));
  h.executorUpdate("F1", "t1", "t1", "TASK_FINISHED", uuid(2));
  h.masterAck("F1", "t1", uuid(1));
  h.subscribeExecutor("F1", "t2");
  h.executorUpdate("F1", "t2", "t2", "TASK_FINISHED", uuid(3));
  h.handle({ kind: "container_exited", containerId: "c2" });
  h.masterAck("F1", "t2", uuid(3));
  return h;
}

/** The checkpoint as recovery reads it: removed trees still being deleted (`.tmp-`) left out. */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.includes(".tmp-")) continue;
      const path = join(dir, entry.name);
      const name = `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path, name);
      else if (entry.isSymbolicLink()) out[name] = `-> ${await readlink(path)}`;
      else out[name] = await readFile(path, "utf8");
    }
  };
  await walk(root, "");
  return out;
}

describe("checkpoint group commit", () => {
  it("one batch of the core's writes leaves the same files as the writes made one by one", async () => {
    const h = busyHarness();
    assert.ok(
      h.disk.some((w) => w.type === "remove_executor"),
      "the batch includes a removal",
    );
    const oneByOne = await tempDir();
    for (const write of h.disk) await applyCheckpointWrite(oneByOne, write);
    const batched = await tempDir();
    await applyCheckpointWrites(batched, h.disk);
    const a = await tree(oneByOne);
    const b = await tree(batched);
    // Temp files never remain, and the boot id is the same machine's.
    assert.ok(!Object.keys(b).some((k) => k.includes(".tmp-")));
    assert.deepEqual(b, a);
    assert.deepEqual(await readAgentState(batched), await readAgentState(oneByOne));
  });

  it("appends to one file in a batch land in order, after the file is created", async () => {
    const dir = await tempDir();
    const path = join(dir, "a", "task.updates");
    await applyDurably([
      { kind: "create", path },
      { kind: "append", path, value: { n: 1 } },
      { kind: "append", path, value: { n: 2 } },
      { kind: "create", path },
      { kind: "append", path, value: { n: 3 } },
    ]);
    assert.deepEqual(await readRecords(path), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("a replace, removal and replace of the same tree in one batch apply in order", async () => {
    const dir = await tempDir();
    const file = join(dir, "x", "info");
    await applyDurably([
      { kind: "replace", path: file, data: "first" },
      { kind: "link", path: join(dir, "x", "latest"), target: "first" },
      { kind: "remove", path: join(dir, "x") },
      { kind: "replace", path: file, data: "second" },
      { kind: "replace", path: file, data: "third" },
    ]);
    assert.deepEqual(await tree(dir), { "/x/info": "third" });
  });
});

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { encodeRecord } from "../../src/agent/checkpoint/durable-files.ts";
import { checkpointedUpdates } from "./observe.ts";

const work = mkdtempSync(join(tmpdir(), "tessera-nemesis-observe-"));
const tasks = join(work, "meta/slaves/A1/frameworks/F1/executors/E1/runs/C1/tasks");

function taskDir(id: string, info: boolean, uuids: string[]): void {
  const dir = join(tasks, id);
  mkdirSync(dir, { recursive: true });
  if (info) writeFileSync(join(dir, "task.info"), JSON.stringify({ task_id: { value: id } }));
  const records = uuids.map((uuid) =>
    encodeRecord({ type: "UPDATE", update: { status: { task_id: { value: id }, uuid } } }),
  );
  writeFileSync(join(dir, "task.updates"), records.join(""));
}

describe("what the nemesis reads of an agent's checkpoint", () => {
  after(() => rmSync(work, { recursive: true, force: true }));

  it("counts a task's updates only where the checkpoint holds its task.info (what the agent recovers)", () => {
    taskDir("held", true, ["u1", "u2"]);
    // A batch that failed on a full disk: task.updates created, task.info never renamed in.
    taskDir("half-written", false, []);
    const seen = checkpointedUpdates([work]);
    assert.deepEqual([...(seen.get("held") ?? [])], ["u1", "u2"]);
    assert.equal(seen.has("half-written"), false);
  });
});

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { operatorCall, startTestMaster, subscribeScheduler, webFramework } from "./helpers.ts";

type Frameworks = {
  get_frameworks: { completed_frameworks?: { framework_info: { name: string } }[] };
};

const completedNames = async (master: Awaited<ReturnType<typeof startTestMaster>>) => {
  const answer = await operatorCall(master, { type: "GET_FRAMEWORKS" });
  return ((answer.json as Frameworks).get_frameworks.completed_frameworks ?? []).map(
    (f) => f.framework_info.name,
  );
};

describe("the master's task history file (taskHistoryFile, as tessera dev starts it)", () => {
  it("a stopped master saves its completed frameworks and the next master lists them again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-task-history-"));
    const file = join(dir, "task-history.json");
    try {
      const first = await startTestMaster({}, { taskHistoryFile: file });
      const fw = await subscribeScheduler(first, webFramework("alice", "finished-run"));
      assert.equal((await fw.call({ type: "TEARDOWN" })).status, 202);
      fw.close();
      await first.close();
      assert.match(readFileSync(file, "utf8"), /finished-run/);

      const second = await startTestMaster({}, { taskHistoryFile: file });
      try {
        assert.deepEqual(await completedNames(second), ["finished-run"]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an unreadable history file starts the master without history", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-task-history-"));
    const file = join(dir, "task-history.json");
    writeFileSync(file, "{ not json");
    try {
      const master = await startTestMaster({}, { taskHistoryFile: file });
      try {
        assert.deepEqual(await completedNames(master), []);
      } finally {
        await master.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The kept renderings of tasks (state-json.ts TaskKeptCache): used while a task is unchanged,
// made again when it changed, and at most the cache's bound of them kept.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskRecord } from "../../../src/master/core/state.ts";
import { TaskKeptCache } from "../../../src/master/http/state-json.ts";

/** A task record with the fields a kept rendering is compared on. */
function task(id: string): TaskRecord {
  return {
    agentId: "a1",
    executorId: undefined,
    info: { task_id: { value: id } },
    role: "*",
    resources: [],
    state: "TASK_RUNNING",
    statusUpdateState: undefined,
    statusUpdateUuid: undefined,
    statuses: [],
  } as unknown as TaskRecord;
}

describe("TaskKeptCache", () => {
  it("keeps a task's rendering while it is unchanged and renders it again once it changed", () => {
    const cache = new TaskKeptCache<string>();
    const t = task("t1");
    let made = 0;
    const make = () => `r${++made}`;
    assert.equal(cache.kept(t, undefined, make), "r1");
    assert.equal(cache.kept(t, undefined, make), "r1");
    (t as { state: string }).state = "TASK_FINISHED";
    assert.equal(cache.kept(t, undefined, make), "r2");
    assert.equal(cache.kept(t, "other slot", make), "r3");
  });

  it("keeps at most its bound of tasks: past it, it starts over and keeps the newest", () => {
    const cache = new TaskKeptCache<string>(3);
    const tasks = ["t1", "t2", "t3", "t4"].map(task);
    const made: string[] = [];
    const render = (t: TaskRecord) =>
      cache.kept(t, undefined, () => {
        made.push(t.info.task_id.value);
        return t.info.task_id.value;
      });
    for (const t of tasks.slice(0, 3)) render(t);
    for (const t of tasks.slice(0, 3)) render(t);
    assert.deepEqual(made, ["t1", "t2", "t3"]);
    render(tasks[3]!); // the fourth: the cache starts over, holding t4 only
    render(tasks[3]!);
    render(tasks[0]!);
    assert.deepEqual(made, ["t1", "t2", "t3", "t4", "t1"]);
  });
});

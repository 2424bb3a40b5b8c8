import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JobDefinitionSchema } from "../../../src/frameworks/jobs/job-definition.ts";
import { JobsCore, MAX_QUEUED_RUNS_PER_JOB } from "../../../src/frameworks/jobs/jobs-core.ts";
import { scheduleModule } from "../../../src/frameworks/jobs/schedule/index.ts";
import { JobsHarness, offerOf, T0, taskIds } from "./fixtures.ts";

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("jobs core: firing and outputs", () => {
  test("an ad-hoc job runs once, now, and its run is written before its task is launched", () => {
    const core = new JobsCore({ schedules: scheduleModule }, { jobs: [], runs: [] });
    const def = JobDefinitionSchema.parse({ name: "once", command: "echo hi" });
    core.handle({ kind: "put_job", job: def, endpoint: "iso8601" }, T0);
    const out = core.handle({ kind: "offers", offers: [offerOf("a1")] }, T0 + 1);
    const launchAt = out.findIndex((o) => o.kind === "launch");
    const writeAt = out.findIndex(
      (o) =>
        o.kind === "store_write" && o.write.kind === "put_run" && o.write.run.state === "launching",
    );
    assert.ok(writeAt >= 0 && launchAt > writeAt, "the launching run is written before the launch");
    const launch = out[launchAt];
    assert.ok(launch?.kind === "launch");
    assert.match(launch.tasks[0]?.task_id.value ?? "", /^ct:\d+:0:once$/);
    assert.equal(core.job("once")?.schedule?.remaining, 0);
  });

  test("a job every minute launches each occurrence once, with task ids from job, due time and attempt", () => {
    const h = new JobsHarness();
    assert.ok(h.put({ name: "tick", schedule: `R/${iso(T0 + MIN)}/PT1M` }).ok);
    assert.deepEqual(h.offer(), []);
    const launched: string[] = [];
    for (let i = 1; i <= 3; i++) {
      h.advance(MIN);
      const ids = taskIds(h.offer());
      launched.push(...ids);
      for (const id of ids) h.complete(id);
      assert.deepEqual(h.offer(), [], "nothing more launches in the same minute");
    }
    assert.deepEqual(
      launched,
      [1, 2, 3].map((i) => `ct:${T0 + i * MIN}:0:tick`),
    );
    assert.equal(h.state.job("tick")?.stats.successCount, 3);
  });

  test("a failed run is retried after the retry delay with the next attempt, then fails for good", () => {
    const h = new JobsHarness();
    h.put({ name: "flaky", retries: 1 });
    const [first] = taskIds(h.offer());
    assert.ok(first !== undefined);
    h.complete(first, "TASK_FAILED", "Command exited with status 3");
    assert.deepEqual(h.offer(), [], "the retry waits for its delay");
    assert.equal(h.state.queue(h.nowMs)[0]?.why.waiting, "retry_delay");
    h.advance(1000);
    const [second] = taskIds(h.offer());
    assert.equal(second, first.replace(":0:", ":1:"));
    h.complete(second as string, "TASK_FAILED", "Command exited with status 3");
    h.advance(5000);
    assert.deepEqual(h.offer(), [], "retries: 1 allows two attempts");
    const [run] = h.state.runsOf("flaky");
    assert.equal(run?.state, "failure");
    assert.equal(run?.exitCode, 3);
    assert.equal(h.state.job("flaky")?.stats.errorCount, 1);
  });

  test("maxTaskFailures -1 retries an ad-hoc job without limit; a killed run is not retried", () => {
    const h = new JobsHarness();
    h.put({ name: "forever", maxTaskFailures: -1 });
    for (let i = 0; i < 5; i++) {
      const [id] = taskIds(h.offer());
      assert.ok(id !== undefined, `attempt ${i} launched`);
      h.complete(id, "TASK_FAILED");
      h.advance(1000);
    }
    const [id] = taskIds(h.offer());
    h.complete(id as string, "TASK_KILLED");
    h.advance(5000);
    assert.deepEqual(h.offer(), []);
    assert.equal(h.state.runsOf("forever")[0]?.state, "killed");
  });

  test("a dependent job runs once all its parents succeeded since its last run", () => {
    const h = new JobsHarness();
    h.put({ name: "a", schedule: `R/${iso(T0 + MIN)}/PT1H` });
    h.put({ name: "b", schedule: `R/${iso(T0 + MIN)}/PT1H` });
    assert.ok(h.put({ name: "c", parents: ["a", "b"] }, "dependency").ok);
    h.advance(MIN);
    const ids = taskIds(h.offer());
    assert.equal(ids.length, 2);
    h.complete(ids[0] as string);
    assert.deepEqual(taskIds(h.offer()), [], "one parent is not enough");
    h.complete(ids[1] as string);
    const [child] = taskIds(h.offer());
    assert.match(child ?? "", /:c$/);
    assert.equal(h.state.runsOf("c")[0]?.trigger, "parents");
  });

  test("a softError parent's final failure still fires its children; a plain failure does not", () => {
    const h = new JobsHarness();
    h.put({ name: "soft", retries: 0, softError: true, schedule: `R1/${iso(T0)}/PT1H` });
    h.put({ name: "hard", retries: 0, schedule: `R1/${iso(T0)}/PT1H` });
    h.put({ name: "after-soft", parents: ["soft"] }, "dependency");
    h.put({ name: "after-hard", parents: ["hard"] }, "dependency");
    for (const id of taskIds(h.offer())) h.complete(id, "TASK_FAILED");
    const ids = taskIds(h.offer());
    assert.deepEqual(
      ids.map((i) => i.split(":")[3]),
      ["after-soft"],
    );
  });

  test("without epsilon missed occurrences run once and the rest are recorded as coalesced", () => {
    const h = new JobsHarness();
    h.put({ name: "m", schedule: `R/${iso(T0 + MIN)}/PT1M` });
    h.nowMs += 5 * MIN + 1; // the scheduler was away for five occurrences
    h.advance(0);
    const runs = h.state.runsOf("m");
    assert.equal(runs[0]?.state, "queued");
    assert.equal(runs[0]?.dueMs, T0 + 5 * MIN);
    assert.equal(runs[1]?.skipReason, "coalesced");
    assert.equal(runs[1]?.skippedCount, 4);
  });

  test("with an epsilon an occurrence later than the window is skipped, not run", () => {
    const h = new JobsHarness();
    h.put({ name: "e", epsilon: "PT30S", schedule: `R/${iso(T0 + MIN)}/PT1H` });
    h.nowMs += MIN + 31_000;
    h.advance(0);
    assert.deepEqual(h.offer(), []);
    const [skip] = h.state.runsOf("e");
    assert.equal(skip?.state, "skipped");
    assert.equal(skip?.skipReason, "epsilon");
    h.nowMs = T0 + MIN + 3600_000 + 10_000;
    h.advance(0);
    assert.equal(taskIds(h.offer()).length, 1, "the next occurrence inside the window runs");
  });

  test("CANCEL_NEW skips an occurrence while a run is active; the default waits behind it", () => {
    const h = new JobsHarness();
    h.put({ name: "cn", cronCollisionPolicy: "CANCEL_NEW", schedule: `R/${iso(T0 + MIN)}/PT1M` });
    h.put({ name: "w", schedule: `R/${iso(T0 + MIN)}/PT1M` });
    h.advance(MIN);
    for (const id of taskIds(h.offer())) h.status(id, "TASK_RUNNING");
    h.advance(MIN);
    assert.deepEqual(taskIds(h.offer()), []);
    assert.equal(h.state.runsOf("cn")[0]?.skipReason, "cancel_new");
    assert.equal(h.state.runsOf("w")[0]?.state, "queued");
    assert.equal(h.state.queue(h.nowMs)[0]?.why.waiting, "collision");
  });

  test("a cron job with KILL_EXISTING kills the active run and starts the new one after it ended", () => {
    const h = new JobsHarness();
    h.put({ name: "cr", cron: "* * * * *" }); // T0 is on the minute: due at once
    const [first] = taskIds(h.offer());
    h.status(first as string, "TASK_RUNNING");
    h.advance(MIN);
    assert.deepEqual(h.kills(), [first]);
    assert.deepEqual(taskIds(h.offer()), [], "the new run waits for the old to end");
    h.status(first as string, "TASK_KILLED");
    assert.equal(taskIds(h.offer()).length, 1);
    assert.equal(h.state.runsOf("cr")[1]?.state, "killed");
  });

  test("a disabled job records its occurrences as skipped (disabled)", () => {
    const h = new JobsHarness();
    h.put({ name: "off", disabled: true, schedule: `R/${iso(T0 + MIN)}/PT1M` });
    h.advance(MIN);
    assert.deepEqual(h.offer(), []);
    assert.equal(h.state.runsOf("off")[0]?.skipReason, "disabled");
  });

  test("a queued run says which constraint or resource the offers failed", () => {
    const h = new JobsHarness();
    h.put({ name: "picky", constraints: [["rack", "EQUALS", "r2"]] });
    h.put({ name: "big", cpus: 16 });
    h.offer([offerOf("a1", { attributes: { rack: "r1" } })]);
    const why = new Map(h.state.queue(h.nowMs).map((q) => [q.run.job, q.why.detail]));
    assert.match(why.get("picky") ?? "", /constraint rack EQUALS r2 failed on 1/);
    assert.match(why.get("big") ?? "", /not enough cpus on 1/);
    assert.equal(taskIds(h.offer([offerOf("a2", { attributes: { rack: "r2" } })])).length, 1);
    assert.equal(taskIds(h.offer([offerOf("h", { hostname: "x" })])).length, 0);
  });

  test("high-priority runs launch first when the offers hold only one", () => {
    const h = new JobsHarness();
    h.put({ name: "normal", cpus: 6 });
    h.put({ name: "urgent", cpus: 6, highPriority: true });
    const ids = taskIds(h.offer([offerOf("a1", { cpus: 8 })]));
    assert.deepEqual(
      ids.map((i) => i.split(":")[3]),
      ["urgent"],
    );
  });

  test("marking a job successful counts a success and fires its dependents without running it", () => {
    const h = new JobsHarness();
    h.put({ name: "up", schedule: `R/${iso(T0 + MIN)}/PT1H` });
    h.put({ name: "down", parents: ["up"] }, "dependency");
    h.put({ name: "big", cpus: 64, schedule: `R/${iso(T0 + 3600_000)}/PT1H` });
    assert.ok(h.state.markSuccess("up", h.nowMs).result.ok);
    assert.equal(h.state.job("up")?.stats.successCount, 1);
    assert.deepEqual(
      taskIds(h.offer()).map((i) => i.split(":")[3]),
      ["down"],
    );
    assert.equal(h.state.runNow("ghost", [], h.nowMs).result.ok, false);
    for (let i = 0; i < MAX_QUEUED_RUNS_PER_JOB; i++) h.state.runNow("big", [], h.nowMs);
    const refused = h.state.runNow("big", [], h.nowMs).result;
    assert.equal(refused.ok, false, "the queue of one job is bounded");
  });

  test("a run's task carries Chronos's environment, the job's user, fetch URIs, timeout and container", () => {
    const h = new JobsHarness();
    h.put({
      name: "env",
      owner: "ops@example.com",
      runAsUser: "nobody",
      maxCompletionTime: 30,
      uris: ["http://example.com/a.tgz"],
      environmentVariables: [{ name: "EXTRA", value: "1" }],
      container: { type: "MESOS", image: "busybox" },
    });
    const [task] = h.offer();
    const env = Object.fromEntries(
      (task?.command?.environment?.variables ?? []).map((v) => [v.name, v.value]),
    );
    assert.equal(env.CHRONOS_JOB_NAME, "env");
    assert.equal(env.CHRONOS_JOB_OWNER, "ops@example.com");
    assert.equal(env.CHRONOS_JOB_RUN_ATTEMPT, "0");
    assert.equal(env.CHRONOS_RESOURCE_MEM, "128");
    assert.equal(env.HOST, "agent-1.example");
    assert.equal(env.EXTRA, "1");
    assert.equal(task?.command?.user, "nobody");
    assert.equal(task?.command?.uris?.[0]?.value, "http://example.com/a.tgz");
    assert.equal(task?.max_completion_time?.nanoseconds, 30e9);
    assert.equal(task?.container?.type, "MESOS");
  });

  test("a restarted scheduler reconciles the running task and does not launch it again", () => {
    const h = new JobsHarness();
    h.put({ name: "r", schedule: `R/${iso(T0 + MIN)}/PT1M` });
    h.advance(MIN);
    const [id] = taskIds(h.offer());
    h.status(id as string, "TASK_RUNNING");
    h.restart();
    assert.deepEqual(
      h.state.activeTasks().map((t) => t.taskId),
      [id],
    );
    h.advance(1000);
    assert.deepEqual(h.offer(), [], "the running occurrence is not relaunched");
    h.status(id as string, "TASK_FINISHED");
    h.advance(MIN);
    assert.deepEqual(taskIds(h.offer()), [`ct:${T0 + 2 * MIN}:0:r`]);
  });

  test("a launch the master refuses as a duplicate id leaves the live attempt to finish the run", () => {
    const h = new JobsHarness();
    h.put({ name: "dup", retries: 2 });
    const [id] = taskIds(h.offer());
    const duplicate = { reason: "REASON_TASK_INVALID", message: `Task has duplicate ID: ${id}` };
    h.status(id as string, "TASK_ERROR", duplicate);
    const run = () => h.state.runsOf("dup")[0];
    assert.equal(run()?.failures, 0);
    assert.equal(run()?.taskId, id, "still the same attempt");
    assert.deepEqual(h.offer(), [], "no second attempt is launched");
    h.complete(id as string);
    assert.equal(run()?.state, "success");
    // Any other TASK_ERROR is a failed attempt, retried as a new one.
    h.put({ name: "bad", retries: 1 });
    const [bad] = taskIds(h.offer());
    h.status(bad as string, "TASK_ERROR", { reason: "REASON_TASK_INVALID", message: "no" });
    assert.equal(h.state.runsOf("bad")[0]?.failures, 1);
  });

  test("an attempt recorded but never sent is relaunched as the next attempt, not counted as a failure", () => {
    const h = new JobsHarness();
    h.put({ name: "lost", retries: 0 });
    const [id] = taskIds(h.offer());
    h.restart(); // died after recording the launch, before Mesos heard of it
    h.status(id as string, "TASK_LOST", { reason: "REASON_RECONCILIATION" });
    const [again] = taskIds(h.offer());
    assert.equal(again, (id as string).replace(":0:", ":1:"));
    assert.equal(h.state.runsOf("lost")[0]?.failures, 0);
  });
});

describe("jobs core: bad input changes nothing", () => {
  const cases: [string, Record<string, unknown>, "iso8601" | "dependency", RegExp][] = [
    ["an invalid name", { name: "no spaces" }, "iso8601", /name is invalid/],
    [
      "an unparsable schedule",
      { name: "x", schedule: "every day" },
      "iso8601",
      /Cannot parse schedule/,
    ],
    ["a bad cron line", { name: "x", cron: "61 * * * *" }, "iso8601", /Invalid cron schedule/],
    [
      "an unknown parent",
      { name: "x", parents: ["ghost"] },
      "dependency",
      /parent 'ghost' does not exist/,
    ],
    [
      "both uris and fetch",
      { name: "x", uris: ["http://a/b"], fetch: [{ uri: "http://a/c" }] },
      "iso8601",
      /both uris and fetch/,
    ],
    [
      "a bad constraint",
      { name: "x", constraints: [["rack", "NEAR", "a"]] },
      "iso8601",
      /EQUALS, LIKE, UNLIKE/,
    ],
  ];
  for (const [what, fields, endpoint, message] of cases)
    test(`${what} is refused with a message`, () => {
      const h = new JobsHarness();
      const before = h.store.jobs().length;
      const result = h.put(fields, endpoint);
      assert.equal(result.ok, false);
      assert.match(result.ok ? "" : result.error.message, message);
      assert.equal(h.store.jobs().length, before);
    });

  test("a dependency cycle is refused and the old definition stays", () => {
    const h = new JobsHarness();
    h.put({ name: "a", schedule: `R/${iso(T0)}/PT1H` });
    h.put({ name: "b", parents: ["a"] }, "dependency");
    h.put({ name: "c", parents: ["b"] }, "dependency");
    const result = h.put({ name: "b", parents: ["c"] }, "dependency");
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.error.message, /cycle/);
    assert.deepEqual(h.state.job("b")?.definition.parents, ["a"]);
  });

  test("deleting a job re-parents its children as Chronos does", () => {
    const h = new JobsHarness();
    h.put({ name: "root", schedule: `R/${iso(T0 + MIN)}/PT1H` });
    h.put({ name: "mid", parents: ["root"] }, "dependency");
    h.put({ name: "leaf", parents: ["mid"] }, "dependency");
    assert.ok(h.state.deleteJob("mid", h.nowMs).result.ok);
    assert.deepEqual(h.state.job("leaf")?.definition.parents, ["root"]);
    assert.ok(h.state.deleteJob("root", h.nowMs).result.ok);
    const leaf = h.state.job("leaf");
    assert.equal(leaf?.definition.parents, undefined);
    assert.equal(leaf?.schedule?.startMs, T0 + MIN);
  });
});

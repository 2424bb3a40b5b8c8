// The jobs framework on a real cluster (issue #16 acceptance): a master, two agents running
// real processes, and the jobs framework as a process of its own on SQLite. A job every 2 s
// runs again and again with sandboxes and history; a dependent job runs after its parents;
// run now with arguments; kill; and the jobs process killed with SIGKILL mid-run and started
// again: the running task is reconciled, not relaunched, and the next occurrences run once each.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { type RealCluster, startRealCluster } from "../services/real-cluster.ts";
import { call, history, type JobsProcess, type RunJson, spawnJobs } from "./jobs-process.ts";

const WAIT = { timeoutMs: 90_000, everyMs: 200 };
const soon = (ms = 0) => new Date(Date.now() + ms).toISOString();

describe("jobs on a real cluster", () => {
  let cluster: RealCluster;
  let jobs: JobsProcess;
  let base: string;
  const start = async () => {
    jobs = await spawnJobs({
      master: cluster.master.url,
      dataDir: join(cluster.dir, "jobs"),
      httpPort: 0,
      failureRetryMs: 500,
    });
    base = jobs.url;
  };

  before(async () => {
    cluster = await startRealCluster();
    await start();
  });
  after(async () => {
    await jobs?.kill9();
    await cluster?.close();
  });

  const finished = (runs: RunJson[]) => runs.filter((r) => r.state === "success");

  it("a job every 2 s runs at least 3 times, each with a sandbox and a history entry", async () => {
    const put = await call(base, "POST", "/v1/scheduler/iso8601", {
      name: "every2s",
      command: "echo run $CHRONOS_JOB_NAME $CHRONOS_JOB_RUN_ATTEMPT",
      schedule: `R/${soon(500)}/PT2S`,
      cpus: 0.1,
      mem: 32,
    });
    assert.equal(put.status, 204, put.text);
    const runs = await eventually(
      "three successful runs",
      async () => {
        const done = finished(await history(base, "every2s"));
        return done.length >= 3 ? done : undefined;
      },
      WAIT,
    );
    assert.equal(new Set(runs.map((r) => r.due)).size, runs.length, "each due time runs once");
    for (const r of runs) {
      assert.equal(r.exitCode, 0);
      assert.match(r.taskId, /^ct:\d+:0:every2s$/);
      assert.ok(r.sandbox.startsWith("http://"), `a sandbox link: ${r.sandbox}`);
    }
    const listing = await fetch(runs[0]?.sandbox as string);
    assert.equal(
      listing.status,
      200,
      `the sandbox link ${runs[0]?.sandbox} lists the run's sandbox: ${await listing.text()}`,
    );
    const job = (await call(base, "GET", "/v1/scheduler/job/every2s")).body as {
      successCount: number;
    };
    assert.ok(job.successCount >= 3);
  });

  it("a dependent job runs after both its parents succeeded", async () => {
    for (const name of ["parent-a", "parent-b"])
      assert.equal(
        (await call(base, "POST", "/v1/scheduler/iso8601", { name, command: "sleep 0.3" })).status,
        204,
      );
    const dep = { name: "child", command: "true", parents: ["parent-a", "parent-b"] };
    assert.equal((await call(base, "POST", "/v1/scheduler/dependency", dep)).status, 204);
    const [child] = await eventually(
      "the child to succeed",
      async () => {
        const done = finished(await history(base, "child"));
        return done.length > 0 ? done : undefined;
      },
      WAIT,
    );
    for (const p of ["parent-a", "parent-b"]) {
      const [parent] = finished(await history(base, p));
      assert.ok(parent !== undefined, `${p} succeeded`);
      assert.ok(Date.parse(child?.started ?? "") >= Date.parse(parent.ended), `child after ${p}`);
    }
  });

  it("run now passes its arguments to a shell=false job", async () => {
    const job = {
      name: "echo-args",
      command: "/bin/echo",
      arguments: ["hello"],
      shell: false,
      schedule: "R/2099-01-01T00:00:00Z/P1D",
    };
    assert.equal((await call(base, "POST", "/v1/scheduler/iso8601", job)).status, 204);
    assert.equal(
      (await call(base, "PUT", "/v1/scheduler/job/echo-args?arguments=world")).status,
      204,
    );
    const [run] = await eventually(
      "the manual run to succeed",
      async () => {
        const done = finished(await history(base, "echo-args"));
        return done.length > 0 ? done : undefined;
      },
      WAIT,
    );
    assert.equal(run?.trigger, "manual");
    const stdoutUrl = run?.sandbox.replace("/files/browse?path=", "/files/read?offset=0&path=");
    const read = (await (await fetch(`${stdoutUrl}${encodeURIComponent("/stdout")}`)).json()) as {
      data: string;
    };
    assert.match(read.data, /hello world/);
  });

  it("kill ends a running run as killed, without a retry", async () => {
    const job = { name: "sleeper", command: "sleep 60", retries: 2 };
    assert.equal((await call(base, "POST", "/v1/scheduler/iso8601", job)).status, 204);
    await eventually(
      "the sleeper to run",
      async () => (await history(base, "sleeper"))[0]?.state === "running",
      WAIT,
    );
    assert.equal((await call(base, "DELETE", "/v1/scheduler/task/kill/sleeper")).status, 204);
    const [run] = await eventually(
      "the run to end killed",
      async () => {
        const runs = await history(base, "sleeper");
        return runs[0]?.state === "killed" ? runs : undefined;
      },
      WAIT,
    );
    assert.equal(run?.attempt, 0);
  });

  it("killed with SIGKILL mid-run and restarted, the framework reconciles the running task and runs the next occurrences once", async () => {
    const job = { name: "long", command: "sleep 3", schedule: `R/${soon(300)}/PT5S` };
    assert.equal((await call(base, "POST", "/v1/scheduler/iso8601", job)).status, 204);
    const running = await eventually(
      "an occurrence of long to run",
      async () => (await history(base, "long")).find((r) => r.state === "running"),
      WAIT,
    );
    const state = (await (await fetch(`${cluster.master.url}/master/state`)).json()) as {
      frameworks: { id: string }[];
    };
    const frameworkIds = state.frameworks.map((f) => f.id);
    await jobs.kill9();
    await start();
    const same = await eventually(
      "the interrupted run to finish",
      async () =>
        (await history(base, "long")).find(
          (r) => r.runId === running.runId && r.state === "success",
        ),
      WAIT,
    );
    assert.equal(same.taskId, running.taskId, "the same task finished: it was not relaunched");
    assert.equal(same.attempt, 0);
    const runs = await eventually(
      "two more occurrences after the restart",
      async () => {
        const done = finished(await history(base, "long"));
        return done.length >= 3 ? done : undefined;
      },
      WAIT,
    );
    assert.equal(new Set(runs.map((r) => r.due)).size, runs.length, "no occurrence ran twice");
    assert.ok(runs.every((r) => r.attempt === 0));
    const after = (await (await fetch(`${cluster.master.url}/master/state`)).json()) as {
      frameworks: { id: string }[];
    };
    assert.deepEqual(
      after.frameworks.map((f) => f.id),
      frameworkIds,
      "the restarted framework resubscribed with its framework id",
    );
  });
});

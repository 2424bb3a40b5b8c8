// The jobs framework when its store fails (nemesis seed 909: a run's command ran twice after a
// ZooKeeper leader kill): a status update whose outcome is not durable is not acknowledged, and
// a leader whose ZooKeeper store was poisoned by a failed write loads it afresh and goes on,
// instead of answering 503 to every change and launching nothing for the rest of its term.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MemoryJobStore } from "../../../src/frameworks/jobs/job-store.ts";
import { JobsAdapter } from "../../../src/frameworks/jobs/jobs-adapter.ts";
import { JobsState } from "../../../src/frameworks/jobs/jobs-state.ts";
import { scheduleModule } from "../../../src/frameworks/jobs/schedule/index.ts";
import { type RunningJobs, startJobs } from "../../../src/frameworks/jobs/start.ts";
import { jobsZkRoot } from "../../../src/frameworks/jobs/zk-job-store.ts";
import { connectStore, remove } from "../../../src/zk/calls.ts";
import { parseZkUrl } from "../../../src/zk/url.ts";
import { eventually } from "../../support/eventually.ts";
import { ZooKeeperCluster, zooKeeperSkip } from "../../support/zookeeper.ts";

/** A store whose writes never become durable (a ZooKeeper write failed). */
class PoisonedStore extends MemoryJobStore {
  override durable(): Promise<void> {
    return Promise.reject(new Error("ZooKeeper write failed (1 ops): CONNECTION_LOSS"));
  }
}

describe("the jobs framework's status updates on a store that failed", () => {
  it("an update whose outcome is not durable is left unacknowledged (its handler rejects)", async () => {
    const state = new JobsState({
      store: new PoisonedStore(),
      schedules: scheduleModule,
      role: "jobs",
    });
    const adapter = new JobsAdapter(state, () => 1_000, "jobs");
    await assert.rejects(
      adapter.onUpdate({
        task_id: { value: "ct:1000:0:nightly" },
        state: "TASK_FINISHED",
        agent_id: { value: "a1" },
        uuid: "AAAAAAAAAAAAAAAAAAAAAA==",
      }),
      /ZooKeeper write failed/,
    );
  });
});

const zkSkip = zooKeeperSkip();

describe("a jobs leader whose ZooKeeper store failed", { skip: zkSkip.skip }, () => {
  let zk: ZooKeeperCluster;
  let jobs: RunningJobs;
  const dir = mkdtempSync(join(tmpdir(), "tessera-jobs-store-failure-"));
  const path = "/tessera-jobs-store-failure";

  before(async () => {
    zk = await ZooKeeperCluster.start(1);
    // No master answers there: the API and the store work without one.
    jobs = await startJobs({
      master: "http://127.0.0.1:9",
      dataDir: dir,
      httpPort: 0,
      zk: zk.url(path),
    });
  });
  after(async () => {
    await jobs?.close();
    await zk?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (name: string) => {
    const res = await fetch(`${jobs.url}/v1/scheduler/iso8601`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, command: "true", schedule: "R1/2030-01-01T00:00:00Z/PT1H" }),
    });
    await res.text();
    return res.status;
  };

  it("loads the store afresh and takes changes again", async () => {
    await eventually("the instance to lead", () => jobs.leading(), { timeoutMs: 30_000 });
    assert.equal(await post("first"), 204);
    // Someone else removes the job's znode: the next write of it fails in ZooKeeper (NO_NODE).
    const url = parseZkUrl(zk.url(path));
    assert.ok(url.ok);
    const { client } = await connectStore(url.url);
    try {
      await remove(client, `${jobsZkRoot(url.url)}/jobs/first`);
    } finally {
      client.close();
    }
    assert.equal(await post("first"), 503, "the failed write is refused");
    // A fresh term: changes are durable again (without it, 503 for the rest of the term).
    await eventually("a change to be taken again", async () => (await post("second")) === 204, {
      timeoutMs: 30_000,
      everyMs: 200,
    });
    const res = await fetch(`${jobs.url}/v1/scheduler/jobs`);
    const names = ((await res.json()) as { name: string }[]).map((j) => j.name);
    assert.ok(names.includes("second"), names.join(","));
  });
});

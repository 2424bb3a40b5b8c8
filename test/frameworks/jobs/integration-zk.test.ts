// Two jobs framework instances with ZooKeeper (issue #16 acceptance): one leads and schedules,
// the standby proxies the API to it, and when the leader is killed with SIGKILL the standby
// takes over the same jobs, runs and framework id.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { ZooKeeperCluster, zooKeeperSkip } from "../../support/zookeeper.ts";
import { type RealCluster, startRealCluster } from "../services/real-cluster.ts";
import { call, history, type JobsProcess, spawnJobs } from "./jobs-process.ts";

const WAIT = { timeoutMs: 60_000, everyMs: 200 };
const skip = zooKeeperSkip();

describe("jobs with ZooKeeper: two instances", { skip: skip.skip }, () => {
  let cluster: RealCluster;
  let zk: ZooKeeperCluster;
  const instances: JobsProcess[] = [];

  before(async () => {
    zk = await ZooKeeperCluster.start(1);
    cluster = await startRealCluster();
    for (let i = 0; i < 2; i++)
      instances.push(
        await spawnJobs({
          master: cluster.master.url,
          dataDir: join(cluster.dir, `jobs-${i}`),
          httpPort: 0,
          zk: zk.url("/tessera-jobs-it"),
        }),
      );
  });
  after(async () => {
    for (const p of instances) await p.kill9();
    await cluster?.close();
    await zk?.stop();
  });

  const leaderOf = async (base: string) =>
    ((await call(base, "GET", "/leader")).body as { leader: string }).leader;

  it("the standby proxies to the leader, and takes over when the leader is killed", async () => {
    const [a, b] = instances as [JobsProcess, JobsProcess];
    const leader = await eventually(
      "both instances to agree on a leader",
      async () => {
        const [la, lb] = [await leaderOf(a.url), await leaderOf(b.url)];
        return la !== "" && la === lb ? la : undefined;
      },
      WAIT,
    );
    const [lead, standby] = a.url.endsWith(leader) ? [a, b] : [b, a];
    // A job created through the standby lands on the leader.
    const job = { name: "ha", command: "true", schedule: `R/${new Date().toISOString()}/PT2S` };
    const put = await call(standby.url, "POST", "/v1/scheduler/iso8601", job);
    assert.equal(put.status, 204, put.text);
    const listed = (await call(lead.url, "GET", "/v1/scheduler/jobs")).body as { name: string }[];
    assert.deepEqual(
      listed.map((j) => j.name),
      ["ha"],
    );
    await eventually(
      "a run through the leader",
      async () => (await history(standby.url, "ha")).some((r) => r.state === "success"),
      WAIT,
    );
    const before = await history(standby.url, "ha");

    await lead.kill9();
    const detail = () => `standby output:\n${standby.output()}`;
    await eventually(
      "the standby to lead",
      async () => standby.url.endsWith(await leaderOf(standby.url)),
      { ...WAIT, detail },
    );
    const runs = await eventually(
      "runs under the new leader",
      async () => {
        const list = await history(standby.url, "ha");
        const fresh = list.filter(
          (r) => r.state === "success" && !before.some((o) => o.runId === r.runId),
        );
        return fresh.length >= 2 ? list : undefined;
      },
      { ...WAIT, detail },
    );
    for (const old of before.filter((r) => r.state === "success"))
      assert.ok(
        runs.some((r) => r.runId === old.runId),
        `the new leader kept run ${old.runId}`,
      );
    const dues = runs.filter((r) => r.state !== "skipped").map((r) => r.due);
    assert.equal(new Set(dues).size, dues.length, "no occurrence ran twice across the failover");
    const state = (await (await fetch(`${cluster.master.url}/master/state`)).json()) as {
      frameworks: unknown[];
    };
    assert.equal(state.frameworks.length, 1, "the new leader resubscribed as the same framework");
  });
});

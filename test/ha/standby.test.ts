// Masters under ZooKeeper election, in this process (no SIGKILL needed): what standbys answer,
// a reader written only from ZooKeeper's and Mesos's public layout, and a partitioned leader
// stepping down before its successor acts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import zookeeper from "node-zookeeper-client";
import { pino } from "pino";
import { type RunningMaster, startMaster } from "../../src/master/server.ts";
import { SchedulerClient } from "../../src/sdk/index.ts";
import { ZkLeader } from "../../src/sdk/zk-leader.ts";
import { eventually } from "../support/eventually.ts";
import { FreezableProxy, ZooKeeperCluster, zooKeeperSkip } from "../support/zookeeper.ts";
import { HA_WAIT } from "./cluster.ts";

const skip = zooKeeperSkip();
let zk: ZooKeeperCluster;
let pathCounter = 0;
const running: RunningMaster[] = [];

before(async () => {
  if (skip.skip === undefined) zk = await ZooKeeperCluster.start(1);
});
after(async () => {
  for (const m of running) await m.close();
  await zk?.stop();
});

function freshPath(): string {
  pathCounter++;
  return `/tessera-ha/standby-${process.pid}-${pathCounter}`;
}

async function master(zkUrl: string, flags: Record<string, string> = {}): Promise<RunningMaster> {
  const m = await startMaster({
    // A long session: under a loaded CI host a 2 s one can lapse (the master then steps down or
    // forgets the leader for a moment), which these tests are not about. The partition test
    // asks for a short one.
    flags: { ip: "127.0.0.1", port: "0", zk: zkUrl, zk_session_timeout: "10secs", ...flags },
    logger: pino({ level: process.env.TESSERA_TEST_LOG ?? "silent" }),
  });
  running.push(m);
  return m;
}

/** Two masters on one election path: the first leads (acts as leader), the second follows it. */
async function leaderAndStandby(zkUrl: string) {
  const first = await master(zkUrl);
  await first.acting;
  const second = await master(zkUrl);
  await eventually(
    "the second master to stand by",
    () => second.leadership.kind === "following",
    HA_WAIT,
  );
  return { first, second };
}

const SUBSCRIBE = JSON.stringify({
  type: "SUBSCRIBE",
  subscribe: { framework_info: { user: "root", name: "ha-standby" } },
});

async function post(url: string, body: string) {
  const res = await fetch(url, {
    method: "POST",
    body,
    redirect: "manual",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
  });
  const status = res.status;
  const location = res.headers.get("location");
  await res.body?.cancel();
  return { status, location };
}

/** A plain ZooKeeper client, as a third-party tool would use it. */
async function plainClient(connect: string): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 5_000 });
  const connected = new Promise<void>((resolve) => client.once("connected", () => resolve()));
  client.connect();
  await connected;
  return client;
}

function call<T>(fn: (done: (error: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((error, value) => (error ? reject(error) : resolve(value))),
  );
}

describe("masters under ZooKeeper election", { skip: skip.skip, timeout: 120_000 }, () => {
  test("standbys answer scheduler and operator calls with 307 to the leader", async () => {
    const url = zk.url(freshPath());
    const { first, second } = await leaderAndStandby(url);
    const location = `//127.0.0.1:${first.port}`;
    const scheduler = await post(`${second.url}/api/v1/scheduler`, SUBSCRIBE);
    assert.deepEqual(scheduler, { status: 307, location: `${location}/api/v1/scheduler` });
    const operator = await post(`${second.url}/api/v1`, JSON.stringify({ type: "GET_MASTER" }));
    assert.deepEqual(operator, { status: 307, location: `${location}/api/v1` });
    const state = await fetch(`${second.url}/master/state`, { redirect: "manual" });
    await state.body?.cancel();
    assert.equal(state.status, 307);
    assert.equal(state.headers.get("location"), `${location}/master/state`);
    const metrics = (await (await fetch(`${second.url}/metrics/snapshot`)).json()) as Record<
      string,
      number
    >;
    assert.equal(metrics["master/elected"], 0);
    const leaderMetrics = (await (await fetch(`${first.url}/metrics/snapshot`)).json()) as Record<
      string,
      number
    >;
    assert.equal(leaderMetrics["master/elected"], 1);
  });

  test("a standby answers 503 while the leading member is not a master it can read", async () => {
    const path = freshPath();
    const client = await plainClient(zk.hosts);
    try {
      await call<string>((done) =>
        client.mkdirp(path, zookeeper.CreateMode.PERSISTENT, (e, p) => done(e, p)),
      );
      // The lowest json.info_ member leads; this one holds no MasterInfo.
      await call<string>((done) =>
        client.create(
          `${path}/json.info_`,
          Buffer.from("not a MasterInfo"),
          zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
          (e, p) => done(e, p),
        ),
      );
      const standby = await master(zk.url(path));
      await eventually(
        "the standby to register",
        () => standby.leadershipRecords.some((r) => r.phase === "standby"),
        HA_WAIT,
      );
      const answer = await post(`${standby.url}/api/v1/scheduler`, SUBSCRIBE);
      assert.deepEqual(answer, { status: 503, location: null });
      const redirect = await fetch(`${standby.url}/master/redirect`, { redirect: "manual" });
      assert.equal(redirect.status, 503);
      assert.equal(await redirect.text(), "No leader elected");
    } finally {
      client.close();
    }
  });

  test("a reader built only on ZooKeeper's and Mesos's public layout finds the leader and subscribes there", async () => {
    const path = freshPath();
    const url = zk.url(path);
    const leader = await master(url);
    await leader.acting;
    await master(url);
    await master(url);
    const client = await plainClient(zk.hosts);
    try {
      // Mesos's layout: ephemeral sequential `json.info_<10 digits>` children; the lowest leads
      // and holds the MasterInfo as JSON; other children are not masters.
      const members = await eventually(
        "three masters registered",
        async () => {
          const children = await call<string[]>((done) => client.getChildren(path, done));
          const found = children
            .filter((name) => /^json\.info_\d{10}$/.test(name))
            .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)));
          return found.length === 3 ? found : undefined;
        },
        HA_WAIT,
      );
      const data = await call<Buffer>((done) => client.getData(`${path}/${members[0]}`, done));
      const info = JSON.parse(data.toString("utf8")) as {
        id: string;
        address: { ip: string; port: number };
      };
      assert.equal(info.id, leader.masterInfo.id);
      const endpoint = `http://${info.address.ip}:${info.address.port}/api/v1/scheduler`;
      const res = await fetch(endpoint, {
        method: "POST",
        body: SUBSCRIBE,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
      });
      assert.equal(res.status, 200);
      assert.ok(res.headers.get("mesos-stream-id"));
      await res.body?.cancel();
    } finally {
      client.close();
    }
  });

  test("a leader cut off from ZooKeeper stops acting before the next leader starts acting", async () => {
    const path = freshPath();
    const node = zk.nodes[0];
    assert.ok(node !== undefined);
    const proxy = await FreezableProxy.start(node.clientPort);
    try {
      const short = { zk_session_timeout: "2secs" };
      const old = await master(`zk://127.0.0.1:${proxy.port}${path}`, short);
      await old.acting;
      const successor = await master(zk.url(path), short);
      await eventually(
        "the successor to stand by",
        () => successor.leadership.kind === "following",
        HA_WAIT,
      );
      proxy.freeze();
      await successor.acting;
      await old.stopped;
      const stepped = old.leadershipRecords.find((r) => r.phase === "stepped_down");
      const elected = successor.leadershipRecords.find((r) => r.phase === "elected");
      assert.ok(stepped !== undefined && elected !== undefined);
      assert.ok(
        stepped.atMs < elected.atMs,
        `old leader stepped down at ${stepped.atMs}, successor elected at ${elected.atMs}`,
      );
      assert.match(stepped.reason ?? "", /^connection_lost/);
      // The old leader answers nothing any more; the successor serves.
      const answer = await post(`${successor.url}/api/v1/scheduler`, SUBSCRIBE).catch(() => ({
        status: 0,
      }));
      assert.equal(answer.status, 200);
    } finally {
      await proxy.close();
    }
  });
  test("the SDK's ZkLeader names the leading master and moves to the next one when it goes", async () => {
    const url = zk.url(freshPath());
    const { first, second } = await leaderAndStandby(url);
    const leader = new ZkLeader(url);
    try {
      const lifetime = new AbortController();
      assert.equal(await leader.next(undefined, lifetime.signal), first.url);
      const moved = leader.next(first.url, lifetime.signal);
      await first.close();
      assert.equal(await moved, second.url);
      await second.acting;
    } finally {
      await leader.close();
    }
  });

  test("a SchedulerClient given a malformed zk:// master refuses it at once", () => {
    assert.throws(
      () =>
        new SchedulerClient({
          master: "zk://zk1:2181/tessera/",
          frameworkInfo: { user: "u", name: "n" },
        }),
      /must not end with '\/'/,
    );
    assert.equal(ZkLeader.check("zk://zk1:99999/tessera")?.includes("out of range"), true);
    assert.equal(ZkLeader.check("zk://zk1:2181,zk2:2181/tessera"), undefined);
  });
});

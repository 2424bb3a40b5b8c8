// Election and detection against a real ZooKeeper server (test/support/zookeeper.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import zookeeper from "node-zookeeper-client";
import type { ZkContender } from "../../../src/master/election/index.ts";
import { ZkDetector } from "../../../src/zk/detector.ts";
import type { ZkUrl } from "../../../src/zk/url.ts";
import { FreezableProxy, ZooKeeperCluster, zooKeeperSkip } from "../../support/zookeeper.ts";
import {
  detected,
  ElectionLog,
  isEvent,
  testContender,
  testMasterInfo,
  zkUrl,
} from "./election-log.ts";

const SESSION_TIMEOUT_MS = 2_000;
const skip = zooKeeperSkip();

let cluster: ZooKeeperCluster;
let pathCounter = 0;

/** A fresh election path per test, so tests do not see each other's members. */
function freshUrl(): ZkUrl {
  pathCounter++;
  return zkUrl(cluster.url(`/tessera-test/election-${pathCounter}/mesos`));
}

const master = testMasterInfo;

function contender(zk: ZkUrl, n: number, recontend = true): ZkContender {
  return testContender(zk, n, SESSION_TIMEOUT_MS, recontend);
}

/** m1 elected through a proxy the test can freeze, m2 a standby connected directly. */
async function leaderBehindProxy(zk: ZkUrl) {
  const node = cluster.nodes[0];
  assert.ok(node !== undefined);
  const proxy = await FreezableProxy.start(node.clientPort);
  const log = new ElectionLog();
  const leader = contender({ ...zk, servers: [{ host: "127.0.0.1", port: proxy.port }] }, 1);
  const standby = contender(zk, 2);
  await log.leaderThenStandby(leader, standby);
  return { proxy, log, leader, standby };
}

/** After losing (at log index `lost`), m1 stands by again while m2 leads; both then withdraw. */
async function rejoinedAsStandby(
  log: ElectionLog,
  lost: number,
  leader: ZkContender,
  standby: ZkContender,
): Promise<void> {
  await log.waitFor("m1 standby again", isEvent("m1", "standby"), lost);
  assert.equal(leader.leading, false);
  assert.equal(standby.leading, true);
  await leader.withdraw();
  await standby.withdraw();
}

/** A plain client, for what a third-party reader would do. */
async function plainClient(zk: ZkUrl, extra?: object): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(zk.servers.map((s) => `${s.host}:${s.port}`).join(","), {
    sessionTimeout: SESSION_TIMEOUT_MS,
    ...extra,
  });
  const connected = new Promise<void>((resolve) => client.once("connected", () => resolve()));
  client.connect();
  await connected;
  return client;
}

describe("ZooKeeper election", skip, () => {
  before(async () => {
    cluster = await ZooKeeperCluster.start(1);
  });
  after(async () => {
    await cluster?.stop();
  });

  test("of three contenders the lowest sequence leads, and closing its session elects the next", async () => {
    const zk = freshUrl();
    const log = new ElectionLog();
    const contenders = [contender(zk, 1), contender(zk, 2), contender(zk, 3)];
    // One after the other so the sequence order is known.
    for (const [i, c] of contenders.entries()) {
      log.contend(`m${i + 1}`, c);
      await log.waitFor(
        `m${i + 1} registered`,
        (e) => e.kind === "contender" && e.who === `m${i + 1}`,
      );
    }
    assert.ok(log.indexOf(isEvent("m1", "elected")) >= 0);
    assert.ok(log.indexOf(isEvent("m2", "standby")) >= 0);
    assert.ok(log.indexOf(isEvent("m3", "standby")) >= 0);
    assert.deepEqual(
      contenders.map((c) => c.leading),
      [true, false, false],
    );

    const mark = log.entries.length;
    await contenders[0]?.withdraw();
    const lost = log.indexOf(isEvent("m1", "lost"), mark);
    const elected = await log.waitFor("m2 elected", isEvent("m2", "elected"), mark);
    assert.ok(lost >= 0 && lost < elected, "the old leader reports lost before m2 leads");
    assert.equal(log.indexOf(isEvent("m3", "elected"), mark), -1);

    const mark2 = log.entries.length;
    await contenders[1]?.withdraw();
    await log.waitFor("m3 elected", isEvent("m3", "elected"), mark2);
    await contenders[2]?.withdraw();
  });

  test("a detector sees no leader, then each leader in turn", async () => {
    const zk = freshUrl();
    const log = new ElectionLog();
    const detector = new ZkDetector({ url: zk, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    detector.onChange(log.detector("d"));
    assert.equal(await detector.detect(master(9)), undefined, "no member yet: no leader");

    const first = contender(zk, 1);
    const second = contender(zk, 2);
    await log.leaderThenStandby(first, second);
    await log.waitFor("detector sees m1", detected("d", "master-1"));
    assert.equal(detector.current()?.pid, "master@127.0.0.1:5050");

    const changed = detector.detect(detector.current());
    await first.withdraw();
    assert.equal((await changed)?.id, "master-2");
    await second.withdraw();
    await log.waitFor(
      "detector sees none",
      detected("d", undefined),
      log.indexOf(detected("d", "master-2")),
    );
    await detector.close();
  });

  test("a reader using only the public layout finds the leader's MasterInfo, ignoring other children", async () => {
    const zk = freshUrl();
    const client = await plainClient(zk);
    const promisify = <T>(f: (cb: (e: unknown, v: T) => void) => void) =>
      new Promise<T>((resolve, reject) => f((e, v) => (e ? reject(e) : resolve(v))));
    // Children a Mesos path can hold besides masters: a legacy binary `info_` member with a
    // lower sequence, and the replicated log's node.
    await promisify<string>((cb) => client.mkdirp(zk.path, cb));
    await promisify<string>((cb) =>
      client.create(
        `${zk.path}/info_`,
        Buffer.from([8, 1]),
        zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
        cb,
      ),
    );
    await promisify<string>((cb) => client.create(`${zk.path}/log_replicas`, cb));

    const log = new ElectionLog();
    const leader = contender(zk, 7);
    log.contend("m7", leader);
    await log.waitFor("m7 elected", isEvent("m7", "elected"));
    const standby = contender(zk, 8, false);
    log.contend("m8", standby);

    // What a third-party client does: list, keep json.info_<seq>, take the lowest, parse JSON.
    const children = await promisify<string[]>((cb) => client.getChildren(zk.path, cb));
    const members = children
      .filter((name) => /^json\.info_\d{10}$/.test(name))
      .sort((a, b) => Number(a.split("_")[1]) - Number(b.split("_")[1]));
    assert.ok(members.length >= 1);
    const data = await promisify<Buffer>((cb) => client.getData(`${zk.path}/${members[0]}`, cb));
    const info = JSON.parse(data.toString("utf8"));
    assert.equal(info.id, "master-7");
    assert.equal(info.pid, "master@127.0.0.7:5050");
    assert.equal(info.ip, 0x0700007f, "ip is the network-order uint32 quirk");
    assert.equal(info.port, 5050);
    assert.equal(info.hostname, "127.0.0.7");
    assert.deepEqual(info.address, { hostname: "127.0.0.7", ip: "127.0.0.7", port: 5050 });
    assert.deepEqual(info.capabilities, [
      { type: "AGENT_UPDATE" },
      { type: "AGENT_DRAINING" },
      { type: "QUOTA_V2" },
    ]);

    // And our detector agrees despite the lower-numbered legacy member.
    const detector = new ZkDetector({ url: zk, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    assert.equal((await detector.detect())?.id, "master-7");
    await detector.close();
    await leader.withdraw();
    await standby.withdraw();
    client.close();
  });

  test("a leader whose session is closed by the server reports lost and rejoins as a standby", async () => {
    const zk = freshUrl();
    const { proxy, log, leader, standby } = await leaderBehindProxy(zk);

    // Another client takes over the leader's session with its id and password and closes it:
    // the server ends the session and deletes its ephemeral node. The leader's traffic is held
    // meanwhile so it cannot take its session back first.
    const session = leader.session;
    assert.ok(session !== undefined);
    const mark = log.entries.length;
    proxy.freeze();
    const thief = await plainClient(zk, {
      sessionId: session.client.getSessionId(),
      sessionPassword: session.client.getSessionPassword(),
    });
    thief.close();
    await log.waitFor("m2 elected", isEvent("m2", "elected"), mark);
    proxy.thaw();

    const lost = await log.waitFor("m1 lost", isEvent("m1", "lost"), mark);
    const entry = log.entries[lost];
    assert.ok(entry?.kind === "contender" && entry.event.type === "lost");
    assert.ok(["session_expired", "connection_lost"].includes(entry.event.reason));
    await rejoinedAsStandby(log, lost, leader, standby);
    await proxy.close();
  });

  test("a partitioned leader stops leading before its session expires and a standby is elected", async () => {
    const zk = freshUrl();
    const { proxy, log, leader, standby } = await leaderBehindProxy(zk);

    const mark = log.entries.length;
    proxy.freeze();
    const elected = await log.waitFor("m2 elected", isEvent("m2", "elected"), mark);
    const lost = log.indexOf(isEvent("m1", "lost"), mark);
    assert.ok(lost >= 0 && lost < elected, `m1 lost (${lost}) before m2 elected (${elected})`);
    const entry = log.entries[lost];
    assert.ok(entry?.kind === "contender" && entry.event.type === "lost");
    assert.equal(entry.event.reason, "connection_lost");

    // Healed, the old leader rejoins as a standby and never leads while m2 does.
    proxy.thaw();
    await rejoinedAsStandby(log, lost, leader, standby);
    await proxy.close();
  });
});

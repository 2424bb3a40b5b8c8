// Election across a three-node ZooKeeper ensemble whose leader is killed (kill -9).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ZkDetector } from "../../../src/zk/detector.ts";
import { ZooKeeperCluster, zooKeeperSkip } from "../../support/zookeeper.ts";
import { ElectionLog, isEvent, testContender, zkUrl } from "./election-log.ts";

// Mesos's default: long enough for the ensemble to elect a new ZooKeeper leader meanwhile.
const SESSION_TIMEOUT_MS = 10_000;
const skip = zooKeeperSkip();
let cluster: ZooKeeperCluster;

before(async () => {
  if (skip.skip === undefined) cluster = await ZooKeeperCluster.start(3);
});
after(async () => {
  await cluster?.stop();
});

describe("ZooKeeper ensemble", skip, () => {
  test("the election survives the ZooKeeper leader being killed", async () => {
    const zk = zkUrl(cluster.url("/tessera-test/ensemble/mesos"));
    const log = new ElectionLog();
    const contenders = [1, 2].map((n) => testContender(zk, n, SESSION_TIMEOUT_MS));
    const [m1, m2] = contenders;
    assert.ok(m1 !== undefined && m2 !== undefined);
    await log.leaderThenStandby(m1, m2);
    const detector = new ZkDetector({ url: zk, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    assert.equal((await detector.detect())?.id, "master-1");

    const zkLeader = await cluster.leaderId();
    assert.ok(zkLeader !== undefined, "the ensemble has a leader");
    await cluster.kill(zkLeader);
    for (const node of cluster.nodes) if (node.id !== zkLeader) await cluster.waitServing(node.id);

    // Exactly one master leads, and a detector (possibly reconnected) names it.
    const leading = contenders.filter((c) => c.leading);
    assert.equal(leading.length, 1, `log: ${JSON.stringify(log.entries)}`);
    const leader = leading[0] === m1 ? "m1" : "m2";
    const other = leader === "m1" ? "m2" : "m1";
    assert.equal((await detector.detect(undefined))?.id, leader === "m1" ? "master-1" : "master-2");

    // The surviving quorum still runs elections: the leader withdraws, the other takes over.
    const mark = log.entries.length;
    await (leader === "m1" ? m1 : m2).withdraw();
    await log.waitFor(`${other} elected`, isEvent(other, "elected"), mark);
    await m1.withdraw();
    await m2.withdraw();
    await detector.close();
  });
});

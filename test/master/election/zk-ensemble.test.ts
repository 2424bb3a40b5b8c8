// Election across a three-node ZooKeeper ensemble whose leader is killed (kill -9).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ZkContender } from "../../../src/master/election/index.ts";
import { ZkDetector } from "../../../src/zk/detector.ts";
import { makeMasterInfo } from "../../../src/zk/master-info.ts";
import { parseZkUrl, type ZkUrl } from "../../../src/zk/url.ts";
import { ZooKeeperCluster, zooKeeperSkip } from "../../support/zookeeper.ts";
import { ElectionLog, isEvent } from "./election-log.ts";

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
    const parsed = parseZkUrl(cluster.url("/tessera-test/ensemble/mesos"));
    assert.ok(parsed.ok);
    const zk: ZkUrl = parsed.url;
    const log = new ElectionLog();
    const contenders = [1, 2].map(
      (n) =>
        new ZkContender({
          url: zk,
          masterInfo: makeMasterInfo({ id: `master-${n}`, ip: `127.0.0.${n}`, port: 5050 }),
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
        }),
    );
    const [m1, m2] = contenders;
    assert.ok(m1 !== undefined && m2 !== undefined);
    log.contend("m1", m1);
    await log.waitFor("m1 elected", isEvent("m1", "elected"));
    log.contend("m2", m2);
    await log.waitFor("m2 standby", isEvent("m2", "standby"));
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

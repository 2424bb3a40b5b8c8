// The pure parts of election: MasterInfo JSON, the json.info_ layout, standalone election.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ContenderEvent } from "../../../src/master/election/index.ts";
import { StandaloneContender, StandaloneDetector } from "../../../src/master/election/index.ts";
import { leaderCandidacy, parseCandidacy } from "../../../src/zk/layout.ts";
import {
  decodeMasterInfo,
  encodeMasterInfo,
  ipv4ToMesosUint32,
  makeMasterInfo,
  mesosUint32ToIpv4,
} from "../../../src/zk/master-info.ts";

describe("MasterInfo in the znode", () => {
  test("the ip field is the network-order uint32 Mesos writes", () => {
    assert.equal(ipv4ToMesosUint32("127.0.0.1"), 16777343);
    assert.equal(ipv4ToMesosUint32("10.0.0.1"), 16777226);
    assert.equal(mesosUint32ToIpv4(16777226), "10.0.0.1");
    assert.equal(ipv4ToMesosUint32("256.0.0.1"), undefined);
    assert.equal(ipv4ToMesosUint32("::1"), undefined);
  });

  test("a master's info is encoded as Mesos's snake_case JSON and read back", () => {
    const info = makeMasterInfo({
      id: "m1",
      ip: "10.0.0.1",
      port: 5050,
      hostname: "m1",
      version: "1.11.0",
    });
    const json = JSON.parse(encodeMasterInfo(info).toString("utf8"));
    assert.deepEqual(json, {
      id: "m1",
      ip: 16777226,
      port: 5050,
      pid: "master@10.0.0.1:5050",
      hostname: "m1",
      version: "1.11.0",
      address: { hostname: "m1", ip: "10.0.0.1", port: 5050 },
      capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
    });
    const back = decodeMasterInfo(encodeMasterInfo(info));
    assert.ok(back.ok);
    assert.deepEqual(back.info, info);
  });

  test("a znode a real Mesos master wrote is read", () => {
    const mesos = Buffer.from(
      '{"address":{"hostname":"m1","ip":"10.0.0.1","port":5050},"capabilities":[{"type":"AGENT_UPDATE"}],"hostname":"m1","id":"abc","ip":16777226,"pid":"master@10.0.0.1:5050","port":5050,"version":"1.11.0"}',
    );
    const read = decodeMasterInfo(mesos);
    assert.ok(read.ok);
    assert.equal(read.info.pid, "master@10.0.0.1:5050");
  });

  test("garbage data is reported, not thrown", () => {
    for (const data of [Buffer.alloc(0), Buffer.from([8, 1, 2]), Buffer.from('{"id":1}')]) {
      const read = decodeMasterInfo(data);
      assert.ok(!read.ok);
      assert.equal(read.error.code, "bad_master_info");
    }
  });
});

describe("the json.info_ layout", () => {
  test("the lowest json.info_ sequence leads; other children are ignored", () => {
    const children = [
      "log_replicas",
      "info_0000000000",
      "json.info_0000000012",
      "json.info_0000000003",
      "json.info_abc",
      "json.info_0000000007",
    ];
    assert.equal(leaderCandidacy(children)?.name, "json.info_0000000003");
    assert.equal(leaderCandidacy(["log_replicas", "info_0000000001"]), undefined);
    assert.equal(leaderCandidacy([]), undefined);
  });

  test("sequences are compared as numbers, within int32", () => {
    assert.equal(parseCandidacy("json.info_0000000010")?.sequence, 10);
    assert.equal(parseCandidacy("json.info_9999999999"), undefined);
    assert.equal(leaderCandidacy(["json.info_10", "json.info_0000000009"])?.sequence, 9);
  });
});

describe("standalone election", () => {
  test("the only contender is elected at once and loses only by withdrawing", async () => {
    const events: ContenderEvent[] = [];
    const contender = new StandaloneContender();
    contender.contend((event) => events.push(event));
    assert.equal(contender.leading, true);
    await contender.withdraw();
    assert.deepEqual(
      events.map((e) => e.type),
      ["elected", "lost"],
    );
    assert.equal(contender.leading, false);
  });

  test("a standalone detector reports the appointed leader and its changes", async () => {
    const m1 = makeMasterInfo({ id: "m1", ip: "10.0.0.1", port: 5050 });
    const m2 = makeMasterInfo({ id: "m2", ip: "10.0.0.2", port: 5050 });
    const detector = new StandaloneDetector(m1);
    assert.equal((await detector.detect())?.id, "m1");
    const next = detector.detect(m1);
    detector.appoint(m2);
    assert.equal((await next)?.id, "m2");
    const none = detector.detect(m2);
    detector.appoint(undefined);
    assert.equal(await none, undefined);
    await detector.close();
  });
});

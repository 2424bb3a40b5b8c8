// `GET /master/masters` on a standalone master (no --zk): the master alone is the leader, with
// no standbys. The ZooKeeper case (three masters, a leader kill) is test/ha/masters.test.ts.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import { startTestMaster } from "./helpers.ts";

let master: RunningMaster | undefined;
after(async () => {
  await master?.close();
});

test("a standalone master lists itself as the leader and no standbys", async () => {
  master = await startTestMaster();
  const reply = await fetch(`${master.url}/master/masters`);
  assert.equal(reply.status, 200);
  const body = (await reply.json()) as {
    leader?: { id: string };
    standbys: unknown[];
    self_id: string;
  };
  assert.equal(body.leader?.id, master.masterInfo.id);
  assert.deepEqual(body.standbys, []);
  assert.equal(body.self_id, master.masterInfo.id);
});

// --rate_limits on the scheduler API (reference §6): a principal's calls beyond its qps wait
// their turn, and past `capacity` waiting calls the next is dropped with Mesos's message;
// principals not listed are not held back when there is no aggregate default.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import { type SecureScheduler, startSecureMaster, subscribeAs } from "./security-fixture.ts";

const info = (user: string) => ({
  user,
  name: user,
  roles: ["web"],
  capabilities: [{ type: "MULTI_ROLE" }],
});

describe("scheduler calls under --rate_limits", () => {
  let master: RunningMaster;
  let alice: SecureScheduler;
  let bob: SecureScheduler;
  before(async () => {
    master = await startSecureMaster({
      rate_limits: JSON.stringify({ limits: [{ principal: "alice", qps: 0.5, capacity: 1 }] }),
    });
    alice = await subscribeAs(master, "alice", info("alice"));
    bob = await subscribeAs(master, "bob", info("bob"));
  });
  after(async () => {
    alice.close();
    bob.close();
    await master.close();
  });

  it("beyond qps a call waits; past capacity it is dropped with Mesos's message", async () => {
    const started = Date.now();
    const answers = await Promise.all([1, 2, 3].map(() => alice.call({ type: "REVIVE" })));
    const statuses = answers.map((a) => a.status);
    assert.deepEqual(statuses, [202, 202, 503], JSON.stringify(answers));
    assert.equal(answers[2]?.body, "Message scheduler::Call REVIVE dropped: capacity(1) exceeded");
    // The second call waited its turn: two seconds at 0.5 qps (slow enough that the three
    // calls arrive within one interval even on a loaded machine).
    assert.ok(Date.now() - started >= 1500, `${Date.now() - started} ms`);
  });

  it("a principal without a limit is not held back", async () => {
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => bob.call({ type: "REVIVE" })));
    assert.deepEqual(
      answers.map((a) => a.status),
      [202, 202, 202, 202, 202],
    );
  });
});

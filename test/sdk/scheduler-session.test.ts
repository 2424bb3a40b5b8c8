import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Backoff } from "../../src/sdk/backoff.ts";
import {
  MAX_REDIRECTS_IN_A_ROW,
  SchedulerSession,
  schedulerEndpoint,
} from "../../src/sdk/scheduler-session.ts";

describe("reconnect backoff", () => {
  test("delays grow exponentially, stay within [cap/2, cap] and never pass the maximum", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, initialMs) => {
        const maxMs = initialMs * 50;
        const backoff = new Backoff({ initialMs, maxMs, seed });
        for (let i = 0; i < 40; i++) {
          const capMs = Math.min(maxMs, initialMs * 2 ** i);
          const delayMs = backoff.next();
          assert.ok(delayMs >= Math.floor(capMs / 2) && delayMs <= capMs, `${delayMs} vs ${capMs}`);
        }
      }),
    );
  });

  test("the same seed gives the same delays, and reset starts again from the first", () => {
    const a = new Backoff({ initialMs: 100, maxMs: 10_000, seed: 7 });
    const b = new Backoff({ initialMs: 100, maxMs: 10_000, seed: 7 });
    const first = [a.next(), a.next(), a.next()];
    assert.deepEqual(first, [b.next(), b.next(), b.next()]);
    a.reset();
    assert.equal(a.attempts, 0);
    assert.ok(a.next() <= 100);
  });
});

describe("the scheduler session", () => {
  test("a base URL becomes the scheduler endpoint under it", () => {
    assert.equal(schedulerEndpoint("http://m:5050"), "http://m:5050/api/v1/scheduler");
    assert.equal(
      schedulerEndpoint("http://m:5050/master/"),
      "http://m:5050/master/api/v1/scheduler",
    );
    assert.equal(
      schedulerEndpoint("http://m:5050/api/v1/scheduler"),
      "http://m:5050/api/v1/scheduler",
    );
  });

  test("subscribing then SUBSCRIBED makes the session subscribed with the master's framework id", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"] });
    assert.equal(s.phase, "disconnected");
    s.beginSubscribe();
    assert.equal(s.phase, "subscribing");
    assert.deepEqual(s.onSubscribeAnswer({ kind: "stream", streamId: "st-1" }), {
      kind: "read_stream",
    });
    assert.equal(s.streamId, "st-1");
    assert.deepEqual(s.onSubscribed("fw-1", 15, 1_000), { resubscribed: false });
    assert.equal(s.phase, "subscribed");
    assert.equal(s.frameworkId, "fw-1");
  });

  test("a protocol-relative 307 is followed at once with the same scheme, until too many in a row", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"] });
    for (let i = 0; i < MAX_REDIRECTS_IN_A_ROW; i++) {
      s.beginSubscribe();
      const action = s.onSubscribeAnswer({
        kind: "redirect",
        location: "//b:5051/master/api/v1/scheduler",
      });
      assert.equal(action.kind, "retry");
      assert.equal(action.kind === "retry" && action.delayMs, 0);
      assert.equal(s.endpoint, "http://b:5051/master/api/v1/scheduler");
    }
    s.beginSubscribe();
    const last = s.onSubscribeAnswer({ kind: "redirect", location: "//b:5051/api/v1/scheduler" });
    assert.ok(last.kind === "retry" && last.delayMs > 0);
    assert.equal(s.endpoint, "http://a:5050/api/v1/scheduler");
  });

  test("an unreachable master moves on to the next configured one, with a backoff", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050", "http://b:5050"] });
    s.beginSubscribe();
    const action = s.onSubscribeAnswer({ kind: "unreachable", message: "ECONNREFUSED" });
    assert.ok(action.kind === "retry" && action.delayMs > 0);
    assert.equal(s.endpoint, "http://b:5050/api/v1/scheduler");
    s.beginSubscribe();
    s.onSubscribeAnswer({ kind: "unreachable", message: "ECONNREFUSED" });
    assert.equal(s.endpoint, "http://a:5050/api/v1/scheduler");
  });

  test("503 retries with growing delays and a 4xx gives up for good", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"], backoffInitialMs: 100, seed: 3 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.beginSubscribe();
      const a = s.onSubscribeAnswer({ kind: "unavailable", message: "No leader elected" });
      assert.equal(a.kind, "retry");
      if (a.kind === "retry") delays.push(a.delayMs);
    }
    assert.ok((delays[3] as number) > 100);
    s.beginSubscribe();
    const fail = s.onSubscribeAnswer({ kind: "rejected", status: 400, message: "bad call" });
    assert.equal(fail.kind, "give_up");
    assert.equal(s.phase, "stopped");
  });
});

describe("the scheduler session: liveness, reconnects and acknowledgements", () => {
  test("a silent stream expires after the allowed missed heartbeats; any event keeps it alive", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"], missedHeartbeatsMax: 2 });
    s.beginSubscribe();
    s.onSubscribeAnswer({ kind: "stream", streamId: "x" });
    s.onSubscribed("fw", 15, 0);
    assert.equal(s.heartbeatDeadlineMs, 45_000);
    assert.equal(s.heartbeatExpired(44_999), false);
    s.onEvent(30_000);
    assert.equal(s.heartbeatExpired(45_000), false);
    assert.equal(s.heartbeatExpired(75_000), true);
  });

  test("after a disconnect the session resubscribes with its framework id and forgets the stream id", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"] });
    s.beginSubscribe();
    s.onSubscribeAnswer({ kind: "stream", streamId: "x" });
    s.onSubscribed("fw-9", 15, 0);
    const action = s.onDisconnected("stream ended");
    assert.ok(action.kind === "retry" && action.delayMs > 0);
    assert.equal(s.streamId, undefined);
    assert.equal(s.frameworkId, "fw-9");
    s.beginSubscribe();
    s.onSubscribeAnswer({ kind: "stream", streamId: "y" });
    assert.deepEqual(s.onSubscribed("fw-9", 15, 10), { resubscribed: true });
    assert.equal(s.subscriptionCount, 2);
  });

  test("a subscription that answers another framework id is a bug", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"], frameworkId: "fw-1" });
    s.beginSubscribe();
    s.onSubscribeAnswer({ kind: "stream", streamId: "x" });
    assert.throws(() => s.onSubscribed("fw-2", 15, 0));
  });

  test("owed acknowledgements are kept once each until the master took them", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"] });
    const ack = { agentId: "S0", taskId: "t1", uuid: "AAAAAAAAAAAAAAAAAAAAAA==" };
    s.owe(ack);
    s.owe({ ...ack });
    assert.equal(s.pendingAcknowledgements.length, 1);
    s.acknowledged(ack);
    assert.equal(s.pendingAcknowledgements.length, 0);
  });

  test("a stopped session neither subscribes nor reconnects", () => {
    const s = new SchedulerSession({ masters: ["http://a:5050"] });
    s.stop();
    assert.equal(s.onDisconnected("x").kind, "give_up");
    assert.throws(() => s.beginSubscribe());
  });
});

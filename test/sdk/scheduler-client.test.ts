// The SchedulerClient shell against a scripted scheduler endpoint (fake-master.ts) on real
// sockets: subscription, calls with the stream id, acknowledgements, redirects, reconnects.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { commandTask, RemainingOffer } from "../../src/sdk/offer-matching.ts";
import { SchedulerClient, type SchedulerClientOptions } from "../../src/sdk/scheduler-client.ts";
import type { SchedulerCall } from "../../src/wire/scheduler.ts";
import { type FakeMaster, offerEvent, startFakeMaster, updateEvent, uuid } from "./fake-master.ts";

const started: { stop(): Promise<void> }[] = [];
after(async () => {
  for (const s of started) await s.stop();
});

function client(master: string | string[], extra: Partial<SchedulerClientOptions> = {}) {
  const c = new SchedulerClient({
    master,
    frameworkInfo: { user: "tester", name: "sdk test", failover_timeout: 60 },
    backoffInitialMs: 10,
    backoffMaxMs: 50,
    ...extra,
  });
  started.push(c);
  return c;
}

function onMaster(m: FakeMaster) {
  started.push({ stop: () => m.close() });
  return m;
}

const isAck = (taskId: string) => (c: SchedulerCall) =>
  c.type === "ACKNOWLEDGE" && c.acknowledge?.task_id.value === taskId;

describe("the scheduler client", () => {
  test("subscribes, launches into an offer with the stream id, and acknowledges updates with a uuid", async () => {
    const master = onMaster(await startFakeMaster());
    const c = client(master.url);
    const seen: string[] = [];
    c.on("offers", async (offers) => {
      const offer = offers[0]!;
      const taken = new RemainingOffer(offer).take({ cpus: 1, memMb: 128, ports: 1 })!;
      const task = commandTask({
        id: "t1",
        agentId: offer.agent_id.value,
        cmd: "true",
        resources: taken.resources,
      });
      const result = await c.launch([offer.id.value], [task]);
      assert.deepEqual(result, { ok: true });
    });
    c.on("update", (status) => {
      seen.push(`${status.task_id.value}:${status.state}`);
    });
    void c.start();
    await master.waitForSubscription(1);
    master.send(offerEvent("O1"));
    const accept = await master.waitForCall((call) => call.type === "ACCEPT");
    assert.equal(accept.framework_id?.value, "fw-0");
    assert.equal(accept.accept?.operations?.[0]?.launch?.task_infos?.[0]?.task_id.value, "t1");
    const streamIds = master.calls
      .filter((x) => x.call.type !== "SUBSCRIBE")
      .map((x) => x.streamId);
    assert.deepEqual(streamIds, [master.stream()?.streamId]);

    // An update from the master (no uuid) is not acknowledged; an agent's one is.
    master.send(updateEvent("t0", "TASK_LOST"));
    master.send(updateEvent("t1", "TASK_FINISHED", uuid(1)));
    const ack = await master.waitForCall(isAck("t1"));
    assert.equal(ack.acknowledge?.uuid, uuid(1));
    assert.equal(ack.acknowledge?.agent_id.value, "S0");
    assert.deepEqual(seen, ["t0:TASK_LOST", "t1:TASK_FINISHED"]);
    assert.equal(master.calls.filter((x) => isAck("t0")(x.call)).length, 0);
    await c.stop();
  });

  test("with auto-acknowledgement off, nothing is acknowledged until the author does", async () => {
    const master = onMaster(await startFakeMaster());
    const c = client(master.url, { autoAcknowledge: false });
    c.on("update", async (status) => {
      if (status.state === "TASK_RUNNING") return;
      await c.acknowledge(status);
    });
    void c.start();
    await master.waitForSubscription(1);
    master.send(updateEvent("a", "TASK_RUNNING", uuid(2)));
    master.send(updateEvent("b", "TASK_FINISHED", uuid(3)));
    await master.waitForCall(isAck("b"));
    assert.equal(master.calls.filter((x) => isAck("a")(x.call)).length, 0);
    await c.stop();
  });

  test("a non-leading master's protocol-relative 307 leads the client to the leader", async () => {
    const leader = onMaster(await startFakeMaster());
    const follower = onMaster(await startFakeMaster());
    follower.view = { kind: "following", leader: { hostname: "127.0.0.1", port: leader.port } };
    const c = client(follower.url);
    void c.start();
    await leader.waitForSubscription(1);
    assert.equal(c.endpoint, `${leader.url}/api/v1/scheduler`);
    assert.equal(follower.requests, 1);
    await c.stop();
  });

  test("503 answers are retried until a leader is elected", async () => {
    const master = onMaster(await startFakeMaster());
    master.view = { kind: "no_leader" };
    const c = client(master.url);
    const subscribed = new Promise((resolve) => c.on("subscribed", resolve));
    void c.start();
    await master.waitForRequests(2);
    master.view = { kind: "leading", recovered: true };
    await subscribed;
    assert.equal(c.phase, "subscribed");
    await c.stop();
  });
});

describe("the scheduler client across restarts, silences and errors", () => {
  test("after the master restarts, the client resubscribes with its framework id and keeps acknowledging", async () => {
    const ids = { next: 0 };
    const first = await startFakeMaster(0, ids);
    const c = client(first.url);
    const subscribed: boolean[] = [];
    c.on("subscribed", (e) => {
      subscribed.push(e.resubscribed);
    });
    void c.start();
    await first.waitForSubscription(1);
    first.send(updateEvent("t1", "TASK_RUNNING", uuid(4)));
    await first.waitForCall(isAck("t1"));
    const port = first.port;
    await first.close();

    const second = onMaster(await startFakeMaster(port, ids));
    await second.waitForSubscription(1);
    const resubscribe = second.calls[0]!.call;
    assert.equal(resubscribe.framework_id?.value, "fw-0");
    assert.equal(resubscribe.subscribe?.framework_info.id?.value, "fw-0");
    second.send(updateEvent("t1", "TASK_FINISHED", uuid(5)));
    const ack = await second.waitForCall(isAck("t1"));
    assert.equal(ack.acknowledge?.uuid, uuid(5));
    assert.deepEqual(subscribed, [false, true]);
    assert.equal(c.frameworkId, "fw-0");
    await c.stop();
  });

  test("a stream that stays silent past the missed heartbeats is dropped and resubscribed", async () => {
    const master = onMaster(await startFakeMaster());
    master.heartbeatIntervalSeconds = 0.05;
    const c = client(master.url, { missedHeartbeatsMax: 0 });
    const reasons: string[] = [];
    c.on("disconnected", (reason) => {
      reasons.push(reason);
    });
    void c.start();
    await master.waitForSubscription(2);
    assert.ok(reasons.length >= 1);
    await c.stop();
  });

  test("an ERROR event stops the client for good", async () => {
    const master = onMaster(await startFakeMaster());
    const c = client(master.url);
    const done = c.start();
    await master.waitForSubscription(1);
    master.send({ type: "ERROR", error: { message: "Framework has been removed" } });
    assert.deepEqual(await done, { code: "ERROR_EVENT", message: "Framework has been removed" });
    assert.equal(c.phase, "stopped");
    assert.equal((await c.decline(["O1"])).ok, false);
  });

  test("after subscribing, known tasks are reconciled and resent until each got an update", async () => {
    const master = onMaster(await startFakeMaster());
    const c = client(master.url, {
      reconcile: {
        tasks: () => [{ taskId: "a", agentId: "S0" }, { taskId: "b" }],
        initialDelayMs: 5,
      },
    });
    void c.start();
    const isReconcileOf = (names: string) => (call: SchedulerCall) =>
      call.type === "RECONCILE" &&
      (call.reconcile?.tasks ?? []).map((t) => t.task_id.value).join(",") === names;
    await master.waitForCall(isReconcileOf("a,b"));
    master.send(updateEvent("a", "TASK_RUNNING"));
    await master.waitForCall(isReconcileOf("b"));
    await c.stop();
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Harness, commandTask as task, withOffer } from "./harness.ts";

describe("framework subscription", () => {
  it("a new framework gets an id <masterId>-0000, SUBSCRIBED with heartbeat 15 and then a HEARTBEAT", () => {
    const h = new Harness();
    const { frameworkId, streamId } = h.subscribe();
    assert.equal(frameworkId, "M-0000");
    const events = h.frameworkEvents(streamId);
    assert.deepEqual(
      events.map((e) => e.type),
      ["SUBSCRIBED", "HEARTBEAT"],
    );
    assert.equal(events[0]?.subscribed?.heartbeat_interval_seconds, 15);
    assert.equal(events[0]?.subscribed?.master_info?.id, "M");
  });

  it("resubscribing with the same id on a new stream fails the old stream over with ERROR 'Framework failed over'", () => {
    const h = new Harness();
    const first = h.subscribe({ failover_timeout: 60 });
    const second = h.subscribe({ id: { value: first.frameworkId }, failover_timeout: 60 });
    assert.equal(second.frameworkId, first.frameworkId);
    const old = h.frameworkEvents(first.streamId);
    assert.deepEqual(old.at(-1), { type: "ERROR", error: { message: "Framework failed over" } });
    assert.ok(h.closedStreams.has(first.streamId));
    assert.deepEqual(
      h.frameworkEvents(second.streamId).map((e) => e.type),
      ["SUBSCRIBED", "HEARTBEAT"],
    );
    // Calls on the old stream are refused.
    const reply = h.call(first.streamId, first.frameworkId, { type: "REVIVE" });
    assert.equal(
      reply?.kind === "reply" && !reply.reply.ok && reply.reply.error.code,
      "stream_id_mismatch",
    );
  });

  it("an invalid FrameworkInfo gets a single ERROR on the stream, which is closed, and no framework is added", () => {
    const h = new Harness();
    const { streamId } = h.subscribe({ role: "-bad" });
    const events = h.frameworkEvents(streamId);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, "ERROR");
    assert.ok(h.closedStreams.has(streamId));
    assert.equal(h.master.snapshot(h.nowMs).frameworks.length, 0);
  });

  it("a framework that resubscribes within failover_timeout keeps its tasks and id", () => {
    const h = new Harness();
    const fw = h.subscribe({ failover_timeout: 10 });
    h.step({ kind: "scheduler_stream_closed", streamId: fw.streamId });
    assert.equal(h.master.snapshot(h.nowMs).frameworks[0]?.connection, "disconnected");
    h.advance(9_000);
    const back = h.subscribe({ id: { value: fw.frameworkId }, failover_timeout: 10 });
    assert.equal(back.frameworkId, fw.frameworkId);
    h.advance(5_000);
    assert.equal(h.master.snapshot(h.nowMs).frameworks[0]?.connection, "connected");
    assert.equal(h.master.snapshot(h.nowMs).completedFrameworks.length, 0);
  });

  it("a framework not back within failover_timeout is removed, and resubscribing then gets 'Framework has been removed'", () => {
    const h = new Harness();
    const fw = h.subscribe({ failover_timeout: 10 });
    h.step({ kind: "scheduler_stream_closed", streamId: fw.streamId });
    h.advance(10_000);
    const snap = h.master.snapshot(h.nowMs);
    assert.equal(snap.frameworks.length, 0);
    assert.equal(snap.completedFrameworks[0]?.id, fw.frameworkId);
    const again = h.subscribe({ id: { value: fw.frameworkId } });
    assert.deepEqual(h.frameworkEvents(again.streamId), [
      { type: "ERROR", error: { message: "Framework has been removed" } },
    ]);
  });

  it("calls from an unknown framework are refused with framework_not_found, from a disconnected one with not_subscribed", () => {
    const h = new Harness();
    const unknown = h.call("s", "nope", { type: "REVIVE" });
    assert.equal(
      unknown?.kind === "reply" && !unknown.reply.ok && unknown.reply.error.message,
      "Framework cannot be found",
    );
    const fw = h.subscribe({ failover_timeout: 100 });
    h.step({ kind: "scheduler_stream_closed", streamId: fw.streamId });
    const reply = h.call(fw.streamId, fw.frameworkId, { type: "REVIVE" });
    assert.equal(
      reply?.kind === "reply" && !reply.reply.ok && reply.reply.error.code,
      "not_subscribed",
    );
  });

  it("TEARDOWN removes the framework, kills its tasks as TASK_KILLED and shuts it down on agents", () => {
    const { h, agent, fw, offer } = withOffer();
    h.launch(fw, [offer.id], [task("t1", agent.agentId)]);
    const reply = h.call(fw.streamId, fw.frameworkId, { type: "TEARDOWN" });
    assert.deepEqual(reply?.kind === "reply" && reply.reply, { ok: true, status: 202 });
    const snap = h.master.snapshot(h.nowMs);
    assert.equal(snap.frameworks.length, 0);
    assert.equal(snap.completedTasks[0]?.state, "TASK_KILLED");
    assert.ok(h.agentEventsOn(agent.streamId).some((e) => e.type === "SHUTDOWN_FRAMEWORK"));
    assert.ok(h.closedStreams.has(fw.streamId));
  });

  it("UPDATE_FRAMEWORK rejects a changed user with 400 and applies a new name with 200", () => {
    const h = new Harness();
    const fw = h.subscribe();
    const bad = h.call(fw.streamId, fw.frameworkId, {
      type: "UPDATE_FRAMEWORK",
      update_framework: {
        framework_info: { user: "other", name: "fw", id: { value: fw.frameworkId } } as never,
      },
    });
    assert.equal(
      bad?.kind === "reply" && !bad.reply.ok && bad.reply.error.code,
      "invalid_framework_info",
    );
    const good = h.call(fw.streamId, fw.frameworkId, {
      type: "UPDATE_FRAMEWORK",
      update_framework: {
        framework_info: { user: "u", name: "renamed", id: { value: fw.frameworkId } } as never,
      },
    });
    assert.deepEqual(good?.kind === "reply" && good.reply, { ok: true, status: 200 });
    assert.equal(h.master.snapshot(h.nowMs).frameworks[0]?.info.name, "renamed");
  });
});

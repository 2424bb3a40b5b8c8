import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { subscribe } from "../../src/http/client.ts";
import type { EventStream, EventStreamCloseReason } from "../../src/http/event-stream.ts";
import type { RunningServer } from "./raw-http.ts";
import {
  ManualTimer,
  type SchedulerLikeEndpoint,
  SUBSCRIBE_CALL,
  startSchedulerLike,
} from "./v1-endpoint.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SLOW_CONSUMER_LIMIT_BYTES = 256 * 1024;

function closed(stream: EventStream): Promise<EventStreamCloseReason> {
  return new Promise((resolve) => stream.onClose(resolve));
}

async function openSubscription(running: RunningServer, endpoint: SchedulerLikeEndpoint) {
  const opened = endpoint.nextStream();
  const sub = await subscribe(`${running.base}/api/v1/scheduler`, SUBSCRIBE_CALL);
  assert.ok(sub.ok, "subscribe refused");
  const stream = await opened;
  return { sub, stream, events: sub.events[Symbol.asyncIterator]() };
}

// One endpoint for the two suites below, heartbeats driven by hand.
let running: RunningServer;
let endpoint: SchedulerLikeEndpoint;
const timer = new ManualTimer();

before(async () => {
  ({ running, endpoint } = await startSchedulerLike(
    {},
    { heartbeatTimer: timer, maxBufferedBytes: SLOW_CONSUMER_LIMIT_BYTES },
  ));
});
after(() => running.close());

describe("RecordIO event streams", () => {
  test("a subscription answers 200 with JSON, a UUID Mesos-Stream-Id, chunked, and records in order", async () => {
    const { sub, stream, events } = await openSubscription(running, endpoint);
    assert.equal(sub.headers["content-type"], "application/json");
    assert.equal(sub.headers["transfer-encoding"], "chunked");
    assert.equal(sub.headers["content-length"], undefined);
    assert.match(sub.streamId ?? "", UUID);
    assert.equal(sub.streamId, stream.streamId);

    assert.equal(((await events.next()).value as { type: string }).type, "SUBSCRIBED");
    assert.deepEqual((await events.next()).value, { type: "HEARTBEAT" });
    for (let i = 0; i < 100; i++)
      stream.send(JSON.stringify({ type: "MESSAGE", n: i, pad: "é".repeat(i) }));
    for (let i = 0; i < 100; i++) {
      const event = (await events.next()).value as { n: number; pad: string };
      assert.equal(event.n, i);
      assert.equal(event.pad, "é".repeat(i));
    }
    sub.close();
    assert.equal(await closed(stream), "client_disconnected");
  });

  test("every subscription gets its own stream id", async () => {
    const a = await openSubscription(running, endpoint);
    const b = await openSubscription(running, endpoint);
    assert.notEqual(a.sub.streamId, b.sub.streamId);
    a.sub.close();
    b.sub.close();
    await Promise.all([closed(a.stream), closed(b.stream)]);
  });

  test("heartbeats arrive right after the first record and then on every timer tick", async () => {
    const { sub, stream, events } = await openSubscription(running, endpoint);
    assert.equal(timer.intervalMs, 15_000);
    await events.next(); // SUBSCRIBED
    assert.deepEqual((await events.next()).value, { type: "HEARTBEAT" });
    timer.fire();
    assert.deepEqual((await events.next()).value, { type: "HEARTBEAT" });
    timer.fire();
    assert.deepEqual((await events.next()).value, { type: "HEARTBEAT" });
    sub.close();
    await closed(stream);
  });

  test("a client going away fires onClose, stops heartbeats and forgets the stream", async () => {
    const activeBefore = timer.active;
    const { sub, stream, events } = await openSubscription(running, endpoint);
    await events.next();
    assert.equal(timer.active, activeBefore + 1);
    assert.equal(running.server.openStreams, 1);
    sub.close();
    assert.equal(await closed(stream), "client_disconnected");
    assert.equal(stream.isOpen, false);
    assert.equal(stream.send('{"type":"HEARTBEAT"}'), false);
    assert.equal(timer.active, activeBefore);
    assert.equal(running.server.openStreams, 0);
  });

  test("a record sent in parts goes out a part at a time: whole, and `written` once the last is handed over", async () => {
    const { sub, stream, events } = await openSubscription(running, endpoint);
    await events.next(); // SUBSCRIBED
    await events.next(); // HEARTBEAT
    const pad = "é".repeat(100_000);
    const parts = ['{"type":"MESSAGE","pad":"', pad, pad, pad, '"}'];
    const bytes = parts.reduce((n, part) => n + Buffer.byteLength(part), 0);
    let written = false;
    assert.equal(
      stream.sendParts(parts, bytes, () => {
        written = true;
      }),
      true,
    );
    // Past the socket's buffer after the first large part: the rest waits for it to drain.
    assert.equal(written, false);
    const event = (await events.next()).value as { type: string; pad: string };
    assert.equal(event.type, "MESSAGE");
    assert.equal(event.pad, pad.repeat(3));
    assert.equal(written, true);
    sub.close();
    await closed(stream);
  });

  test("close() ends the response cleanly: the client reads every record, then the end", async () => {
    const { stream, events } = await openSubscription(running, endpoint);
    stream.send('{"type":"MESSAGE"}');
    stream.close();
    const types: string[] = [];
    for (;;) {
      const next = await events.next();
      if (next.done) break;
      types.push((next.value as { type: string }).type);
    }
    assert.deepEqual(types, ["SUBSCRIBED", "HEARTBEAT", "MESSAGE"]);
    assert.equal(stream.closedBecause, "closed");
  });
});

describe("RecordIO event streams: limits and shutdown", () => {
  test("a consumer that stops reading is disconnected once its backlog passes the limit", async () => {
    const opened = endpoint.nextStream();
    const socket = connect(running.port, "127.0.0.1");
    await once(socket, "connect");
    socket.pause(); // never read: the kernel buffers fill, then Node's
    socket.write(
      `POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(SUBSCRIBE_CALL)}\r\n\r\n${SUBSCRIBE_CALL}`,
    );
    const stream = await opened;
    const reason = closed(stream);
    const record = JSON.stringify({ type: "MESSAGE", pad: "p".repeat(64 * 1024) });
    let sent = 0;
    while (stream.send(record)) {
      sent += 1;
      assert.ok(sent < 10_000, "never disconnected");
      assert.ok(stream.bufferedBytes <= SLOW_CONSUMER_LIMIT_BYTES + record.length + 64);
    }
    assert.equal(await reason, "slow_consumer");
    assert.equal(stream.send(record), false);
    socket.destroy();
  });

  test("a record larger than the limit does not make the records right after it look slow", async () => {
    const { stream, events } = await openSubscription(running, endpoint);
    assert.equal(((await events.next()).value as { type: string }).type, "SUBSCRIBED");
    const big = "b".repeat(SLOW_CONSUMER_LIMIT_BYTES * 3);
    assert.equal(stream.send(JSON.stringify({ type: "BIG", pad: big })), true);
    // Sent at once, with the big record still in the backlog (as HEARTBEAT after SUBSCRIBED).
    assert.equal(stream.send(JSON.stringify({ type: "SMALL" })), true);
    const seen: string[] = [];
    while (seen.length < 3) {
      const e = await events.next();
      if (e.done) break;
      seen.push((e.value as { type: string }).type);
    }
    assert.deepEqual(seen, ["HEARTBEAT", "BIG", "SMALL"]);
    assert.equal(stream.isOpen, true);
    stream.close();
  });

  test("closing the server ends every open stream, and the clients see a clean end", async () => {
    const { running: local, endpoint: localEndpoint } = await startSchedulerLike(
      {},
      { heartbeatTimer: new ManualTimer() },
    );
    const a = await openSubscription(local, localEndpoint);
    const b = await openSubscription(local, localEndpoint);
    await local.close();
    assert.equal(await closed(a.stream), "server_closing");
    assert.equal(await closed(b.stream), "server_closing");
    for (const { events } of [a, b]) {
      let count = 0;
      for (;;) {
        const next = await events.next();
        if (next.done) break;
        count += 1;
      }
      assert.equal(count, 2); // SUBSCRIBED and the first HEARTBEAT, then the end
    }
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postCall, request, subscribe } from "../../src/http/client.ts";
import { response, streamReply } from "../../src/http/response.ts";
import type { HttpServer } from "../../src/http/server.ts";
import { RecordIoStreamError } from "../../src/wire/recordio.ts";
import type { RunningServer } from "./raw-http.ts";
import { type SchedulerLikeEndpoint, SUBSCRIBE_CALL, startSchedulerLike } from "./v1-endpoint.ts";

// The one v1 client, as the agent, the SDK, the CLI and the other tests use it.

/** Routes that answer in ways the client must cope with. */
function clientRoutes(server: HttpServer): void {
  server.route({
    name: "echo-headers",
    methods: ["POST"],
    handler: (req) =>
      response(200, JSON.stringify(req.headers), {
        "X-Seen": String(req.headers["mesos-stream-id"] ?? ""),
      }),
  });
  server.route({
    name: "echo-request",
    methods: ["GET", "PUT", "DELETE"],
    handler: (req) =>
      response(
        200,
        JSON.stringify({ method: req.method, headers: req.headers, body: String(req.body) }),
      ),
  });
  server.route({
    name: "broken-stream",
    methods: ["POST"],
    handler: () =>
      streamReply({ streamId: false }, (stream) => {
        stream.send('{"type":"HEARTBEAT"}');
        // Corrupt framing after one good record, written behind the stream's back.
        (stream as unknown as { res: { write(s: string): void } }).res.write("x\n");
        stream.close();
      }),
  });
  server.route({
    name: "split-stream",
    methods: ["POST"],
    handler: () =>
      streamReply({ streamId: false }, (stream) => {
        // Records cut at every byte, and two records in one write.
        const raw = (stream as unknown as { res: { write(s: string): void } }).res;
        for (const ch of '20\n{"type":"HEARTBEAT"}') raw.write(ch);
        raw.write('10\n{"n":"é"}9\n{"n":"2"}');
        stream.close();
      }),
  });
  server.route({
    name: "dropped-stream",
    methods: ["POST"],
    handler: () =>
      streamReply({ streamId: false }, (stream) => {
        stream.send('{"type":"HEARTBEAT"}');
        const raw = stream as unknown as { res: { socket: { destroy(): void } } };
        setTimeout(() => raw.res.socket.destroy(), 20);
      }),
  });
  server.route({
    name: "endless-stream",
    methods: ["POST"],
    handler: () =>
      streamReply({ streamId: false }, (stream) => {
        stream.send('{"type":"HEARTBEAT"}');
      }),
  });
}

describe("the v1 client", () => {
  let running: RunningServer;
  let endpoint: SchedulerLikeEndpoint;

  before(async () => {
    ({ running, endpoint } = await startSchedulerLike({ prefix: "/master" }, {}, clientRoutes));
  });
  after(() => running.close());

  test("postCall sends JSON with the given headers and returns status, headers and body", async () => {
    const res = await postCall(`${running.base}/echo-headers`, "{}", {
      headers: { "Mesos-Stream-Id": "s-1" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers["x-seen"], "s-1");
    const seen = JSON.parse(res.body) as Record<string, string>;
    assert.equal(seen["content-type"], "application/json");
    assert.equal(seen.accept, "application/json");
  });

  test("postCall does not follow a redirect to the leader", async () => {
    endpoint.view = { kind: "following", leader: { hostname: "127.0.0.2", port: 5050 } };
    try {
      const res = await postCall(`${running.base}/master/api/v1/scheduler`, SUBSCRIBE_CALL);
      assert.equal(res.status, 307);
      assert.equal(res.headers.location, "//127.0.0.2:5050/master/api/v1/scheduler");
    } finally {
      endpoint.view = { kind: "leading", recovered: true };
    }
  });

  test("request sends any method, with a JSON body only when one is given", async () => {
    const get = await request(`${running.base}/echo-request`, {
      method: "GET",
      headers: { "X-Extra": "1" },
    });
    assert.equal(get.status, 200);
    const seenGet = JSON.parse(get.body) as { method: string; headers: Record<string, string> };
    assert.equal(seenGet.method, "GET");
    assert.equal(seenGet.headers["x-extra"], "1");
    assert.equal(seenGet.headers["content-type"], undefined);
    const put = await request(`${running.base}/echo-request`, { method: "PUT", body: '{"a":1}' });
    const seenPut = JSON.parse(put.body) as {
      method: string;
      headers: Record<string, string>;
      body: string;
    };
    assert.deepEqual(
      [seenPut.method, seenPut.headers["content-type"], seenPut.body],
      ["PUT", "application/json", '{"a":1}'],
    );
  });

  test("subscribe returns the refusal when the answer is not 200", async () => {
    const sub = await subscribe(`${running.base}/api/v1/scheduler`, '{"type":');
    assert.equal(sub.ok, false);
    assert.equal(!sub.ok && sub.response.status, 400);
    assert.match(!sub.ok ? sub.response.body : "", /^Failed to parse body into JSON/);
  });

  test("subscribe yields events until the server ends the stream", async () => {
    const opened = endpoint.nextStream();
    const sub = await subscribe(`${running.base}/api/v1/scheduler`, SUBSCRIBE_CALL);
    assert.ok(sub.ok);
    (await opened).close();
    const types: string[] = [];
    for await (const event of sub.events) types.push((event as { type: string }).type);
    assert.deepEqual(types, ["SUBSCRIBED", "HEARTBEAT"]);
  });

  test("a stream with broken framing throws a RecordIoStreamError after the good records", async () => {
    const sub = await subscribe(`${running.base}/broken-stream`, "{}");
    assert.ok(sub.ok);
    assert.equal(sub.streamId, undefined);
    const seen: unknown[] = [];
    await assert.rejects(async () => {
      for await (const event of sub.events) seen.push(event);
    }, RecordIoStreamError);
    assert.deepEqual(seen, [{ type: "HEARTBEAT" }]);
  });

  test("records are decoded whatever the chunks they arrive in, multi-byte text included", async () => {
    const sub = await subscribe(`${running.base}/split-stream`, "{}");
    assert.ok(sub.ok);
    const seen: unknown[] = [];
    for await (const event of sub.events) seen.push(event);
    assert.deepEqual(seen, [{ type: "HEARTBEAT" }, { n: "é" }, { n: "2" }]);
  });

  test("a connection dropped in the middle of the stream throws after the records before it", async () => {
    const sub = await subscribe(`${running.base}/dropped-stream`, "{}");
    assert.ok(sub.ok);
    const seen: unknown[] = [];
    await assert.rejects(async () => {
      for await (const event of sub.events) seen.push(event);
    });
    assert.deepEqual(seen, [{ type: "HEARTBEAT" }]);
  });

  test("close() ends the iteration quietly", async () => {
    const sub = await subscribe(`${running.base}/endless-stream`, "{}");
    assert.ok(sub.ok);
    const seen: unknown[] = [];
    for await (const event of sub.events) {
      seen.push(event);
      sub.close();
    }
    assert.deepEqual(seen, [{ type: "HEARTBEAT" }]);
  });
});

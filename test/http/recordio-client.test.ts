import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as keepAliveClient from "../../src/http/keepalive-client.ts";
import * as fetchClient from "../../src/http/recordio-client.ts";
import { response, streamReply } from "../../src/http/response.ts";
import { RecordIoStreamError } from "../../src/wire/recordio.ts";
import { type RunningServer, startServer } from "./raw-http.ts";
import {
  registerSchedulerLike,
  type SchedulerLikeEndpoint,
  SUBSCRIBE_CALL,
} from "./v1-endpoint.ts";

// Both clients make the same promises: recordio-client.ts (fetch) and keepalive-client.ts
// (node:http with a keep-alive pool, used by the agent, the SDK and the benchmarks).
for (const [clientName, client] of [
  ["fetch", fetchClient],
  ["keep-alive", keepAliveClient],
] as const) {
  const { postCall, subscribe } = client;
  describe(`the v1 client (${clientName})`, () => {
    let running: RunningServer;
    let endpoint: SchedulerLikeEndpoint;

    before(async () => {
      running = await startServer(
        (server) => {
          endpoint = registerSchedulerLike(server);
          server.route({
            name: "echo-headers",
            methods: ["POST"],
            handler: (req) =>
              response(200, JSON.stringify(req.headers), {
                "X-Seen": String(req.headers["mesos-stream-id"] ?? ""),
              }),
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
        },
        { prefix: "/master" },
      );
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
}

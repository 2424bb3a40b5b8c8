import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postCall, subscribe } from "../../src/http/recordio-client.ts";
import { response, streamReply } from "../../src/http/response.ts";
import { RecordIoStreamError } from "../../src/wire/recordio.ts";
import { type RunningServer, startServer } from "./raw-http.ts";
import {
  registerSchedulerLike,
  type SchedulerLikeEndpoint,
  SUBSCRIBE_CALL,
} from "./v1-endpoint.ts";

describe("the v1 client", () => {
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
});

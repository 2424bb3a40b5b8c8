import assert from "node:assert/strict";
import { type IncomingMessage, request } from "node:http";
import { after, before, describe, test } from "node:test";
import { subscribeSse } from "../../src/http/client.ts";
import { jsonResponse, response, sseReply, textResponse } from "../../src/http/response.ts";
import { RouteTable } from "../../src/http/route-table.ts";
import type { SseStream } from "../../src/http/sse-stream.ts";
import { type RunningServer, rawRequest, startServer } from "./raw-http.ts";

describe("RouteTable", () => {
  test("an exact path wins over a prefix route, and the longest prefix over a shorter one", () => {
    const table = new RouteTable<string>();
    table.add("/v2/apps", "apps", true);
    table.add("/v2/apps/special", "special");
    table.add("/v2/apps/deep", "deep", true);
    assert.deepEqual(table.find("/v2/apps"), { route: "apps", tail: "" });
    assert.deepEqual(table.find("/v2/apps/special"), { route: "special", tail: "" });
    assert.deepEqual(table.find("/v2/apps/prod/web"), { route: "apps", tail: "prod/web" });
    assert.deepEqual(table.find("/v2/apps/deep/x/y"), { route: "deep", tail: "x/y" });
    // `special` is exact only: what lies below it belongs to the prefix above.
    assert.deepEqual(table.find("/v2/apps/special/x"), { route: "apps", tail: "special/x" });
  });

  test("a prefix route does not serve a path that only starts with its name", () => {
    const table = new RouteTable<string>();
    table.add("/v2/apps", "apps", true);
    assert.equal(table.find("/v2/appsx"), undefined);
    assert.equal(table.find("/v2"), undefined);
  });
});

describe("HttpServer prefix routes and server options", () => {
  let running: RunningServer;

  before(async () => {
    running = await startServer(
      (server) => {
        server.route({
          name: "v2/apps",
          subpaths: true,
          methods: "*",
          handler: (req) =>
            jsonResponse(
              200,
              JSON.stringify({ method: req.method, path: req.path, tail: req.tail }),
            ),
        });
        server.route({
          name: "big",
          methods: ["GET"],
          handler: () => textResponse(200, "x".repeat(4096)),
        });
      },
      {
        gzip: false,
        ignoreTrailingSlash: true,
        maxBodyBytes: 16,
        failureResponse: (failure) =>
          jsonResponse(failure.code === "NOT_FOUND" ? 404 : 499, JSON.stringify(failure)),
      },
    );
  });
  after(() => running.close());

  test("a prefix route serves the paths below it, slashes included, with the rest in `tail`", async () => {
    const res = await rawRequest(running.port, { method: "DELETE", path: "/v2/apps/prod/web%2Fx" });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), {
      method: "DELETE",
      path: "/v2/apps/prod/web/x",
      tail: "prod/web/x",
    });
  });

  test("a trailing slash is ignored when the server is told to", async () => {
    const res = await rawRequest(running.port, { method: "GET", path: "/v2/apps/prod/" });
    assert.deepEqual(JSON.parse(res.text), { method: "GET", path: "/v2/apps/prod", tail: "prod" });
  });

  test("the server's own failures are answered by the given failureResponse", async () => {
    const missing = await rawRequest(running.port, { method: "GET", path: "/v2/appsx" });
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.text).code, "NOT_FOUND");
    const large = await rawRequest(running.port, { path: "/v2/apps", body: "x".repeat(17) });
    assert.equal(large.status, 499);
    assert.equal(JSON.parse(large.text).code, "BODY_TOO_LARGE");
  });

  test("with gzip off, a large answer is not compressed even when the client accepts gzip", async () => {
    const res = await rawRequest(running.port, {
      method: "GET",
      path: "/big",
      headers: { "Accept-Encoding": "gzip" },
    });
    assert.equal(res.headers["content-encoding"], undefined);
    assert.equal(res.text.length, 4096);
  });
});

/** Opens an SSE response and collects its text until `until` says it has enough. */
function readSse(
  port: number,
  path: string,
  until: (text: string) => boolean,
): Promise<{ res: IncomingMessage; text: string; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let text = "";
      const done = () => resolve({ res, text, close: () => req.destroy() });
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
        if (until(text)) done();
      });
      res.on("end", done);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("Server-Sent Events streams", () => {
  let running: RunningServer;
  let opened: SseStream[] = [];

  before(async () => {
    running = await startServer((server) => {
      server.route({
        name: "events",
        methods: ["GET"],
        handler: () =>
          sseReply({ headers: { "Cache-Control": "no-cache" }, maxBufferedBytes: 1024 }, (s) => {
            opened.push(s);
            s.send("hello", '{"n":1}');
            s.send("lines", "first\nsecond");
          }),
      });
      server.route({ name: "plain", methods: ["GET"], handler: () => response(204) });
    });
  });
  after(() => running.close());

  test("events are framed as `event:` and `data:` lines, one `data:` per line of text", async () => {
    opened = [];
    const sse = await readSse(running.port, "/events", (t) => t.includes("second\n\n"));
    assert.equal(sse.res.statusCode, 200);
    assert.equal(sse.res.headers["content-type"], "text/event-stream");
    assert.equal(sse.res.headers["cache-control"], "no-cache");
    assert.equal(
      sse.text,
      'event: hello\ndata: {"n":1}\n\nevent: lines\ndata: first\ndata: second\n\n',
    );
    sse.close();
  });

  test("a client that goes away closes the stream, and a later send reports it", async () => {
    opened = [];
    const sse = await readSse(running.port, "/events", (t) => t.includes("second\n\n"));
    const stream = opened[0] as SseStream;
    const closed = new Promise((resolve) => stream.onClose(resolve));
    sse.close();
    assert.equal(await closed, "client_disconnected");
    assert.equal(stream.send("late", "{}"), false);
  });

  test("the v1 client reads the events, multi-line data joined, and close() ends them quietly", async () => {
    opened = [];
    const sub = await subscribeSse(`${running.base}/events`);
    assert.equal(sub.status, 200);
    const seen: unknown[] = [];
    for await (const event of sub.events) {
      seen.push(event);
      if (seen.length === 2) sub.close();
    }
    assert.deepEqual(seen, [
      { event: "hello", data: '{"n":1}' },
      { event: "lines", data: "first\nsecond" },
    ]);
  });

  test("the v1 client reports a refused event stream by its status, with no events", async () => {
    const sub = await subscribeSse(`${running.base}/plain`);
    assert.equal(sub.status, 204);
    const seen: unknown[] = [];
    for await (const event of sub.events) seen.push(event);
    assert.deepEqual(seen, []);
  });

  test("closing the server ends every open event stream cleanly", async () => {
    opened = [];
    const sse = await readSse(running.port, "/events", (t) => t.includes("second\n\n"));
    const ended = new Promise<void>((resolve) => sse.res.on("end", resolve));
    await running.close();
    await ended;
    assert.equal((opened[0] as SseStream).closedBecause, "server_closing");
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { jsonResponse, response, textResponse } from "../../src/http/response.ts";
import { acceptsGzip, GZIP_MINIMUM_BODY_BYTES } from "../../src/http/server.ts";
import { type RunningServer, rawRequest, startServer } from "./raw-http.ts";

const BIG_BODY = "x".repeat(GZIP_MINIMUM_BODY_BYTES * 4);
const MAX_BODY_BYTES = 1024;

// One server for the two suites below: the routes, a body limit and a handler-error sink.
let running: RunningServer;
const handlerErrors: unknown[] = [];

before(async () => {
  running = await startServer(
    (server) => {
      server.route({
        name: "api/v1/echo",
        methods: ["POST"],
        handler: (req) =>
          jsonResponse(
            200,
            JSON.stringify({
              path: req.path,
              url: req.url,
              query: Object.fromEntries(req.query),
              body: req.body.toString(),
            }),
          ),
      });
      server.route({
        name: "big",
        methods: ["GET", "POST"],
        handler: () => textResponse(200, BIG_BODY),
      });
      server.route({
        name: "version-like",
        methods: ["GET"],
        prefixed: false,
        handler: () => response(200),
      });
      server.route({
        name: "guarded",
        methods: ["POST"],
        guard: () => ({ code: "NO_LEADER", message: "No leader elected" }),
        handler: () => response(200),
      });
      server.route({
        name: "broken",
        methods: ["GET"],
        handler: () => {
          throw new Error("bug");
        },
      });
    },
    {
      prefix: "/slave(1)",
      maxBodyBytes: MAX_BODY_BYTES,
      onHandlerError: (error) => handlerErrors.push(error),
    },
  );
});

after(() => running.close());

describe("HttpServer", () => {
  test("a route is served both under the prefix and at the root", async () => {
    for (const path of ["/slave(1)/api/v1/echo", "/api/v1/echo", "/slave%281%29/api/v1/echo"]) {
      const res = await rawRequest(running.port, { path, body: "hi" });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers["content-type"], "application/json");
      const echoed = JSON.parse(res.text);
      assert.equal(echoed.path, decodeURIComponent(path));
      assert.equal(echoed.body, "hi");
    }
  });

  test("a route registered as not prefixed is served only at the root", async () => {
    assert.equal(
      (await rawRequest(running.port, { method: "GET", path: "/version-like" })).status,
      200,
    );
    const prefixed = await rawRequest(running.port, {
      method: "GET",
      path: "/slave(1)/version-like",
    });
    assert.equal(prefixed.status, 404);
  });

  test("an unknown path answers 404", async () => {
    const res = await rawRequest(running.port, { method: "GET", path: "/nope?x=1" });
    assert.equal(res.status, 404);
    assert.equal(res.text, "");
    const doubleSlash = await rawRequest(running.port, { path: "//api/v1/echo", body: "" });
    assert.equal(doubleSlash.status, 404);
  });

  test("the query string is parsed and the raw path kept for redirects", async () => {
    const res = await rawRequest(running.port, { path: "/api/v1/echo?a=1&b=%2F", body: "" });
    assert.equal(res.status, 200);
    const echoed = JSON.parse(res.text);
    assert.equal(echoed.path, "/api/v1/echo");
    assert.equal(echoed.url, "/api/v1/echo?a=1&b=%2F");
    assert.deepEqual(echoed.query, { a: "1", b: "/" });
  });

  test("a wrong method answers 405 with Allow listing the route's methods", async () => {
    const res = await rawRequest(running.port, { method: "GET", path: "/api/v1/echo" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, "POST");
    assert.equal(res.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(res.text, "Expecting one of { 'POST' }, but received 'GET'");
    const two = await rawRequest(running.port, { method: "DELETE", path: "/big" });
    assert.equal(two.status, 405);
    assert.equal(two.headers.allow, "GET, POST");
  });

  test("the route guard answers before the method check, as Mesos checks leadership first", async () => {
    const res = await rawRequest(running.port, { method: "GET", path: "/guarded" });
    assert.equal(res.status, 503);
    assert.equal(res.text, "No leader elected");
  });
});

describe("HttpServer bodies, failures and compression", () => {
  test("a declared body over the limit answers 413 without reading it", async () => {
    const res = await rawRequest(running.port, {
      path: "/api/v1/echo",
      body: "y".repeat(MAX_BODY_BYTES + 1),
    });
    assert.equal(res.status, 413);
    assert.equal(res.text, `Request body exceeds the limit of ${MAX_BODY_BYTES} bytes`);
  });

  test("a chunked body passing the limit answers 413", async () => {
    const piece = "z".repeat(400);
    const res = await rawRequest(running.port, {
      path: "/api/v1/echo",
      chunks: [piece, piece, piece, piece],
    });
    assert.equal(res.status, 413);
  });

  test("a body exactly at the limit is accepted", async () => {
    const body = "w".repeat(MAX_BODY_BYTES);
    const res = await rawRequest(running.port, { path: "/api/v1/echo", body });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).body, body);
  });

  test("a handler that throws answers 500 and reports the error", async () => {
    const res = await rawRequest(running.port, { method: "GET", path: "/broken" });
    assert.equal(res.status, 500);
    assert.equal(res.text, "Internal Server Error");
    assert.equal(handlerErrors.length, 1);
  });

  test("a large complete response is gzip'd when the client accepts gzip", async () => {
    const res = await rawRequest(running.port, {
      method: "GET",
      path: "/big",
      headers: { "Accept-Encoding": "deflate, gzip;q=0.5" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(Number(res.headers["content-length"]), res.body.length);
    assert.equal(gunzipSync(res.body).toString(), BIG_BODY);
  });

  test("responses are not compressed without Accept-Encoding gzip or when small", async () => {
    const plain = await rawRequest(running.port, { method: "GET", path: "/big" });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.text, BIG_BODY);
    const refused = await rawRequest(running.port, {
      method: "GET",
      path: "/big",
      headers: { "Accept-Encoding": "gzip;q=0" },
    });
    assert.equal(refused.headers["content-encoding"], undefined);
    const small = await rawRequest(running.port, {
      path: "/api/v1/echo",
      body: "s",
      headers: { "Accept-Encoding": "gzip" },
    });
    assert.equal(small.headers["content-encoding"], undefined);
  });
});

describe("acceptsGzip", () => {
  test("reads codings and qualities from Accept-Encoding", () => {
    assert.equal(acceptsGzip(undefined), false);
    assert.equal(acceptsGzip("gzip"), true);
    assert.equal(acceptsGzip("br, GZIP"), true);
    assert.equal(acceptsGzip("*"), true);
    assert.equal(acceptsGzip("gzip;q=0"), false);
    assert.equal(acceptsGzip("identity"), false);
  });
});

describe("HttpServer.route", () => {
  test("registering the same path twice is a bug", async () => {
    await assert.rejects(
      startServer((server) => {
        server.route({ name: "a", methods: ["GET"], handler: () => response(200) });
        server.route({ name: "a", methods: ["POST"], handler: () => response(200) });
      }),
      /registered twice/,
    );
  });
});

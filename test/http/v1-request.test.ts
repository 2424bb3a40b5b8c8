import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { checkLeader } from "../../src/http/leader.ts";
import type { HttpRequest } from "../../src/http/server.ts";
import { negotiateAccept } from "../../src/http/v1-request.ts";
import { encodeProtobuf } from "../../src/wire/protobuf.ts";
import { SchedulerCall } from "../../src/wire/scheduler.ts";
import { type RunningServer, rawRequest } from "./raw-http.ts";
import { type SchedulerLikeEndpoint, SUBSCRIBE_CALL, startSchedulerLike } from "./v1-endpoint.ts";

const JSON_HEADERS = { "Content-Type": "application/json" };
const DECLINE_CALL = JSON.stringify({
  framework_id: { value: "fw-1" },
  type: "DECLINE",
  decline: { offer_ids: [{ value: "o-1" }] },
});

// One endpoint for the two suites below, at the master's prefix.
let running: RunningServer;
let endpoint: SchedulerLikeEndpoint;

before(async () => {
  ({ running, endpoint } = await startSchedulerLike({ prefix: "/master" }));
});
after(() => running.close());

const post = (
  body: string | Uint8Array,
  headers: Record<string, string> = JSON_HEADERS,
  path = "/api/v1/scheduler",
) => rawRequest(running.port, { path, headers, body });

describe("a v1 endpoint built on the shell", () => {
  test("a valid non-streaming call is converted and answered 202 with an empty body", async () => {
    const res = await post(DECLINE_CALL);
    assert.equal(res.status, 202);
    assert.equal(res.text, "");
    const call = endpoint.calls.at(-1);
    assert.equal(call?.type, "DECLINE");
    assert.equal(call?.decline?.offer_ids?.[0]?.value, "o-1");
  });

  test("a missing Content-Type answers 400", async () => {
    const res = await post(DECLINE_CALL, {});
    assert.equal(res.status, 400);
    assert.equal(res.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(res.text, "Expecting 'Content-Type' to be present");
  });

  test("a protobuf body is decoded into the same Call; bytes that are no Call answer 400", async () => {
    const bytes = encodeProtobuf(SchedulerCall, JSON.parse(DECLINE_CALL));
    const res = await post(Buffer.from(bytes), { "Content-Type": "application/x-protobuf" });
    assert.equal(res.status, 202);
    assert.equal(endpoint.calls.at(-1)?.decline?.offer_ids?.[0]?.value, "o-1");
    const bad = await post(DECLINE_CALL, { "Content-Type": "application/x-protobuf" });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "Failed to parse body into Call protobuf");
  });

  test("any other Content-Type answers 415, parameters included (exact match, as Mesos)", async () => {
    for (const contentType of [
      "text/plain",
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
    ]) {
      const res = await post(DECLINE_CALL, { "Content-Type": contentType });
      assert.equal(res.status, 415, contentType);
      assert.equal(
        res.text,
        "Expecting 'Content-Type' of application/json or application/x-protobuf",
      );
    }
  });

  test("a body that is not JSON answers 400 'Failed to parse body into JSON: ...'", async () => {
    const res = await post("{not json");
    assert.equal(res.status, 400);
    assert.match(res.text, /^Failed to parse body into JSON: .+/);
    const notUtf8 = await rawRequest(running.port, {
      path: "/api/v1/scheduler",
      headers: JSON_HEADERS,
      body: new Uint8Array([0x22, 0xff, 0xfe, 0x22]),
    });
    assert.equal(notUtf8.status, 400);
    assert.equal(notUtf8.text, "Failed to parse body into JSON: body is not valid UTF-8");
  });

  test("JSON that is not a Call answers 400 'Failed to convert JSON into Call protobuf: ...'", async () => {
    const res = await post(JSON.stringify({ type: "DECLINE", decline: { offer_ids: [{}] } }));
    assert.equal(res.status, 400);
    assert.equal(
      res.text,
      "Failed to convert JSON into Call protobuf: Missing required fields: decline.offer_ids[0].value",
    );
  });

  test("Mesos's JSON dialect is accepted in bodies (bare Infinity)", async () => {
    const res = await post(
      '{"framework_id":{"value":"fw-1"},"type":"DECLINE","decline":{"filters":{"refuse_seconds":Infinity}}}',
    );
    assert.equal(res.status, 202);
    assert.equal(endpoint.calls.at(-1)?.decline?.filters?.refuse_seconds, Number.POSITIVE_INFINITY);
  });

  test("SUBSCRIBE with an Accept that excludes JSON and protobuf answers 406", async () => {
    const res = await post(SUBSCRIBE_CALL, { ...JSON_HEADERS, Accept: "text/html" });
    assert.equal(res.status, 406);
    assert.equal(
      res.text,
      "Expecting 'Accept' to allow 'application/json' or 'application/x-protobuf'",
    );
  });
});

describe("a v1 endpoint built on the shell: leadership", () => {
  test("a follower answers 307 to the leader with a protocol-relative Location keeping path and query", async () => {
    endpoint.view = { kind: "following", leader: { hostname: "master-2.example", port: 5050 } };
    try {
      const res = await post(DECLINE_CALL, JSON_HEADERS, "/master/api/v1/scheduler?a=1&b=2");
      assert.equal(res.status, 307);
      assert.equal(res.headers.location, "//master-2.example:5050/master/api/v1/scheduler?a=1&b=2");
      const get = await rawRequest(running.port, { method: "GET", path: "/api/v1/scheduler" });
      assert.equal(get.status, 307, "leadership is checked before the method");
    } finally {
      endpoint.view = { kind: "leading", recovered: true };
    }
  });

  test("with no leader every call answers 503 'No leader elected'", async () => {
    endpoint.view = { kind: "no_leader" };
    try {
      const res = await post(DECLINE_CALL);
      assert.equal(res.status, 503);
      assert.equal(res.text, "No leader elected");
    } finally {
      endpoint.view = { kind: "leading", recovered: true };
    }
  });

  test("a leader still recovering answers 503 'Master has not finished recovery'", async () => {
    endpoint.view = { kind: "leading", recovered: false };
    try {
      const res = await post(DECLINE_CALL);
      assert.equal(res.status, 503);
      assert.equal(res.text, "Master has not finished recovery");
    } finally {
      endpoint.view = { kind: "leading", recovered: true };
    }
  });
});

function requestWith(headers: HttpRequest["headers"], url = "/api/v1"): HttpRequest {
  return {
    method: "POST",
    path: url,
    tail: "",
    url,
    query: new URLSearchParams(),
    headers,
    body: Buffer.alloc(0),
    remoteAddress: "127.0.0.1",
  };
}

describe("negotiateAccept", () => {
  test("an absent Accept means JSON", () => {
    assert.deepEqual(negotiateAccept(requestWith({})), { ok: true, value: "application/json" });
  });

  test("wildcards and lists that include JSON with a non-zero quality choose JSON", () => {
    for (const accept of [
      "*/*",
      "application/*",
      "application/x-protobuf, application/json;q=0.1",
      "text/html, */*;q=0.8",
    ]) {
      assert.equal(negotiateAccept(requestWith({ accept })).ok, true, accept);
    }
  });

  test("an Accept allowing protobuf but not JSON chooses protobuf", () => {
    for (const accept of ["application/x-protobuf", "*/*, application/json;q=0"]) {
      assert.deepEqual(
        negotiateAccept(requestWith({ accept })),
        { ok: true, value: "application/x-protobuf" },
        accept,
      );
    }
  });

  test("JSON and protobuf both refused is not acceptable", () => {
    const result = negotiateAccept(
      requestWith({ accept: "*/*, application/json;q=0, application/x-protobuf;q=0" }),
    );
    assert.equal(result.ok, false);
  });
});

describe("checkLeader", () => {
  test("brackets an IPv6 leader address in the Location", () => {
    const result = checkLeader(
      { kind: "following", leader: { hostname: "::1", port: 5050 } },
      requestWith({}, "/api/v1"),
    );
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.failure.headers?.Location, "//[::1]:5050/api/v1");
  });
});

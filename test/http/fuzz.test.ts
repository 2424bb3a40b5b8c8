import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { type RunningServer, rawRequest } from "./raw-http.ts";
import { type SchedulerLikeEndpoint, SUBSCRIBE_CALL, startSchedulerLike } from "./v1-endpoint.ts";

const DECLINE_CALL = JSON.stringify({
  framework_id: { value: "fw-1" },
  type: "DECLINE",
  decline: { offer_ids: [{ value: "o-1" }] },
});

// Bodies: arbitrary bytes, arbitrary JSON, and Call-shaped JSON with random members.
const bodyArb = fc.oneof(
  fc.constant(new TextEncoder().encode(SUBSCRIBE_CALL)),
  fc.uint8Array({ maxLength: 2048 }),
  fc.json().map((text) => new TextEncoder().encode(text)),
  fc
    .record({
      type: fc.oneof(fc.constantFrom("DECLINE", "SUBSCRIBE", "KILL", "NOPE"), fc.anything()),
      framework_id: fc.anything(),
      decline: fc.anything(),
      subscribe: fc.anything(),
    })
    .map((call) => new TextEncoder().encode(JSON.stringify(call) ?? "null")),
);

// Header values Node accepts on the wire (visible ASCII and spaces).
const headerValueArb = fc
  .string({ maxLength: 60 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, "").trim());

const headersArb = fc.record(
  {
    "Content-Type": fc.oneof(
      fc.constantFrom("application/json", "application/x-protobuf", "text/plain"),
      headerValueArb,
    ),
    Accept: fc.oneof(
      fc.constantFrom("*/*", "application/json", "application/*;q=0"),
      headerValueArb,
    ),
    "Accept-Encoding": fc.oneof(fc.constant("gzip"), headerValueArb),
    "Mesos-Stream-Id": headerValueArb,
  },
  { requiredKeys: [] },
);

describe("a v1 POST route under random input", () => {
  let running: RunningServer;
  let endpoint: SchedulerLikeEndpoint;

  before(async () => {
    // A SUBSCRIBE that gets through opens a stream: end it at once so the request completes.
    ({ running, endpoint } = await startSchedulerLike(
      { maxBodyBytes: 1024 },
      { afterOpen: (stream) => stream.close() },
    ));
  });
  after(() => running.close());

  test("answers every request with an expected status and keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, headersArb, fc.boolean(), async (body, headers, chunked) => {
        const res = await rawRequest(running.port, {
          path: "/api/v1/scheduler",
          headers,
          ...(chunked ? { chunks: [body.subarray(0, 7), body.subarray(7)] } : { body }),
        });
        assert.ok([200, 202, 400, 406, 413, 415].includes(res.status), `status ${res.status}`);
        if (res.status === 200) assert.equal(endpoint.streams.at(-1)?.closedBecause, "closed");
      }),
      { numRuns: 200 },
    );
    const after = await rawRequest(running.port, {
      path: "/api/v1/scheduler",
      headers: { "Content-Type": "application/json" },
      body: DECLINE_CALL,
    });
    assert.equal(after.status, 202);
  });
});

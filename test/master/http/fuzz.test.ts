// Fuzz: random bodies at every POST endpoint of the master (scheduler API, operator API, agent
// channel). The master answers each with a status below 500, stays up, and its state is the
// same afterwards (reference §10: bad input gets a clear error and changes nothing).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { operatorCall, stableState } from "./helpers.ts";
import { masterSuite } from "./suite.ts";

const ENDPOINTS = [
  "/api/v1/scheduler",
  "/master/api/v1/scheduler",
  "/api/v1",
  "/master/api/v1",
  "/master/api/v1/agent_channel",
] as const;

// Call types that read or are refused; SUBSCRIBE (which opens streams and creates frameworks
// or agents) is left out so that "state unchanged" is the claim. Operator mutations are in, with
// random sub-messages: they name agents and frameworks that do not exist, or fail validation.
const TYPES = [
  "DECLINE",
  "ACCEPT",
  "KILL",
  "ACKNOWLEDGE",
  "RECONCILE",
  "UNKNOWN",
  "UPDATE",
  "PONG",
  "EXECUTOR_EXITED",
  "GET_HEALTH",
  "GET_STATE",
  "GET_TASKS",
  "DRAIN_AGENT",
  "DEACTIVATE_AGENT",
  "REACTIVATE_AGENT",
  "MARK_AGENT_GONE",
  "TEARDOWN",
  "UPDATE_QUOTA",
  "UPDATE_WEIGHTS",
  "CREATE_VOLUMES",
  "NOPE",
];

/** A role name the random weights and quota may use (valid, so validation is not all). */
const roleArb = fc.constantFrom("web", "batch", "*", "a/b", "");

const callArb = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom(...TYPES), fc.string()),
      framework_id: fc.oneof(fc.record({ value: fc.string() }), fc.anything()),
      agent_id: fc.oneof(fc.record({ value: fc.string() }), fc.anything()),
      decline: fc.anything(),
      accept: fc.anything(),
      kill: fc.anything(),
      acknowledge: fc.anything(),
      update: fc.anything(),
      reconcile: fc.anything(),
      drain_agent: fc.oneof(
        fc.record({ agent_id: fc.record({ value: fc.string() }) }),
        fc.anything(),
      ),
      deactivate_agent: fc.anything(),
      reactivate_agent: fc.anything(),
      mark_agent_gone: fc.anything(),
      teardown: fc.anything(),
      // Weights and quota that validation refuses (non-positive weight, guarantee > limit).
      update_weights: fc.oneof(
        fc.record({
          weight_infos: fc.array(fc.record({ role: roleArb, weight: fc.double({ max: 0 }) })),
        }),
        fc.anything(),
      ),
      update_quota: fc.oneof(
        fc.record({
          quota_configs: fc.array(
            fc.record({
              role: roleArb,
              guarantees: fc.constant({ cpus: { value: 2 } }),
              limits: fc.constant({ cpus: { value: 1 } }),
            }),
            { minLength: 1 },
          ),
        }),
        fc.anything(),
      ),
    },
    { requiredKeys: ["type"] },
  )
  .map((call) => JSON.stringify(call));

const bodyArb = fc.oneof(
  callArb,
  fc.json(),
  fc.string({ maxLength: 512 }),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);

const contentTypeArb = fc.constantFrom(
  "application/json",
  "application/json",
  "application/x-protobuf",
  "text/plain",
);

describe("master POST endpoints under random input", () => {
  const { master, agent, scheduler } = masterSuite({
    agent: { hostname: "fuzz-agent" },
    framework: {
      user: "eve",
      name: "fuzz",
      failover_timeout: 3600,
    },
  });
  before(async () => {
    await scheduler.events.next("OFFERS");
  });

  /** GET_STATE plus what it does not show: weights and quota. */
  async function everything(): Promise<unknown> {
    const weights = await operatorCall(master, { type: "GET_WEIGHTS" });
    const quota = await operatorCall(master, { type: "GET_QUOTA" });
    return { state: await stableState(master), weights: weights.body, quota: quota.body };
  }

  it("answers every random body below 500 and leaves the state unchanged", async () => {
    const before = await everything();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        bodyArb,
        contentTypeArb,
        fc.constantFrom(undefined, "scheduler", "agent", "bogus"),
        async (path, body, contentType, streamIdOf) => {
          const headers: Record<string, string> = { "Content-Type": contentType };
          if (streamIdOf === "scheduler") headers["Mesos-Stream-Id"] = scheduler.streamId;
          if (streamIdOf === "agent") headers["Mesos-Stream-Id"] = agent.streamId;
          if (streamIdOf === "bogus") headers["Mesos-Stream-Id"] = "bogus";
          const abort = new AbortController();
          const res = await fetch(`${master.url}${path}`, {
            method: "POST",
            headers,
            body,
            signal: abort.signal,
          });
          if (res.headers.get("content-length") === null) abort.abort();
          else await res.text();
          assert.ok(res.status < 500, `${path} answered ${res.status} to ${body}`);
        },
      ),
      { numRuns: 300, seed: 4242 },
    );
    assert.equal((await fetch(`${master.url}/health`)).status, 200);
    assert.deepEqual(await everything(), before);
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { z } from "zod";
import { AgentCall, AgentEvent } from "../../src/wire/agent-channel.ts";
import {
  acknowledgeCall,
  agentAcknowledgeEvent,
  agentPingEvent,
  agentRunTaskEvent,
  agentSubscribeCall,
  agentUpdateCall,
  updateEvent,
} from "../../src/wire/fast-path.ts";
import { parseWire, stripNulls } from "../../src/wire/json.ts";
import { SchedulerCall, SchedulerEvent } from "../../src/wire/scheduler.ts";

const UUID = "hTaLQ0b5Q1OZuab7QclTKQ==";
const status = {
  task_id: { value: "t-1" },
  state: "TASK_RUNNING",
  source: "SOURCE_EXECUTOR",
  agent_id: { value: "a-1" },
  executor_id: { value: "e-1" },
  timestamp: 1_700_000_000.25,
  uuid: UUID,
  message: "running",
  reason: "REASON_COMMAND_EXECUTOR_FAILED",
  healthy: true,
};

const cases: [string, z.ZodType, (json: unknown) => boolean, Record<string, unknown>][] = [
  [
    "scheduler ACKNOWLEDGE",
    SchedulerCall,
    acknowledgeCall,
    {
      framework_id: { value: "f-1" },
      type: "ACKNOWLEDGE",
      acknowledge: { agent_id: { value: "a-1" }, task_id: { value: "t-1" }, uuid: UUID },
    },
  ],
  ["scheduler UPDATE event", SchedulerEvent, updateEvent, { type: "UPDATE", update: { status } }],
  [
    "agent UPDATE call",
    AgentCall,
    agentUpdateCall,
    {
      type: "UPDATE",
      agent_id: { value: "a-1" },
      update: {
        framework_id: { value: "f-1" },
        executor_id: { value: "e-1" },
        status,
        latest_state: "TASK_FINISHED",
      },
    },
  ],
  [
    "agent ACKNOWLEDGE event",
    AgentEvent,
    agentAcknowledgeEvent,
    {
      type: "ACKNOWLEDGE",
      acknowledge: { framework_id: { value: "f-1" }, task_id: { value: "t-1" }, uuid: UUID },
    },
  ],
  [
    "agent RUN_TASK event",
    AgentEvent,
    agentRunTaskEvent,
    {
      type: "RUN_TASK",
      run_task: {
        framework_info: {
          user: "root",
          name: "bench",
          id: { value: "f-1" },
          failover_timeout: 0,
          checkpoint: false,
          roles: ["web"],
          capabilities: [{ type: "MULTI_ROLE" }],
        },
        framework_id: { value: "f-1" },
        task: {
          name: "t-1",
          task_id: { value: "t-1" },
          agent_id: { value: "a-1" },
          resources: [
            {
              name: "cpus",
              type: "SCALAR",
              scalar: { value: 0.01 },
              allocation_info: { role: "web" },
            },
            { name: "mem", type: "SCALAR", scalar: { value: 1 }, role: "*" },
          ],
          command: { value: "true", shell: true, arguments: ["-x"] },
        },
      },
    },
  ],
  ["agent PING event", AgentEvent, agentPingEvent, { type: "PING", ping: { connected: true } }],
  [
    "agent SUBSCRIBE call (re-registration with a task)",
    AgentCall,
    agentSubscribeCall,
    {
      type: "SUBSCRIBE",
      agent_id: { value: "a-1" },
      subscribe: {
        agent_info: {
          hostname: "h-1",
          port: 5051,
          resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 2 } }],
          id: { value: "a-1" },
        },
        agent_id: { value: "a-1" },
        address: { ip: "10.0.0.1", port: 5051 },
        version: "1.11.0",
        capabilities: [{ type: "MULTI_ROLE" }],
        total_resources: [{ name: "mem", type: "SCALAR", scalar: { value: 64 } }],
        checkpointed_resources: [],
        executors: [],
        tasks: [
          {
            name: "t-1",
            task_id: { value: "t-1" },
            framework_id: { value: "f-1" },
            executor_id: { value: "e-1" },
            agent_id: { value: "a-1" },
            state: "TASK_RUNNING",
            resources: [
              {
                name: "cpus",
                type: "SCALAR",
                scalar: { value: 0.1 },
                allocation_info: { role: "web" },
              },
            ],
            statuses: [status],
            status_update_state: "TASK_RUNNING",
            status_update_uuid: UUID,
          },
        ],
        frameworks: [
          {
            user: "root",
            name: "bench",
            id: { value: "f-1" },
            failover_timeout: 0,
            checkpoint: true,
            roles: ["web"],
            capabilities: [{ type: "MULTI_ROLE" }],
          },
        ],
      },
    },
  ],
];

/** What parseWire answered before fast paths: the schema on the JSON without nulls. */
function bySchema(schema: z.ZodType, json: unknown) {
  const result = schema.safeParse(stripNulls(json));
  return result.success ? { ok: true, value: result.data } : { ok: false };
}

/** Every path into the message (object keys only), for mutations. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  const out: string[][] = [prefix];
  for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutate(message: unknown, path: string[], replacement: unknown): unknown {
  const copy = structuredClone(message) as Record<string, unknown>;
  if (path.length === 0) return replacement;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  // An own property, as JSON.parse makes it: assigning `__proto__` would change the object's
  // prototype instead, which no body off the wire can do.
  Object.defineProperty(node, path[path.length - 1] as string, {
    value: replacement,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

for (const [name, schema, shape, message] of cases) {
  test(`the ${name} fast path recognises the plain message, which the schema returns unchanged`, () => {
    assert.equal(shape(message), true);
    const parsed = parseWire(schema, message);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, bySchema(schema, message).value);
  });

  test(`${name}: a message changed anywhere parses exactly as the schema alone parses it`, () => {
    const replacements = fc.oneof(
      fc.constantFrom(null, undefined, "1", 1, true, "true", "NOT_A_NAME", "not base64!", [], {}),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const changed = fc
      .tuple(fc.constantFrom(...paths(message)), replacements, fc.boolean(), fc.string())
      .map(([path, replacement, addKey, key]) =>
        addKey
          ? mutate(message, [...path.slice(0, -1), key], replacement)
          : mutate(message, path, replacement),
      );
    fc.assert(
      fc.property(changed, (json) => {
        const parsed = parseWire(schema, json);
        const expected = bySchema(schema, json);
        assert.equal(parsed.ok, expected.ok, JSON.stringify(json));
        if (parsed.ok) assert.deepEqual(parsed.value, expected.value, JSON.stringify(json));
      }),
      { numRuns: 300 },
    );
  });
}

test("a fast path does not take inherited names such as constructor for fields", () => {
  const [, , shape, message] = cases[0] ?? assert.fail("no cases");
  assert.equal(shape({ ...message, constructor: {} }), false);
  assert.equal(shape(JSON.parse(`{"__proto__":{},"type":"ACKNOWLEDGE"}`)), false);
});

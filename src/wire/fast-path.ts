// Fast paths for the few small messages every status update sends across a process boundary:
// the agent's UPDATE call (at the master), the master's UPDATE event (at a scheduler), the
// scheduler's ACKNOWLEDGE call (at the master) and the master's ACKNOWLEDGE event (at the
// agent); and the agent's SUBSCRIBE, which after a master failover every agent sends at once
// with all its tasks (zod's parse of it was half the master's cost of a re-registration). Each is still validated where it enters the process; a shape below only recognises,
// without zod, JSON that its schema would accept and give back unchanged, and parseWire then
// returns it as it is (see `registerFastPath` in json.ts). Zod's general machinery cost
// several times more per message than the rest of handling it.
//
// A shape is deliberately narrow: known keys only (zod drops unknown ones), exact JSON types
// (zod also converts "1" and "true"), enum names it knows (an optional enum drops unknown
// ones), base64 checked with the schema's own pattern. Anything else, null included, falls
// through to zod, so what is refused and every error message are zod's, unchanged. Under the
// test runner parseWire also runs zod on what a shape accepted and checks the two agree.
import { AGENT_CAPABILITY_TYPES, FRAMEWORK_CAPABILITY_TYPES } from "./framework.ts";
import { BASE64 } from "./json.ts";
import { REASONS, SOURCES, TASK_STATES } from "./status.ts";

export type Shape = (value: unknown) => boolean;

export const text: Shape = (v) => typeof v === "string";
/** A proto double: any JSON number (the schema takes every number as it is). */
export const number: Shape = (v) => typeof v === "number";
export const boolean: Shape = (v) => typeof v === "boolean";
export const base64: Shape = (v) => typeof v === "string" && BASE64.test(v);
/** A proto int32 given as a JSON number (the schema also converts "1"). */
export const int32: Shape = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31 - 1;
/** A repeated field left empty: `[]`. */
const none: Shape = (v) => Array.isArray(v) && v.length === 0;

export function oneOf(values: readonly string[]): Shape {
  const known = new Set(values);
  return (v) => typeof v === "string" && known.has(v);
}

/** A JSON object with only these fields, each of its shape, and the required ones present. */
export function exact(fields: Record<string, Shape>, required: readonly string[] = []): Shape {
  // A Map: a plain object would answer `constructor` or `__proto__` from its prototype.
  const shapes = new Map(Object.entries(fields));
  return (v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
    const record = v as Record<string, unknown>;
    for (const key in record) {
      const shape = shapes.get(key);
      if (shape === undefined || !shape(record[key])) return false;
    }
    for (const key of required) if (!Object.hasOwn(record, key)) return false;
    return true;
  };
}

/** A JSON object with exactly these fields, all of them present. */
export function complete(fields: Record<string, Shape>): Shape {
  return exact(fields, Object.keys(fields));
}

/**
 * A v1 call or event of one `type` whose sub-message (Mesos names it for the type in lower
 * case: RUN_TASK → `run_task`) has `body`'s shape; `beside` are the optional fields next to
 * them (a scheduler call's `framework_id`).
 */
export function typed(type: string, body: Shape, beside: Record<string, Shape> = {}): Shape {
  const field = type.toLowerCase();
  return exact({ ...beside, type: oneOf([type]), [field]: body }, ["type", field]);
}

/** A JSON array whose every item has `item`'s shape. */
export function arrayOf(item: Shape): Shape {
  return (v) => Array.isArray(v) && v.every(item);
}

/** Recognised when any of `shapes` recognises it. */
export function anyOf(...shapes: Shape[]): Shape {
  return (v) => shapes.some((shape) => shape(v));
}

/** FrameworkID, AgentID, TaskID, ExecutorID: `{ "value": "..." }`. */
export const id = complete({ value: text });

/** A TaskStatus with the fields executors and the agent set on ordinary updates. */
export const plainTaskStatus = exact(
  {
    task_id: id,
    state: oneOf(TASK_STATES),
    message: text,
    source: oneOf(SOURCES),
    reason: oneOf(REASONS),
    agent_id: id,
    executor_id: id,
    timestamp: number,
    uuid: base64,
    healthy: boolean,
  },
  ["task_id", "state"],
);

/** Scheduler Call ACKNOWLEDGE (reference §1.4). */
export const acknowledgeCall = typed(
  "ACKNOWLEDGE",
  complete({ agent_id: id, task_id: id, uuid: base64 }),
  { framework_id: id },
);

/** Scheduler Event UPDATE with a plain status. */
export const updateEvent = typed("UPDATE", complete({ status: plainTaskStatus }));

/** Agent channel Call UPDATE with a plain status. */
export const agentUpdateCall = typed(
  "UPDATE",
  exact(
    {
      framework_id: id,
      executor_id: id,
      status: plainTaskStatus,
      latest_state: oneOf(TASK_STATES),
    },
    ["framework_id", "status"],
  ),
  { agent_id: id },
);

/** Agent channel Event ACKNOWLEDGE. */
export const agentAcknowledgeEvent = typed(
  "ACKNOWLEDGE",
  complete({ framework_id: id, task_id: id, uuid: base64 }),
);

/** A scalar resource as a task carries it (cpus, mem, disk): no reservations, no disk info. */
const scalarResource = exact(
  {
    name: text,
    type: oneOf(["SCALAR"]),
    scalar: complete({ value: number }),
    role: text,
    allocation_info: exact({ role: text }),
  },
  ["name", "type", "scalar"],
);

/** A FrameworkInfo with its declared defaults present (as the master sends it). */
const frameworkInfo = exact(
  {
    user: text,
    name: text,
    id,
    failover_timeout: number,
    checkpoint: boolean,
    role: text,
    roles: arrayOf(text),
    hostname: text,
    principal: text,
    webui_url: text,
    capabilities: arrayOf(exact({ type: oneOf(FRAMEWORK_CAPABILITY_TYPES) })),
  },
  ["user", "name", "failover_timeout", "checkpoint"],
);

/** A command task: a shell or argv command, scalar resources, nothing else. */
const commandTask = exact(
  {
    name: text,
    task_id: id,
    agent_id: id,
    resources: arrayOf(scalarResource),
    command: exact({ value: text, shell: boolean, arguments: arrayOf(text), user: text }, [
      "shell",
    ]),
  },
  ["name", "task_id", "agent_id", "command"],
);

/** Agent channel Event RUN_TASK of a plain command task. */
export const agentRunTaskEvent = typed(
  "RUN_TASK",
  complete({ framework_info: frameworkInfo, framework_id: id, task: commandTask }),
);

/** Agent channel Event PING. */
export const agentPingEvent = typed("PING", complete({ connected: boolean }));

/** A task as an agent reports it when it (re-)subscribes: scalar resources, plain statuses. */
const reportedTask = exact(
  {
    name: text,
    task_id: id,
    framework_id: id,
    executor_id: id,
    agent_id: id,
    state: oneOf(TASK_STATES),
    resources: arrayOf(scalarResource),
    statuses: arrayOf(plainTaskStatus),
    status_update_state: oneOf(TASK_STATES),
    status_update_uuid: base64,
  },
  ["name", "task_id", "framework_id", "agent_id", "state"],
);

/**
 * Agent channel Call SUBSCRIBE of an agent with scalar resources and no attributes, running
 * plain tasks of command executors (src/agent/core/registration.ts subscribeCall).
 */
export const agentSubscribeCall = typed(
  "SUBSCRIBE",
  exact(
    {
      agent_info: exact({ hostname: text, port: int32, resources: arrayOf(scalarResource), id }, [
        "hostname",
        "port",
      ]),
      agent_id: id,
      address: complete({ ip: text, port: int32 }),
      version: text,
      capabilities: arrayOf(complete({ type: oneOf(AGENT_CAPABILITY_TYPES) })),
      total_resources: arrayOf(scalarResource),
      checkpointed_resources: arrayOf(scalarResource),
      executors: none,
      tasks: arrayOf(reportedTask),
      frameworks: arrayOf(frameworkInfo),
    },
    ["agent_info", "version"],
  ),
  { agent_id: id },
);

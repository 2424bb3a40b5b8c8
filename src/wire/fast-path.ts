// Fast paths for the few small messages every status update sends across a process boundary:
// the agent's UPDATE call (at the master), the master's UPDATE event (at a scheduler), the
// scheduler's ACKNOWLEDGE call (at the master) and the master's ACKNOWLEDGE event (at the
// agent). Each is still validated where it enters the process; a shape below only recognises,
// without zod, JSON that its schema would accept and give back unchanged, and parseWire then
// returns it as it is (see `registerFastPath` in json.ts). Zod's general machinery cost
// several times more per message than the rest of handling it.
//
// A shape is deliberately narrow: known keys only (zod drops unknown ones), exact JSON types
// (zod also converts "1" and "true"), enum names it knows (an optional enum drops unknown
// ones), base64 checked with the schema's own pattern. Anything else, null included, falls
// through to zod, so what is refused and every error message are zod's, unchanged. Under the
// test runner parseWire also runs zod on what a shape accepted and checks the two agree.
import { FRAMEWORK_CAPABILITY_TYPES } from "./framework.ts";
import { BASE64 } from "./json.ts";
import { REASONS, SOURCES, TASK_STATES } from "./status.ts";

export type Shape = (value: unknown) => boolean;

export const text: Shape = (v) => typeof v === "string";
/** A proto double: any JSON number (the schema takes every number as it is). */
export const number: Shape = (v) => typeof v === "number";
export const boolean: Shape = (v) => typeof v === "boolean";
export const base64: Shape = (v) => typeof v === "string" && BASE64.test(v);

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

/** A JSON array whose every item has `item`'s shape. */
export function arrayOf(item: Shape): Shape {
  return (v) => Array.isArray(v) && v.every(item);
}

/** Recognised when any of `shapes` recognises it. */
export function anyOf(...shapes: Shape[]): Shape {
  return (v) => shapes.some((shape) => shape(v));
}

/** FrameworkID, AgentID, TaskID, ExecutorID: `{ "value": "..." }`. */
export const id = exact({ value: text }, ["value"]);

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
export const acknowledgeCall = exact(
  {
    framework_id: id,
    type: oneOf(["ACKNOWLEDGE"]),
    acknowledge: exact({ agent_id: id, task_id: id, uuid: base64 }, [
      "agent_id",
      "task_id",
      "uuid",
    ]),
  },
  ["type", "acknowledge"],
);

/** Scheduler Event UPDATE with a plain status. */
export const updateEvent = exact(
  {
    type: oneOf(["UPDATE"]),
    update: exact({ status: plainTaskStatus }, ["status"]),
  },
  ["type", "update"],
);

/** Agent channel Call UPDATE with a plain status. */
export const agentUpdateCall = exact(
  {
    type: oneOf(["UPDATE"]),
    agent_id: id,
    update: exact(
      {
        framework_id: id,
        executor_id: id,
        status: plainTaskStatus,
        latest_state: oneOf(TASK_STATES),
      },
      ["framework_id", "status"],
    ),
  },
  ["type", "update"],
);

/** Agent channel Event ACKNOWLEDGE. */
export const agentAcknowledgeEvent = exact(
  {
    type: oneOf(["ACKNOWLEDGE"]),
    acknowledge: exact({ framework_id: id, task_id: id, uuid: base64 }, [
      "framework_id",
      "task_id",
      "uuid",
    ]),
  },
  ["type", "acknowledge"],
);

/** A scalar resource as a task carries it (cpus, mem, disk): no reservations, no disk info. */
const scalarResource = exact(
  {
    name: text,
    type: oneOf(["SCALAR"]),
    scalar: exact({ value: number }, ["value"]),
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
export const agentRunTaskEvent = exact(
  {
    type: oneOf(["RUN_TASK"]),
    run_task: exact({ framework_info: frameworkInfo, framework_id: id, task: commandTask }, [
      "framework_info",
      "framework_id",
      "task",
    ]),
  },
  ["type", "run_task"],
);

/** Agent channel Event PING. */
export const agentPingEvent = exact(
  { type: oneOf(["PING"]), ping: exact({ connected: boolean }, ["connected"]) },
  ["type", "ping"],
);

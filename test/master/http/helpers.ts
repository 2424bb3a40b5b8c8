// Test helpers for the master's HTTP conformance tests: a real master on port 0 with a silent
// logger, a scheduler client (the v1 client of src/http/client.ts), and an event reader that
// waits for the next matching event with a bound instead of sleeping.
//
// With TESSERA_TEST_WIRE=protobuf (the *.protobuf.test.ts files set it) the scheduler and
// operator helpers speak application/x-protobuf instead: calls are encoded from the same JSON,
// events and answers decoded back to it, so the same scenarios run over both media types.
import assert from "node:assert/strict";
import { pino } from "pino";
import { postCall, subscribe } from "../../../src/http/client.ts";
import {
  type RunningMaster,
  type StartMasterOptions,
  startMaster,
} from "../../../src/master/server.ts";
import { parseWireText, stringifyWire } from "../../../src/wire/json.ts";
import { MasterCall, MasterResponse } from "../../../src/wire/operator-master.ts";
import { encodeProtobuf, parseProtobuf } from "../../../src/wire/protobuf.ts";
import { readRecords } from "../../../src/wire/recordio.ts";
import { SchedulerCall, SchedulerEvent } from "../../../src/wire/scheduler.ts";
import { launchCall, scalar } from "../scheduler-calls.ts";
import type { TestAgent } from "./test-agent.ts";

/** Longest a test waits for an expected event before failing. */
export const EVENT_WAIT_MS = 10_000;

export type Event = Record<string, unknown> & { type?: string };

export async function startTestMaster(
  flags: Record<string, string> = {},
  options: Omit<StartMasterOptions, "flags" | "logger"> = {},
): Promise<RunningMaster> {
  return startMaster({
    flags: { registry: "in_memory", port: "0", ip: "127.0.0.1", hostname: "localhost", ...flags },
    logger: pino({ level: "silent" }),
    ...options,
  });
}

/** Reads a RecordIO event stream; `next` waits (bounded) for the next event that matches. */
export class EventReader {
  readonly seen: Event[] = [];
  readonly #iterator: AsyncIterator<unknown>;
  #ended = false;

  constructor(events: AsyncIterable<unknown>) {
    this.#iterator = events[Symbol.asyncIterator]();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The next event (heartbeats included), or undefined when the stream ended. */
  async nextAny(timeoutMs = EVENT_WAIT_MS): Promise<Event | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([this.#iterator.next(), timeout]);
      if (result.done) {
        this.#ended = true;
        return undefined;
      }
      const event = result.value as Event;
      this.seen.push(event);
      return event;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Skips heartbeats and events not matching `type` until one matches. */
  async next(type: string, timeoutMs = EVENT_WAIT_MS): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.nextAny(Math.max(1, deadline - Date.now()));
      assert.ok(event !== undefined, `stream ended while waiting for ${type}`);
      if (event.type === type) return event;
    }
  }

  /** Waits until the server ends the stream (bounded). */
  async end(timeoutMs = EVENT_WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) await this.nextAny(Math.max(1, deadline - Date.now()));
  }
}

export interface TestScheduler {
  frameworkId: string;
  streamId: string;
  events: EventReader;
  headers: Record<string, string>;
  /** POSTs a call with this subscription's stream id and framework id. */
  call(body: Record<string, unknown>): Promise<{ status: number; body: string }>;
  close(): void;
}

/** A MULTI_ROLE framework of role "web" (what most of these tests subscribe), plus `extra`. */
export function webFramework(
  user: string,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { user, name, roles: ["web"], capabilities: [{ type: "MULTI_ROLE" }], ...extra };
}

export const DEFAULT_FRAMEWORK_INFO = webFramework("alice", "conformance");

export function schedulerUrl(master: RunningMaster, prefixed = false): string {
  return `${master.url}${prefixed ? "/master" : ""}/api/v1/scheduler`;
}

/** Subscribes a framework and reads SUBSCRIBED (and the HEARTBEAT after it). */
export async function subscribeScheduler(
  master: RunningMaster,
  frameworkInfo: Record<string, unknown> = DEFAULT_FRAMEWORK_INFO,
  frameworkId?: string,
): Promise<TestScheduler> {
  const body: Record<string, unknown> = {
    type: "SUBSCRIBE",
    subscribe: {
      framework_info: frameworkId
        ? { ...frameworkInfo, id: { value: frameworkId } }
        : frameworkInfo,
    },
  };
  if (frameworkId) body.framework_id = { value: frameworkId };
  const sub = PROTOBUF
    ? await subscribeProtobuf(schedulerUrl(master), body)
    : await subscribe(schedulerUrl(master), JSON.stringify(body));
  assert.ok(
    sub.ok,
    `SUBSCRIBE refused: ${sub.ok ? "" : `${sub.response.status} ${sub.response.body}`}`,
  );
  const events = new EventReader(sub.events);
  const subscribed = await events.next("SUBSCRIBED");
  const id = (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value;
  const streamId = sub.streamId ?? "";
  return {
    frameworkId: id,
    streamId,
    events,
    headers: sub.headers,
    call: (call) =>
      PROTOBUF
        ? postProtobuf(
            schedulerUrl(master),
            SchedulerCall,
            { framework_id: { value: id }, ...call },
            {
              "Mesos-Stream-Id": streamId,
            },
          )
        : postCall(schedulerUrl(master), JSON.stringify({ framework_id: { value: id }, ...call }), {
            headers: { "Mesos-Stream-Id": streamId },
          }),
    close: () => sub.close(),
  };
}

/** POSTs an operator call and parses the JSON answer (if any). */
export async function operatorCall(
  master: RunningMaster,
  call: Record<string, unknown>,
): Promise<{ status: number; body: string; json: Record<string, unknown> | undefined }> {
  const res = PROTOBUF
    ? await postProtobuf(`${master.url}/api/v1`, MasterCall, call)
    : await postCall(`${master.url}/api/v1`, JSON.stringify(call));
  const json =
    res.status === 200 && res.body !== ""
      ? (JSON.parse(res.body) as Record<string, unknown>)
      : undefined;
  return { status: res.status, body: res.body, json };
}

const PROTOBUF = process.env.TESSERA_TEST_WIRE === "protobuf";
const APPLICATION_PROTOBUF = "application/x-protobuf";
/** The media type the helpers speak (see the file's opening comment). */
export const WIRE_MEDIA_TYPE = PROTOBUF ? APPLICATION_PROTOBUF : "application/json";

// A protobuf answer's message as the JSON a JSON answer would have carried.
function protobufAsJson(schema: typeof MasterResponse | typeof SchedulerEvent, bytes: Uint8Array) {
  const parsed = parseProtobuf(schema, bytes);
  assert.ok(parsed.ok, parsed.ok ? "" : `undecodable protobuf answer: ${parsed.error}`);
  return parseWireText(stringifyWire(parsed.value));
}

async function postProtobuf(
  url: string,
  schema: typeof SchedulerCall | typeof MasterCall,
  call: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": APPLICATION_PROTOBUF, Accept: APPLICATION_PROTOBUF, ...headers },
    // Unchecked: a test may send a call its schema refuses, to see the master's answer.
    body: encodeProtobuf(schema, call),
    redirect: "manual",
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.headers.get("content-type") !== APPLICATION_PROTOBUF) {
    return { status: res.status, body: Buffer.from(bytes).toString("utf8") };
  }
  return { status: res.status, body: stringifyWire(protobufAsJson(MasterResponse, bytes)) };
}

async function subscribeProtobuf(url: string, call: Record<string, unknown>) {
  const abort = new AbortController();
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": APPLICATION_PROTOBUF, Accept: APPLICATION_PROTOBUF },
    body: encodeProtobuf(SchedulerCall, call),
    signal: abort.signal,
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (res.status !== 200 || res.body === null) {
    return { ok: false as const, response: { status: res.status, body: await res.text() } };
  }
  const body = res.body;
  async function* events(): AsyncGenerator<unknown, void, undefined> {
    try {
      for await (const record of readRecords(body)) yield protobufAsJson(SchedulerEvent, record);
    } catch (error) {
      if (abort.signal.aborted) return;
      throw error;
    }
  }
  return {
    ok: true as const,
    headers,
    streamId: headers["mesos-stream-id"],
    events: events(),
    close: () => abort.abort(),
  };
}

/** GET_STATE with volatile fields (times, heartbeats) removed, for before/after comparisons. */
export async function stableState(master: RunningMaster): Promise<unknown> {
  const res = await operatorCall(master, { type: "GET_STATE" });
  assert.equal(res.status, 200);
  return JSON.parse(res.body, (key, value) =>
    key === "registered_time" || key === "reregistered_time" || key === "unregistered_time"
      ? undefined
      : value,
  );
}

export async function getJson(url: string): Promise<{ status: number; json: Loose }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, json: text === "" ? undefined : JSON.parse(text) };
}

/** Parsed JSON the tests read by path; the assertions check the shape. */
// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, read by path in assertions
export type Loose = any;

/** A command TaskInfo using 1 cpu of `role` on the offer's agent. */
export function taskInfo(offer: Loose, taskId: string, role = "web", cpus = 1): Loose {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: [scalar("cpus", cpus, role)],
    command: { value: "sleep 100" },
  };
}

/** A task as a re-registering agent reports it: TASK_RUNNING with 1 cpu of role web. */
export function runningTask(taskId: string, frameworkId: string, agentId: string): Loose {
  return {
    name: taskId,
    task_id: { value: taskId },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    state: "TASK_RUNNING",
    resources: [scalar("cpus", 1, "web")],
  };
}

/** ACCEPT of `offerIds` with one LAUNCH of `tasks` (refuse_seconds 0: re-offered at once). */
export function acceptLaunch(
  scheduler: TestScheduler,
  offerIds: Loose[],
  tasks: Loose[],
): Promise<{ status: number; body: string }> {
  return scheduler.call(launchCall(offerIds, tasks, { refuse_seconds: 0 }));
}

/**
 * An offer the framework holds now (GET_FRAMEWORKS), or the next one it gets: an OFFERS event
 * skipped while a test waited for another event is still found this way.
 */
export async function currentOffer(
  master: RunningMaster,
  scheduler: TestScheduler,
): Promise<Loose> {
  const res = await operatorCall(master, { type: "GET_FRAMEWORKS" });
  const frameworks = ((res.json as Loose)?.get_frameworks?.frameworks ?? []) as Loose[];
  const held = frameworks.find((f) => f.framework_info.id.value === scheduler.frameworkId)
    ?.offers?.[0];
  if (held !== undefined) return held;
  return ((await scheduler.events.next("OFFERS")).offers as Loose).offers[0];
}

/** Launches one task from an offer the scheduler holds; the agent reports it RUNNING. */
export async function launchRunning(
  master: RunningMaster,
  scheduler: TestScheduler,
  agent: TestAgent,
  taskId: string,
): Promise<void> {
  const offer = await currentOffer(master, scheduler);
  const res = await acceptLaunch(scheduler, [offer.id], [taskInfo(offer, taskId)]);
  assert.equal(res.status, 202, res.body);
  await agent.waitFor("RUN_TASK");
  await agent.sendUpdate(scheduler.frameworkId, taskId, "TASK_RUNNING");
  await scheduler.events.next("UPDATE");
}

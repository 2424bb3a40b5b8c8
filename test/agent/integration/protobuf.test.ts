// application/x-protobuf end to end: a scheduler (here, over fetch) and a custom executor (its
// own process, started by the agent) that speak only protobuf — request bodies, RecordIO
// streams of protobuf events — against a real master and agent; the operator APIs over
// protobuf; a protobuf request answered in JSON; bad protobuf bodies refused with Mesos's 400.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import type { RunningAgent } from "../../../src/agent/server.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import {
  AgentOperatorCall,
  AgentOperatorResponse,
  encodeProtobufChecked,
  MasterCall,
  MasterEvent,
  MasterResponse,
  parseProtobuf,
  readRecords,
  SchedulerCall,
  SchedulerEvent,
} from "../../../src/wire/index.ts";
import {
  EVENT_WAIT_MS,
  FRAMEWORK_INFO,
  type Loose,
  startMasterForAgents,
  startTestAgent,
  tempWorkDir,
} from "./helpers.ts";

const PB = "application/x-protobuf";
const WIRE = fileURLToPath(new URL("../../../src/wire/index.ts", import.meta.url));
const UUID = fileURLToPath(new URL("../../../src/base/uuid.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

// Subscribes in protobuf, runs the task it is given (RUNNING, then FINISHED) and exits once the
// agent acknowledged the terminal update. Any unexpected answer exits non-zero.
const EXECUTOR_SOURCE = `
import { ExecutorCall, ExecutorEvent, encodeProtobufChecked, parseProtobuf, readRecords }
  from ${JSON.stringify(WIRE)};
import { randomUuidBase64 } from ${JSON.stringify(UUID)};
const PB = "application/x-protobuf";
const url = "http://" + process.env.MESOS_AGENT_ENDPOINT + "/api/v1/executor";
const ids = { framework_id: { value: process.env.MESOS_FRAMEWORK_ID },
  executor_id: { value: process.env.MESOS_EXECUTOR_ID } };
const post = (call) => fetch(url, { method: "POST", headers: { "Content-Type": PB, Accept: PB },
  body: encodeProtobufChecked(ExecutorCall, { ...ids, ...call }) });
const res = await post({ type: "SUBSCRIBE", subscribe: {} });
if (res.status !== 200 || res.headers.get("content-type") !== PB) process.exit(2);
async function update(task, state, message) {
  const uuid = randomUuidBase64();
  const status = { task_id: task.task_id, state, source: "SOURCE_EXECUTOR",
    executor_id: ids.executor_id, timestamp: Date.now() / 1000, uuid, message };
  const answer = await post({ type: "UPDATE", update: { status } });
  if (answer.status !== 202) process.exit(3);
  return uuid;
}
let terminal;
for await (const record of readRecords(res.body)) {
  const event = parseProtobuf(ExecutorEvent, record);
  if (!event.ok) process.exit(4);
  const e = event.value;
  if (e.type === "LAUNCH") {
    await update(e.launch.task, "TASK_RUNNING", "running over protobuf");
    terminal = await update(e.launch.task, "TASK_FINISHED", "finished over protobuf");
  } else if (e.type === "ACKNOWLEDGED" && e.acknowledged.uuid === terminal) process.exit(0);
  else if (e.type === "SHUTDOWN") process.exit(0);
}
`;

async function postProtobuf<S extends z.ZodType>(
  url: string,
  schema: S,
  call: z.input<S>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": PB, Accept: PB, ...headers },
    body: encodeProtobufChecked(schema, call),
  });
}

async function decoded<S extends z.ZodType>(res: Response, schema: S): Promise<z.output<S>> {
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), PB);
  const parsed = parseProtobuf(schema, new Uint8Array(await res.arrayBuffer()));
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.value;
}

/** A scheduler that speaks only protobuf: its SUBSCRIBE stream and its calls. */
class ProtobufScheduler {
  readonly events: SchedulerEvent[] = [];
  #waiters: Array<() => void> = [];
  readonly #abort = new AbortController();
  streamId = "";
  frameworkId = "";

  constructor(readonly url: string) {}

  async subscribe(): Promise<void> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": PB, Accept: PB },
      body: encodeProtobufChecked(SchedulerCall, {
        type: "SUBSCRIBE",
        subscribe: { framework_info: FRAMEWORK_INFO as Loose },
      }),
      signal: this.#abort.signal,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), PB);
    this.streamId = res.headers.get("mesos-stream-id") ?? "";
    void this.#pump(res);
    const subscribed = await this.until("SUBSCRIBED", () =>
      this.events.find((e) => e.type === "SUBSCRIBED"),
    );
    this.frameworkId = subscribed.subscribed?.framework_id.value ?? "";
  }

  async #pump(res: Response): Promise<void> {
    try {
      for await (const record of readRecords(res.body as AsyncIterable<Uint8Array>)) {
        const event = parseProtobuf(SchedulerEvent, record);
        assert.ok(event.ok, event.ok ? "" : event.error);
        this.events.push(event.value);
        if (event.value.type === "UPDATE" && event.value.update?.status.uuid !== undefined) {
          const { status } = event.value.update;
          await this.call({
            type: "ACKNOWLEDGE",
            acknowledge: {
              agent_id: status.agent_id as Loose,
              task_id: status.task_id,
              uuid: status.uuid as string,
            },
          });
        }
        for (const w of this.#waiters.splice(0)) w();
      }
    } catch {
      // The stream ends when the test closes it.
    }
  }

  call(call: z.input<typeof SchedulerCall>): Promise<Response> {
    return postProtobuf(
      this.url,
      SchedulerCall,
      { framework_id: { value: this.frameworkId }, ...call },
      {
        "Mesos-Stream-Id": this.streamId,
      },
    );
  }

  async until<T>(what: string, found: () => T | undefined): Promise<T> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close(): void {
    this.#abort.abort();
  }
}

function updateOf(event: SchedulerEvent, taskId: string, state: string) {
  const status = event.update?.status;
  return status?.task_id.value === taskId && status.state === state ? status : undefined;
}

describe("a scheduler and an executor speaking protobuf with a real master and agent", () => {
  let master: RunningMaster;
  let agent: RunningAgent;
  let work: { dir: string; remove: () => Promise<void> };
  let scheduler: ProtobufScheduler;

  before(async () => {
    work = await tempWorkDir();
    master = await startMasterForAgents();
    agent = await startTestAgent(master, work.dir, { isolation: "posix/cpu,posix/mem" });
    scheduler = new ProtobufScheduler(`${master.url}/api/v1/scheduler`);
    await scheduler.subscribe();
  });
  after(async () => {
    scheduler?.close();
    await agent?.close();
    await master?.close();
    await work?.remove();
  });

  it("launches a task on a custom executor and sees it finish, every message in protobuf", async () => {
    const script = join(work.dir, "protobuf-executor.mjs");
    await writeFile(script, EXECUTOR_SOURCE);
    const offer = await scheduler.until(
      "an offer",
      () => scheduler.events.find((e) => e.type === "OFFERS")?.offers?.offers?.[0],
    );
    assert.equal(offer.url?.address.ip, "127.0.0.1");
    // The container holds a whole Node.js process (the default 32 MB would be exceeded).
    const resources = Object.entries({ cpus: 0.1, mem: 256 }).map(([name, value]) => ({
      name,
      type: "SCALAR" as const,
      scalar: { value },
    }));
    const command = { value: `${process.execPath} --import ${TSX} ${script}` };
    const executor = { executor_id: { value: "pb-ex" }, name: "protobuf executor", command };
    const task = {
      name: "pb",
      task_id: { value: "pb-1" },
      agent_id: offer.agent_id,
      resources,
      executor,
    };
    const operations = [{ type: "LAUNCH" as const, launch: { task_infos: [task] } }];
    const accepted = await scheduler.call({
      type: "ACCEPT",
      accept: { offer_ids: [offer.id], operations },
    });
    assert.equal(accepted.status, 202);
    const running = await scheduler.until("TASK_RUNNING", () =>
      scheduler.events.map((e) => updateOf(e, "pb-1", "TASK_RUNNING")).find(Boolean),
    );
    assert.equal(running.message, "running over protobuf");
    assert.equal(running.source, "SOURCE_EXECUTOR");
    const finished = await scheduler.until("TASK_FINISHED", () =>
      scheduler.events.map((e) => updateOf(e, "pb-1", "TASK_FINISHED")).find(Boolean),
    );
    assert.equal(finished.message, "finished over protobuf");
    assert.equal(finished.executor_id?.value, "pb-ex");

    // The operator APIs answer the same in protobuf.
    const tasks = await decoded(
      await postProtobuf(`${master.url}/api/v1`, MasterCall, { type: "GET_TASKS" }),
      MasterResponse,
    );
    const all = [...(tasks.get_tasks?.tasks ?? []), ...(tasks.get_tasks?.completed_tasks ?? [])];
    assert.ok(all.some((t) => t.task_id.value === "pb-1"));
    const agentTasks = await decoded(
      await postProtobuf(`${agent.url}/api/v1`, AgentOperatorCall, { type: "GET_TASKS" }),
      AgentOperatorResponse,
    );
    assert.equal(agentTasks.type, "GET_TASKS");
  });

  it("a protobuf request with a JSON Accept is answered in JSON", async () => {
    const res = await postProtobuf(
      `${master.url}/api/v1`,
      MasterCall,
      { type: "GET_HEALTH" },
      { Accept: "application/json" },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), { type: "GET_HEALTH", get_health: { healthy: true } });
  });

  it("the operator event stream sends protobuf records", async () => {
    const abort = new AbortController();
    const res = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": PB, Accept: PB },
      body: encodeProtobufChecked(MasterCall, { type: "SUBSCRIBE" }),
      signal: abort.signal,
    });
    assert.equal(res.headers.get("content-type"), PB);
    const types: string[] = [];
    for await (const record of readRecords(res.body as AsyncIterable<Uint8Array>)) {
      const event = parseProtobuf(MasterEvent, record);
      assert.ok(event.ok);
      types.push(event.value.type ?? "");
      if (types.length === 2) break;
    }
    abort.abort();
    assert.deepEqual(types, ["SUBSCRIBED", "HEARTBEAT"]);
  });

  it("bad protobuf bodies get Mesos's 400 on every v1 API and change nothing", async () => {
    const frameworks = async () =>
      (
        await decoded(
          await postProtobuf(`${master.url}/api/v1`, MasterCall, { type: "GET_FRAMEWORKS" }),
          MasterResponse,
        )
      ).get_frameworks?.frameworks?.length;
    const before = await frameworks();
    // Field 1 (a message or an enum in these Calls) with a length running past the end.
    const garbage = new Uint8Array([0x0a, 0x05]);
    const cases: [string, string][] = [
      [`${master.url}/api/v1/scheduler`, "Failed to parse body into Call protobuf"],
      [`${master.url}/api/v1`, "Failed to parse body into Call protobuf"],
      [`${agent.url}/api/v1/executor`, "Failed to parse body into Call protobuf"],
      [`${agent.url}/api/v1`, "Failed to parse body into a protobuf object"],
    ];
    for (const [url, message] of cases) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": PB },
        body: garbage,
      });
      assert.equal(res.status, 400, url);
      assert.equal(await res.text(), message, url);
    }
    assert.equal(await frameworks(), before);
  });
});

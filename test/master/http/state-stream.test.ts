// The master's state printed as it is written (issue 21): /master/state and GET_STATE answer
// in chunks, their text is the state (running, completed, unicode, Infinity limits) as before,
// and a scheduler call made while a large state is being written is answered before its end.
import assert from "node:assert/strict";
import { request } from "node:http";
import { before, describe, it } from "node:test";
import { subscribe } from "../../../src/http/client.ts";
import { parseWireText } from "../../../src/wire/json.ts";
import { MasterResponse } from "../../../src/wire/operator-master.ts";
import { encodeProtobufChecked } from "../../../src/wire/protobuf.ts";
import { scalar } from "../scheduler-calls.ts";
import {
  acceptLaunch,
  currentOffer,
  EventReader,
  getJson,
  type Loose,
  webFramework,
} from "./helpers.ts";
import { masterSuite } from "./suite.ts";

const TASKS = 48;
/** Each task's label: TASKS of them make a state of several chunks (JSON_CHUNK_CHARS). */
const LABEL_CHARS = 40_000;

interface Timeline {
  events: string[];
  chunks: number;
  transferEncoding: string | undefined;
}

/** Requests `path`; once its first chunk arrives, makes `call`; records what ended first. */
function stateWithCallDuring(
  port: number,
  path: string,
  body: string | undefined,
  call: () => Promise<{ status: number }>,
): Promise<Timeline> {
  return new Promise((resolve, reject) => {
    const timeline: Timeline = { events: [], chunks: 0, transferEncoding: undefined };
    let called: Promise<void> | undefined;
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: body === undefined ? "GET" : "POST",
        headers: {
          "Content-Type": "application/json",
        },
      },
      (res) => {
        timeline.transferEncoding = res.headers["transfer-encoding"];
        res.on("data", () => {
          timeline.chunks++;
          called ??= call().then((answer) => {
            timeline.events.push(`call answered ${answer.status}`);
          });
        });
        res.on("end", () => {
          timeline.events.push("state ended");
          void (called ?? Promise.resolve()).then(() => resolve(timeline), reject);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the state printed as it is written", () => {
  const { master, agent, scheduler } = masterSuite({
    flags: { allocation_interval: "50ms" },
    agent: { hostname: "state-agent" },
    framework: webFramework("ünïcode ✓", "state 雪 🚀"),
  });
  before(async () => {
    const offer = await currentOffer(master, scheduler);
    const tasks = Array.from({ length: TASKS }, (_, i) => ({
      name: `task ${i} ✓`,
      task_id: { value: `t-${i}` },
      agent_id: offer.agent_id,
      resources: [scalar("cpus", 0.01, "web")],
      limits: { cpus: "Infinity" },
      labels: { labels: [{ key: "pad", value: `${"é".repeat(LABEL_CHARS)}` }] },
      command: { value: "sleep 100" },
    }));
    const res = await acceptLaunch(scheduler, [offer.id], tasks);
    assert.equal(res.status, 202, res.body);
    for (let i = 0; i < TASKS; i++) await agent.waitFor("RUN_TASK");
    await agent.sendUpdate(scheduler.frameworkId, "t-0", "TASK_RUNNING");
    await agent.sendUpdate(scheduler.frameworkId, "t-1", "TASK_FINISHED");
    for (let i = 0; i < 2; i++) {
      const { status } = (await scheduler.events.next("UPDATE")).update as Loose;
      const ack = await scheduler.call({
        type: "ACKNOWLEDGE",
        acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
      });
      assert.equal(ack.status, 202, ack.body);
    }
  });

  /** `answers` protobuf GET_STATEs, each the bytes of the JSON answer's state encoded at once. */
  const protobufMatchesJson = async (answers: number) => {
    const call = (accept: string) =>
      fetch(`${master.url}/api/v1`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: accept },
        body: JSON.stringify({ type: "GET_STATE" }),
      });
    const json = parseWireText(await (await call("application/json")).text());
    const expected = Buffer.from(encodeProtobufChecked(MasterResponse, json as Loose));
    for (let i = 0; i < answers; i++) {
      const res = await call("application/x-protobuf");
      assert.equal(res.headers.get("content-type"), "application/x-protobuf");
      assert.equal(res.headers.get("transfer-encoding"), "chunked");
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.ok(bytes.equals(expected), `answer ${i} differs`);
    }
  };

  const decline = () =>
    scheduler.call({
      type: "DECLINE",
      decline: { offer_ids: [{ value: `${scheduler.frameworkId}-O999999` }] },
    });

  it("/master/state lists running, staging and completed tasks with their unicode and limits", async () => {
    const { status, json } = await getJson(`${master.url}/master/state`);
    assert.equal(status, 200);
    const f = (json as Loose).frameworks[0];
    assert.equal(f.name, "state 雪 🚀");
    assert.equal(f.user, "ünïcode ✓");
    assert.equal(f.tasks.length, TASKS - 1);
    assert.deepEqual(
      f.completed_tasks.map((t: Loose) => [t.id, t.state]),
      [["t-1", "TASK_FINISHED"]],
    );
    const running = f.tasks.find((t: Loose) => t.id === "t-0");
    assert.equal(running.state, "TASK_RUNNING");
    assert.equal(running.name, "task 0 ✓");
    // Legacy JSON is JSON.stringify's: a limit of Infinity shows as null, as before.
    assert.deepEqual(running.limits, { cpus: { value: null } });
    assert.equal(running.labels[0].value.length, LABEL_CHARS);
    assert.deepEqual(json.orphan_tasks, []);
  });

  it("GET_STATE shows the same tasks, Infinity as Mesos prints it, no empty lists", async () => {
    const res = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ type: "GET_STATE" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const text = await res.text();
    assert.match(text, /"limits":\{"cpus":\{"value":Infinity\}\}/);
    assert.doesNotMatch(text, /"unreachable_tasks"/);
    const state = JSON.parse(text.replaceAll(":Infinity", ':"Infinity"')) as Loose;
    const tasks = state.get_state.get_tasks;
    assert.equal(tasks.tasks.length, TASKS - 1);
    assert.deepEqual(
      tasks.completed_tasks.map((t: Loose) => t.task_id.value),
      ["t-1"],
    );
    assert.equal(tasks.tasks[0].user, "ünïcode ✓");
  });

  it("GET_STATE in protobuf is, byte for byte, the JSON answer's state encoded at once (and stays so from kept entries)", async () => {
    await protobufMatchesJson(2);
  });

  it("the operator stream's SUBSCRIBED of a state of several chunks is whole, then HEARTBEAT, then what happened meanwhile", async () => {
    const sub = await subscribe(`${master.url}/api/v1`, JSON.stringify({ type: "SUBSCRIBE" }));
    assert.ok(sub.ok);
    // Made while SUBSCRIBED may still be printing: its event must come after SUBSCRIBED.
    await agent.sendUpdate(scheduler.frameworkId, "t-3", "TASK_RUNNING");
    try {
      const events = new EventReader(sub.events);
      const first = (await events.nextAny()) as Loose;
      assert.equal(first.type, "SUBSCRIBED");
      const tasks = first.subscribed.get_state.get_tasks;
      assert.equal(tasks.tasks.length + tasks.completed_tasks.length, TASKS);
      assert.equal((await events.nextAny())?.type, "HEARTBEAT");
      const t3 = tasks.tasks.find((t: Loose) => t.task_id.value === "t-3");
      if (t3.state === "TASK_STAGING") {
        const updated = (await events.next("TASK_UPDATED")) as Loose;
        assert.equal(updated.task_updated.state, "TASK_RUNNING");
      }
    } finally {
      sub.close();
    }
    await scheduler.events.next("UPDATE");
  });

  it("a task that changed after a state answer shows its new state in the next (kept texts)", async () => {
    const stateOf = async (id: string) => {
      const legacy = (await getJson(`${master.url}/master/state`)).json as Loose;
      const v1 = await fetch(`${master.url}/api/v1`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ type: "GET_STATE" }),
      });
      const text = (await v1.text()).replaceAll(":Infinity", ':"Infinity"');
      const tasks = (JSON.parse(text) as Loose).get_state.get_tasks.tasks as Loose[];
      return [
        legacy.frameworks[0].tasks.find((t: Loose) => t.id === id).state,
        tasks.find((t) => t.task_id.value === id).state,
      ];
    };
    assert.deepEqual(await stateOf("t-2"), ["TASK_STAGING", "TASK_STAGING"]);
    await protobufMatchesJson(1);
    await agent.sendUpdate(scheduler.frameworkId, "t-2", "TASK_RUNNING");
    await scheduler.events.next("UPDATE");
    assert.deepEqual(await stateOf("t-2"), ["TASK_RUNNING", "TASK_RUNNING"]);
    await protobufMatchesJson(1);
  });

  for (const [name, path, body] of [
    ["/master/state", "/master/state", undefined],
    ["GET_STATE", "/api/v1", JSON.stringify({ type: "GET_STATE" })],
  ] as const) {
    it(`a scheduler call made while ${name} is written is answered before its last chunk`, async () => {
      const timeline = await stateWithCallDuring(master.port, path, body, decline);
      assert.equal(timeline.transferEncoding, "chunked");
      assert.ok(timeline.chunks > 1, `${timeline.chunks} chunks`);
      assert.deepEqual(timeline.events, ["call answered 202", "state ended"]);
    });
  }
});

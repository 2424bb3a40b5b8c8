// Hostile but well-formed input over real HTTP (issue 22, faults 1, 2 and 7): absurd numbers,
// deeply nested JSON, registrations as large as the master admitted. Each is answered with a
// clear 4xx (or accepted) and leaves the master serving.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postCall } from "../../../src/http/client.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { AGENT_CHANNEL_PATH } from "../../../src/wire/agent-channel.ts";
import {
  acceptLaunch,
  currentOffer,
  type Loose,
  operatorCall,
  startTestMaster,
  subscribeScheduler,
  type TestScheduler,
  taskInfo,
} from "./helpers.ts";
import { TestAgent } from "./test-agent.ts";

function agentSubscribeBody(cpus: string): string {
  // Spliced as text: `1e999` parses to Infinity, which JSON.stringify cannot write.
  const resources = `[{"name":"cpus","type":"SCALAR","scalar":{"value":${cpus}}}]`;
  return `{"type":"SUBSCRIBE","subscribe":{"agent_info":{"hostname":"bad","resources":${resources}},"version":"1","total_resources":${resources}}}`;
}

describe("hostile input: absurd numbers", () => {
  let master: RunningMaster;
  let agent: TestAgent;
  let scheduler: TestScheduler;
  before(async () => {
    master = await startTestMaster();
    agent = await TestAgent.start(master.url);
    scheduler = await subscribeScheduler(master);
  });
  after(async () => {
    scheduler.close();
    agent.close();
    await master.close();
  });

  for (const cpus of ["1e999", '"Infinity"', '"NaN"', "1e308", "-1"]) {
    it(`an agent registering with cpus ${cpus} gets 400 and GET_STATE stays strict JSON`, async () => {
      const res = await postCall(
        `${master.url}/master/${AGENT_CHANNEL_PATH}`,
        agentSubscribeBody(cpus),
      );
      assert.equal(res.status, 400, res.body);
      assert.match(res.body, /Invalid resources in 'agent_info.resources'/);
      const state = await operatorCall(master, { type: "GET_STATE" });
      assert.equal(state.status, 200);
      assert.doesNotThrow(() => JSON.parse(state.body));
      assert.doesNotMatch(state.body, /"hostname":"bad"/);
    });
  }

  it("a LAUNCH with cpus 1e308 gets TASK_ERROR, and the agent is offered again", async () => {
    const offer = await currentOffer(master, scheduler);
    const task = taskInfo(offer, "huge", "web", 1e308);
    const res = await acceptLaunch(scheduler, [offer.id], [task]);
    assert.equal(res.status, 202, res.body);
    const update = (await scheduler.events.next("UPDATE")).update as Loose;
    assert.equal(update.status.state, "TASK_ERROR");
    assert.match(update.status.message, /Task uses invalid resources/);
    const again = (await scheduler.events.next("OFFERS")).offers as Loose;
    assert.equal(again.offers[0].agent_id.value, agent.agentId);
  });
});

describe("hostile input: JSON shape", () => {
  let master: RunningMaster;
  before(async () => {
    master = await startTestMaster();
  });
  after(async () => {
    await master.close();
  });

  it("JSON nested 10,000 levels gets 400 naming the bound, at every v1 endpoint", async () => {
    const deep = `{"type":"SUBSCRIBE","subscribe":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    for (const path of ["/api/v1/scheduler", "/api/v1", `/master/${AGENT_CHANNEL_PATH}`]) {
      const res = await postCall(`${master.url}${path}`, deep);
      assert.equal(res.status, 400, `${path}: ${res.body}`);
      assert.match(res.body, /Failed to parse body into JSON: JSON is nested deeper than 100/);
    }
  });

  it("ten concurrent 4 MB bodies of nested arrays are each refused with 400", async () => {
    const items = Array(800_000).fill("[[]]").join(",");
    const body = `{"type":"ACCEPT","accept":{"offer_ids":[${items}]}}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => postCall(`${master.url}/api/v1/scheduler`, body)),
    );
    for (const res of answers) {
      assert.equal(res.status, 400, res.body.slice(0, 200));
      assert.match(res.body, /JSON holds more than 100000 values/);
    }
    const health = await operatorCall(master, { type: "GET_HEALTH" });
    assert.equal(health.status, 200);
  });
});

describe("hostile input: large registrations", () => {
  let master: RunningMaster;
  before(async () => {
    master = await startTestMaster();
  });
  after(async () => {
    await master.close();
  });

  it("an agent re-registering with 8 MB of admitted task labels is taken, not refused with 413", async () => {
    // 40 tasks of 200 KB labels: each under TASK_INFO_MAX_BYTES, together under the agent's
    // bound, so a master may have launched them all; after its restart they come back at once.
    const frameworkId = "fw-big";
    const tasks = Array.from({ length: 40 }, (_, i) => ({
      name: `t${i}`,
      task_id: { value: `t${i}` },
      framework_id: { value: frameworkId },
      agent_id: { value: "agent-big" },
      state: "TASK_RUNNING",
      resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 0.1 } }],
      labels: { labels: [{ key: "blob", value: "x".repeat(200_000) }] },
    }));
    const agent = await TestAgent.start(master.url, {
      hostname: "big",
      agentId: "agent-big",
      tasks,
      frameworks: [{ id: { value: frameworkId }, user: "u", name: "big", checkpoint: true }],
    });
    const state = await operatorCall(master, { type: "GET_TASKS" });
    assert.equal((state.json as Loose).get_tasks.tasks.length, 40);
    agent.close();
  });

  it("a task with 2.2 MB of labels gets TASK_ERROR over HTTP", async () => {
    const agent = await TestAgent.start(master.url, { hostname: "small" });
    const scheduler = await subscribeScheduler(master);
    const offer = await currentOffer(master, scheduler);
    const task = {
      ...taskInfo(offer, "big"),
      labels: { labels: [{ key: "k", value: "x".repeat(2_200_000) }] },
    };
    const res = await acceptLaunch(scheduler, [offer.id], [task]);
    assert.equal(res.status, 202, res.body);
    const update = (await scheduler.events.next("UPDATE")).update as Loose;
    assert.equal(update.status.state, "TASK_ERROR");
    assert.match(update.status.message, /more than the 262144 bytes a task may carry/);
    scheduler.close();
    agent.close();
  });
});

// The agent's legacy aliases (reference §4.5): `/state.json` and `/slave(1)/state.json` answer
// as `/state`, `/monitor/statistics.json` as `/monitor/statistics`, and `?jsonp=` wraps the
// agent's JSON endpoints as it does the master's.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningAgent } from "../../../src/agent/server.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { startMasterForAgents, startTestAgent, tempWorkDir } from "../integration/helpers.ts";

describe("the agent's legacy aliases", () => {
  let master: RunningMaster;
  let agent: RunningAgent;
  let work: { dir: string; remove: () => Promise<void> };

  before(async () => {
    work = await tempWorkDir();
    master = await startMasterForAgents();
    agent = await startTestAgent(master, work.dir, { isolation: "posix/cpu,posix/mem" });
  });
  after(async () => {
    await agent.close();
    await master.close();
    await work.remove();
  });

  const get = async (path: string) => {
    const res = await fetch(`${agent.url}${path}`);
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
  };

  it("/state.json and /slave(1)/state.json answer as /state", async () => {
    const canonical = await get("/state");
    assert.equal(canonical.status, 200);
    for (const alias of ["/state.json", "/slave(1)/state.json", "/slave(1)/state"]) {
      const res = await get(alias);
      assert.equal(res.status, 200, alias);
      assert.deepEqual(JSON.parse(res.text), JSON.parse(canonical.text), alias);
    }
  });

  it("/monitor/statistics.json answers as /monitor/statistics", async () => {
    const res = await get("/monitor/statistics.json");
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), JSON.parse((await get("/monitor/statistics")).text));
  });

  it("?jsonp= wraps /state.json, /flags and /containers; a bad callback is 400", async () => {
    for (const path of ["/state.json", "/flags", "/containers"]) {
      const res = await get(`${path}?jsonp=cb`);
      assert.equal(res.status, 200, path);
      assert.equal(res.type, "text/javascript", path);
      assert.match(res.text, /^cb\(.*\);$/s, path);
    }
    const bad = await get("/state?jsonp=1bad");
    assert.equal(bad.status, 400);
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AuroraApi } from "../../../src/frameworks/aurora/aurora-api.ts";
import { AuroraHttpServer } from "../../../src/frameworks/aurora/aurora-http.ts";
import { EngineClient } from "../../../src/frameworks/aurora/engine-client.ts";
import { servicesInMemory, uuidNumbered } from "../services/fixtures.ts";

let ids = 0;
const { state, server } = servicesInMemory({ nowMs: Date.now, newId: () => uuidNumbered(++ids) });
// No ZooKeeper and no jobs framework: announcing and cron jobs are refused.
const api = new AuroraApi({
  cluster: "local",
  state,
  nowMs: Date.now,
  engines: new EngineClient({ services: server.api }),
});
const http = new AuroraHttpServer({ api, cluster: "local", nowMs: Date.now });
let base = "";

before(async () => {
  const address = await http.listen(0);
  base = `http://127.0.0.1:${address.port}`;
});
after(() => http.close());

async function post(method: string, body: string) {
  const res = await fetch(`${base}/api/${method}`, { method: "POST", body });
  assert.equal(res.status, 200, "Aurora answers every call with 200 and a responseCode");
  return (await res.json()) as {
    responseCode: string;
    details: { message: string }[];
    serverInfo: unknown;
  };
}

const JOB = `
role: www-data
environment: devel
name: web
service: true
announce: {}
task:
  processes: [{ name: p, cmdline: "sleep 1" }]
  resources: { cpu: 0.1, ram: 16MB }
`;

describe("the Aurora API's HTTP shell", () => {
  test("a call answers Aurora's Response with the cluster's name", async () => {
    const r = await post("getTierConfigs", "");
    assert.equal(r.responseCode, "OK");
    assert.deepEqual(r.serverInfo, { clusterName: "local" });
    assert.deepEqual(r.details, []);
  });

  test("a body that is not JSON, an unknown method", async () => {
    const bad = await post("getJobSummary", "{nope");
    assert.equal(bad.responseCode, "INVALID_REQUEST");
    assert.match(bad.details[0]?.message ?? "", /^body: not JSON/);
    const unknown = await post("snapshot", "{}");
    assert.deepEqual(unknown.details, [{ message: "unknown method 'snapshot'" }]);
  });

  test("announce without ZooKeeper, cron without the jobs framework", async () => {
    const announce = await post("createJob", JSON.stringify({ config: JOB }));
    assert.equal(announce.responseCode, "INVALID_CONFIG");
    assert.equal(
      announce.details[0]?.message,
      "announce: this scheduler has no ZooKeeper to announce in",
    );
    const cron = JOB.replace("service: true", 'cron_schedule: "* * * * *"').replace(
      "announce: {}\n",
      "",
    );
    const r = await post("scheduleCronJob", JSON.stringify({ config: cron }));
    assert.equal(r.responseCode, "ERROR");
    assert.equal(
      r.details[0]?.message,
      "cron and ad-hoc jobs need the jobs framework, which is not running",
    );
  });

  test("/leaderhealth, /vars.json and /vars", async () => {
    assert.equal((await fetch(`${base}/leaderhealth`)).status, 200);
    const vars = (await (await fetch(`${base}/vars.json`)).json()) as Record<string, number>;
    assert.equal(vars.api_calls_createJob, 1);
    assert.equal(vars.task_store_RUNNING, 0);
    assert.equal(typeof vars.scheduler_uptime_secs, "number");
    const text = await (await fetch(`${base}/vars`)).text();
    assert.match(text, /^scheduler_uptime_secs \d+$/m);
    assert.match(text, /^api_calls_scheduleCronJob 1$/m);
  });
});

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { THERMOS_EXECUTOR_OVERHEAD } from "../../../src/frameworks/aurora/job-translate.ts";
import type { ThermosTask } from "../../../src/frameworks/aurora/thermos/task-config.ts";
import type { TaskInfoInput } from "../../../src/sdk/offer-matching.ts";
import { auroraHarness } from "./aurora-harness.ts";

/** A stand-in for the jobs framework and the master: records requests, answers 204/200. */
const seen: { method: string; url: string; body: string }[] = [];
let fake: Server;
let fakeUrl = "";
let quotaGuarantees: Record<string, { value: number }> = {};

const { api, state, nowMs, okCall, refused, offerAndRun } = auroraHarness({
  jobsUrl: () => fakeUrl,
  masterUrl: () => fakeUrl,
});

const JOB = `
role: www-data
environment: prod
name: hello
service: true
instances: 2
constraints: { host: "limit:3" }
update_config: { batch_size: 1, watch_secs: 5 }
announce: { primary_port: http }
instances_config:
  "1": { task: { processes: [{ name: web, cmdline: "./canary {{thermos.ports[http]}}" }] } }
task:
  processes:
    - name: web
      cmdline: ./web --port {{thermos.ports[http]}} --shard {{mesos.instance}}
  resources: { cpu: 0.5, ram: 64MB, ports: [admin] }
`;

const decode = (t: TaskInfoInput) =>
  JSON.parse(Buffer.from(String(t.data), "base64").toString("utf8")) as ThermosTask;

before(async () => {
  fake = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", body });
      if (req.url === "/api/v1" && body.includes("GET_QUOTA")) {
        res.setHeader("Content-Type", "application/json");
        res.end(
          JSON.stringify({
            get_quota: { status: { configs: [{ role: "www-data", guarantees: quotaGuarantees }] } },
          }),
        );
        return;
      }
      if (req.url === "/v1/scheduler/jobs") {
        res.setHeader("Content-Type", "application/json");
        const posted = seen.find((x) => x.url === "/v1/scheduler/iso8601");
        res.end(posted === undefined ? "[]" : `[${posted.body}]`);
        return;
      }
      if (req.url === "/api/v1") {
        const update = JSON.parse(body) as {
          update_quota: { quota_configs: { guarantees: typeof quotaGuarantees }[] };
        };
        quotaGuarantees = update.update_quota.quota_configs[0]?.guarantees ?? {};
      }
      res.statusCode =
        req.url?.startsWith("/v1/scheduler/job/") && req.method === "GET" ? 404 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  const address = fake.address();
  assert.ok(address !== null && typeof address === "object");
  fakeUrl = `http://127.0.0.1:${address.port}`;
});
after(() => new Promise<void>((resolve) => fake.close(() => resolve())));

describe("Aurora API: service jobs on the services engine", () => {
  test("createJob makes the app: role, user, resources, named ports, constraints, update settings", async () => {
    await okCall("createJob", { config: JOB });
    const app = state.app("/aurora/www-data/prod/hello" as never)?.app;
    assert.ok(app !== undefined);
    assert.equal(app.instances, 2);
    assert.equal(app.role, "www-data");
    assert.equal(app.user, "www-data");
    assert.deepEqual(
      [app.cpus, app.mem, app.disk],
      [0.5 + THERMOS_EXECUTOR_OVERHEAD.cpus, 64 + THERMOS_EXECUTOR_OVERHEAD.memMb, 0],
      "the executor's overhead is added",
    );
    assert.deepEqual(
      (app.portDefinitions ?? []).map((p) => p.name),
      ["admin", "http"],
    );
    assert.deepEqual(app.constraints, [["hostname", "MAX_PER", "3"]]);
    assert.equal(app.upgradeStrategy.maximumOverCapacity, 0);
    assert.equal(app.upgradeStrategy.minimumHealthCapacity, 0.5);
    assert.equal(app.upgradeStrategy.watchSeconds, 5);
    assert.equal(app.upgradeStrategy.rollbackOnFailure, false, "a creation is never rolled back");
    assert.equal(app.labels["aurora.role"], "www-data");
    assert.equal(app.thermos?.task.announce?.zk_path, "/aurora/www-data/prod/hello");
    assert.equal(app.thermos?.task.announce?.zk_servers, "127.0.0.1:2181");
    assert.deepEqual(
      app.thermos?.instances.map((r) => [r.first, r.last]),
      [[1, 1]],
    );
  });

  test("a second createJob of the same key is refused", async () => {
    const [code, message] = await refused("createJob", { config: JOB });
    assert.equal(code, "INVALID_REQUEST");
    assert.equal(message, "job local/www-data/prod/hello already exists");
  });

  test("instances launch through the Thermos executor with ports by name and their instance number", () => {
    const launched = offerAndRun();
    assert.equal(launched.length, 2);
    const tasks = launched.map(decode).sort((a, b) => a.instance - b.instance);
    assert.deepEqual(
      tasks.map((t) => t.instance),
      [0, 1],
    );
    for (const [i, t] of launched.entries()) {
      assert.equal(t.executor?.type, "CUSTOM");
      assert.match(String(t.executor?.command?.value), /thermos-executor$/);
      assert.equal(t.executor?.command?.user, "www-data");
      assert.equal(t.executor?.executor_id.value, t.task_id.value);
      assert.equal(t.command, undefined, `task ${i} has no command of its own`);
      const data = decode(t);
      assert.deepEqual(Object.keys(data.ports).sort(), ["admin", "http"]);
      assert.ok((data.ports.http ?? 0) >= 31000);
    }
    assert.match(
      tasks[0]?.processes[0]?.cmdline ?? "",
      /^\.\/web --port \{\{thermos\.ports\[http\]\}\}/,
    );
    assert.match(
      tasks[1]?.processes[0]?.cmdline ?? "",
      /^\.\/canary /,
      "instance 1 runs the canary",
    );
  });

  test("getTasksStatus shows the instances RUNNING with their numbers and ports", async () => {
    const result = await okCall("getTasksStatus", { job: "local/www-data/prod/hello" });
    const tasks = result.tasks as {
      status: string;
      assignedTask: { instanceId: number; assignedPorts: Record<string, number> };
    }[];
    assert.deepEqual(
      tasks.map((t) => t.status),
      ["RUNNING", "RUNNING"],
    );
    assert.deepEqual(tasks.map((t) => t.assignedTask.instanceId).sort(), [0, 1]);
    const summary = await okCall("getJobSummary", { role: "www-data" });
    const [s] = summary.summaries as { stats: { activeTaskCount: number } }[];
    assert.equal(s?.stats.activeTaskCount, 2);
    assert.equal(api.taskStateCounts().RUNNING, 2);
  });

  test("restartShards relaunches only the instances named", async () => {
    const before = (await okCall("getTasksStatus", { job: "local/www-data/prod/hello" })).tasks as {
      assignedTask: { taskId: string; instanceId: number };
    }[];
    await okCall("restartShards", { job: "local/www-data/prod/hello", shardIds: [1] });
    const launched = offerAndRun();
    assert.equal(launched.length, 1, "one replacement");
    const after = (await okCall("getTasksStatus", { job: "local/www-data/prod/hello" })).tasks as {
      assignedTask: { taskId: string; instanceId: number };
      status: string;
    }[];
    const zero = (ts: typeof before) =>
      ts.find((t) => t.assignedTask.instanceId === 0)?.assignedTask.taskId;
    assert.equal(zero(after), zero(before), "instance 0 kept its task");
    assert.equal(after.filter((t) => t.status === "RUNNING").length, 2);
  });

  test("addInstances scales up; the new instance is PENDING until offered", async () => {
    await okCall("addInstances", { job: "local/www-data/prod/hello", count: 1 });
    const pending = await okCall("getPendingReason", { job: "local/www-data/prod/hello" });
    const reasons = pending.reasons as { instanceId: number; reason: string }[];
    assert.equal(reasons.length, 1);
    assert.equal(reasons[0]?.instanceId, 2, "the new instance is number 2");
    offerAndRun();
    const tasks = (await okCall("getTasksStatus", { job: "local/www-data/prod/hello" })).tasks as {
      status: string;
    }[];
    assert.equal(tasks.filter((t) => t.status === "RUNNING").length, 3);
  });

  test("startJobUpdate puts the new config in place as a deployment; update details show it", async () => {
    const result = await okCall("startJobUpdate", {
      config: JOB.replace("./web --port", "./web2 --port"),
    });
    const key = result.key as { job: string; id: string };
    const updated = state.app("/aurora/www-data/prod/hello" as never)?.app;
    assert.equal(
      updated?.upgradeStrategy.rollbackOnFailure,
      true,
      "an update rolls back by default",
    );
    assert.equal(key.job, "local/www-data/prod/hello");
    assert.ok(key.id !== "");
    const details = await okCall("getJobUpdateDetails", { job: "local/www-data/prod/hello" });
    const list = details.updateDetailsList as { update: { summary: { key: { id: string } } } }[];
    assert.equal(list[0]?.update.summary.key.id, key.id);
    const [code] = await refused("rollbackJobUpdate", { job: "local/nobody/prod/none" });
    assert.equal(code, "INVALID_REQUEST");
    await okCall("abortJobUpdate", { job: "local/www-data/prod/hello" });
    assert.equal(state.deploymentsOf("/aurora/www-data/prod/hello" as never).length, 0);
  });

  test("rollbackJobUpdate reverts the update in progress", async () => {
    const cmdline = () =>
      state.app("/aurora/www-data/prod/hello" as never)?.app.thermos?.task.processes[0]?.cmdline;
    const before = cmdline();
    await okCall("startJobUpdate", { config: JOB.replace("./web --port", "./web3 --port") });
    assert.match(cmdline() ?? "", /^\.\/web3 /);
    await okCall("rollbackJobUpdate", { job: "local/www-data/prod/hello" });
    offerAndRun(10_000); // past the 5 s watch of each instance put back
    assert.equal(cmdline(), before);
    assert.equal(state.deploymentsOf("/aurora/www-data/prod/hello" as never).length, 0);
  });

  test("killTasks of instances scales them away; of the job, removes it", async () => {
    offerAndRun();
    // The update's config has 2 instances again (numbers kept through the updates: an aborted
    // update may leave a gap, as in Aurora).
    const status = await okCall("getTasksStatus", { job: "local/www-data/prod/hello" });
    const numbers = (status.tasks as { assignedTask: { instanceId: number } }[])
      .map((t) => t.assignedTask.instanceId)
      .sort();
    assert.equal(numbers.length, 2);
    await okCall("killTasks", { job: "local/www-data/prod/hello", instances: numbers.slice(1) });
    assert.equal(state.app("/aurora/www-data/prod/hello" as never)?.app.instances, 1);
    await okCall("killTasks", { job: { role: "www-data", environment: "prod", name: "hello" } });
    offerAndRun();
    assert.equal(state.app("/aurora/www-data/prod/hello" as never), undefined);
  });
});

describe("Aurora API: refusals in Aurora's codes", () => {
  test("a bad job file is INVALID_CONFIG naming the field", async () => {
    const [code, message] = await refused("createJob", { config: JOB.replace("prod", "live") });
    assert.equal(code, "INVALID_CONFIG");
    assert.equal(message, "environment: environment must be devel, test, prod or staging<N>");
  });

  test("a production job over its role's quota is refused with the reason", async () => {
    state.handle(
      {
        kind: "quotas",
        quotas: [{ role: "www-data", guarantees: { cpus: 0.2, mem: 64 }, limits: {} }],
      },
      nowMs(),
    );
    const [code, message] = await refused("createJob", {
      config: JOB.replace("name: hello", "name: prod-web").replace(
        "service: true",
        "service: true\nproduction: true",
      ),
    });
    assert.equal(code, "INVALID_REQUEST");
    assert.match(message, /quota/i);
    assert.equal(state.app("/aurora/www-data/prod/prod-web" as never), undefined);
  });

  test("a job of another cluster, an unknown method, a missing key", async () => {
    assert.deepEqual(await refused("killTasks", { job: "west/www-data/prod/hello" }), [
      "INVALID_REQUEST",
      "job key 'west/www-data/prod/hello' names cluster 'west', this is 'local'",
    ]);
    assert.deepEqual(await refused("frobnicate", {}), [
      "INVALID_REQUEST",
      "unknown method 'frobnicate'",
    ]);
    assert.equal((await refused("killTasks", {}))[0], "INVALID_REQUEST");
  });

  test("pausing a job without an update in progress", async () => {
    assert.deepEqual(await refused("pauseJobUpdate", { job: "local/www-data/prod/hello" }), [
      "INVALID_REQUEST",
      "job local/www-data/prod/hello has no update in progress",
    ]);
  });

  test("getTierConfigs lists Aurora's tiers", async () => {
    const tiers = await okCall("getTierConfigs", {});
    assert.equal(tiers.defaultTierName, "preemptible");
    assert.deepEqual(
      (tiers.tiers as { name: string }[]).map((t) => t.name),
      ["preferred", "preemptible", "revocable"],
    );
  });
});

describe("Aurora API: cron jobs go to the jobs framework, quota to the master", () => {
  test("scheduleCronJob posts a Chronos job with the cron line; start and deschedule follow", async () => {
    seen.length = 0;
    await okCall("scheduleCronJob", {
      config: `
role: www-data
environment: devel
name: nightly
cron_schedule: "0 2 * * *"
task:
  processes: [{ name: a, cmdline: "echo a" }, { name: b, cmdline: "echo b" }, { name: z, cmdline: "echo z", final: true }]
  resources: { cpu: 0.1, ram: 32MB }
`,
    });
    const post = seen.find((s) => s.method === "POST");
    assert.equal(post?.url, "/v1/scheduler/iso8601");
    const job = JSON.parse(post?.body ?? "{}");
    assert.equal(job.name, "www-data.devel.nightly");
    assert.equal(job.cron, "0 2 * * *");
    assert.equal(job.cronCollisionPolicy, "KILL_EXISTING");
    assert.equal(job.runAsUser, "www-data");
    assert.equal(job.mem, 32);
    assert.equal(job.command, "( echo a ) && ( echo b ); s=$?; ( echo z ); exit $s");
    const summary = await okCall("getJobSummary", { role: "www-data" });
    const cronSummary = (
      summary.summaries as { job: { key: { name: string }; cronSchedule: string | null } }[]
    ).find((x) => x.job.key.name === "nightly");
    assert.equal(cronSummary?.job.cronSchedule, "0 2 * * *", "cron jobs are in the summary");
    await okCall("startCronJob", { job: "local/www-data/devel/nightly" });
    await okCall("descheduleCronJob", { job: "local/www-data/devel/nightly" });
    assert.deepEqual(
      seen.slice(-2).map((s) => `${s.method} ${s.url}`),
      [
        "PUT /v1/scheduler/job/www-data.devel.nightly",
        "DELETE /v1/scheduler/job/www-data.devel.nightly",
      ],
    );
    const [code] = await refused("scheduleCronJob", { config: JOB });
    assert.equal(code, "INVALID_CONFIG", "a service job is not a cron job");
  });

  test("setQuota sets the role's guarantee on the master; getQuota reads it back with consumption", async () => {
    await okCall("setQuota", {
      ownerRole: "www-data",
      quota: { numCpus: 2, ramMb: 1024, diskMb: 0 },
    });
    assert.deepEqual(quotaGuarantees, {
      cpus: { value: 2 },
      mem: { value: 1024 },
      disk: { value: 0 },
    });
    const q = await okCall("getQuota", { ownerRole: "www-data" });
    assert.deepEqual(q.quota, { numCpus: 2, ramMb: 1024, diskMb: 0 });
    assert.ok("prodSharedConsumption" in q && "nonProdSharedConsumption" in q);
  });
});

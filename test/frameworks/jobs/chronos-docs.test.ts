// Chronos compatibility: the requests of Chronos's public REST API documentation (3.x under
// /v1/scheduler, 2.x under /scheduler), sent as its curl examples send them, and the answers
// Chronos's clients expect (status codes, JSON fields, error shape).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { JobsHarness, serveHarness } from "./fixtures.ts";

const SAMPLE_JOB1 = {
  schedule: "R10/2012-10-01T05:52:00Z/PT2S",
  name: "SAMPLE_JOB1",
  epsilon: "PT15M",
  command: "echo 'FOO' >> /tmp/JOB1_OUT",
  owner: "bob@airbnb.com",
  async: false,
};

const dependent = {
  async: true,
  command: "bash -x /srv/data-infra/jobs/hive_query.bash run_hive hostings-earnings-summary",
  epsilon: "PT30M",
  errorCount: 0,
  lastError: "",
  lastSuccess: "2013-03-15T13:02:14.243Z",
  name: "hostings_earnings_summary",
  owner: "bob@airbnb.com",
  parents: ["db_export-airbed_hostings", "db_export-airbed_reservation2s"],
  retries: 2,
  successCount: 100,
};

const dockerjob = {
  schedule: "R/2014-09-25T17:22:00Z/PT2M",
  name: "dockerjob",
  container: {
    type: "DOCKER",
    image: "libmesos/ubuntu",
    network: "BRIDGE",
    volumes: [{ containerPath: "/var/log/", hostPath: "/logs/", mode: "RW" }],
  },
  cpus: "0.5",
  mem: "512",
  fetch: [],
  command: "while sleep 10; do date =u %T; done",
};

const camus = {
  name: "camus_kafka2hdfs",
  command: "/srv/data-infra/kafka/camus/kafka_hdfs_job.bash",
  arguments: ["-verbose", "-debug"],
  shell: false,
  epsilon: "PT30M",
  executor: "",
  executorFlags: "",
  retries: 2,
  owner: "bofh@your-company.com",
  async: false,
  successCount: 190,
  errorCount: 3,
  lastSuccess: "2014-03-08T16:57:17.507Z",
  lastError: "2014-03-01T00:10:15.957Z",
  cpus: 1.0,
  disk: 10240,
  mem: 1024,
  disabled: false,
  fetch: [{ uri: "https://url-to-file", cache: false, extract: false, executable: false }],
  schedule: "R/2014-03-08T20:00:00.000Z/PT2H",
  environmentVariables: [
    { name: "JVMOPTS", value: "-Xmx1000m" },
    { name: "JAVA_LIBRARY_PATH", value: "/usr/local/lib" },
  ],
  constraints: [["rack", "LIKE", "rack-[1-3]"]],
};

for (const prefix of ["/v1/scheduler", "/scheduler"]) {
  describe(`Chronos's documented requests under ${prefix}`, () => {
    const h = new JobsHarness();
    let server: { url: string; close(): Promise<void> };
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    before(async () => {
      server = await serveHarness(h);
    });
    after(() => server.close());

    test("adding a scheduled job answers 204 and the listing shows it with its stats", async () => {
      assert.equal((await call("POST", `${prefix}/iso8601`, SAMPLE_JOB1)).status, 204);
      const jobs = (await (await call("GET", `${prefix}/jobs`)).json()) as Record<
        string,
        unknown
      >[];
      const job = jobs.find((j) => j.name === "SAMPLE_JOB1");
      assert.ok(job);
      assert.equal(job.owner, "bob@airbnb.com");
      assert.equal(job.epsilon, "PT15M");
      for (const field of ["successCount", "errorCount", "lastSuccess", "lastError", "executor"])
        assert.ok(field in job, `${field} is listed`);
      assert.equal(job.parents, undefined, "a scheduled job has a schedule and no parents");
      assert.match(String(job.schedule), /^R\d*\/.+\/PT2S$/);
      assert.equal(typeof job.nextRun, "string");
    });

    test("adding a dependent job (with PUT, as 2.x clients did) and reading the graph", async () => {
      for (const name of dependent.parents)
        assert.equal(
          (await call("POST", `${prefix}/iso8601`, { ...SAMPLE_JOB1, name })).status,
          204,
        );
      assert.equal((await call("PUT", `${prefix}/dependency`, dependent)).status, 204);
      const jobs = (await (await call("GET", `${prefix}/jobs`)).json()) as Record<
        string,
        unknown
      >[];
      const job = jobs.find((j) => j.name === "hostings_earnings_summary");
      assert.deepEqual(job?.parents, dependent.parents);
      assert.equal(job?.schedule, undefined);
      const dot = await (await call("GET", `${prefix}/graph/dot`)).text();
      assert.match(dot, /^digraph/);
      assert.match(dot, /"db_export-airbed_hostings" -> "hostings_earnings_summary"/);
    });

    test("a docker job with resources given as strings, and the sample job with fetch and constraints", async () => {
      assert.equal((await call("POST", `${prefix}/iso8601`, dockerjob)).status, 204);
      assert.equal((await call("POST", `${prefix}/iso8601`, camus)).status, 204);
      const found = (await (
        await call("GET", `${prefix}/jobs/search?name=camus_kafka2hdfs`)
      ).json()) as Record<string, unknown>[];
      assert.equal(found.length, 1);
      assert.deepEqual(found[0]?.arguments, ["-verbose", "-debug"]);
      assert.deepEqual(found[0]?.uris, ["https://url-to-file"], "uris mirrors fetch");
      const docker = h.state.job("dockerjob")?.definition;
      assert.equal(docker?.cpus, 0.5);
      assert.equal(docker?.container?.network, "BRIDGE");
    });

    test("manually starting a job, with arguments, answers 204", async () => {
      assert.equal((await call("PUT", `${prefix}/job/camus_kafka2hdfs`)).status, 204);
      assert.equal(
        (await call("PUT", `${prefix}/job/camus_kafka2hdfs?arguments=-debug`)).status,
        204,
      );
      const manual = h.state.runsOf("camus_kafka2hdfs").filter((r) => r.trigger === "manual");
      assert.equal(manual.length, 2);
      assert.ok(manual.some((r) => r.arguments.join(" ") === "-debug"));
    });

    test("marking a job successful, killing its tasks, updating progress", async () => {
      const res = await call("PUT", `${prefix}/job/success/SAMPLE_JOB1`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /true/);
      assert.equal((await call("DELETE", `${prefix}/task/kill/SAMPLE_JOB1`)).status, 204);
      const progress = await call(
        "POST",
        `${prefix}/job/SAMPLE_JOB1/task/ct%3A1428515194358%3A0%3ASAMPLE_JOB1%3A/progress`,
        { numAdditionalElementsProcessed: 5 },
      );
      assert.equal(progress.status, 204);
    });

    test("deleting a job answers 204; an unknown job is a 400 with Chronos's error shape", async () => {
      assert.equal((await call("DELETE", `${prefix}/job/dockerjob`)).status, 204);
      const res = await call("DELETE", `${prefix}/job/dockerjob`);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), {
        message: "Job 'dockerjob' not found",
        status: "Bad Request",
      });
    });

    test("a schedule Chronos cannot read is a 400 naming it, and nothing is stored", async () => {
      const res = await call("POST", `${prefix}/iso8601`, {
        ...SAMPLE_JOB1,
        name: "bad",
        schedule: "R/x/y",
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { message: string; status: string };
      assert.match(body.message, /Cannot parse schedule 'R\/x\/y'/);
      assert.equal(body.status, "Bad Request");
      assert.equal(h.state.job("bad"), undefined);
    });

    test("the leader endpoint at /leader and below the prefix", async () => {
      for (const path of ["/leader", `${prefix}/leader`])
        assert.deepEqual(await (await call("GET", path)).json(), { leader: "127.0.0.1:4400" });
    });
  });
}

describe("Chronos's other endpoints", () => {
  test("summary, csv graph, job stat, percentile stats, history, ping and metrics", async () => {
    const h = new JobsHarness();
    const server = await serveHarness(h);
    try {
      h.put({ name: "p" });
      h.put({ name: "c", parents: ["p"] }, "dependency");
      const [task] = h.offer();
      h.status(task?.task_id.value as string, "TASK_RUNNING");
      h.nowMs += 2000;
      h.status(task?.task_id.value as string, "TASK_FINISHED");
      const get = async (path: string) => fetch(`${server.url}${path}`);
      const summary = (await (await get("/v1/scheduler/jobs/summary")).json()) as {
        jobs: { name: string; status: string; state: string }[];
      };
      assert.deepEqual(
        summary.jobs.map((j) => [j.name, j.status, j.state]),
        [
          ["c", "queued", "fresh"],
          ["p", "idle", "success"],
        ],
      );
      const csv = await (await get("/v1/scheduler/graph/csv")).text();
      assert.match(csv, /^node,c,fresh,queued$/m);
      assert.match(csv, /^link,p,c$/m);
      const stat = (await (await get("/v1/scheduler/job/stat/p")).json()) as {
        histogram: { count: number; median: number };
        taskStatHistory: unknown[];
      };
      assert.equal(stat.histogram.count, 1);
      assert.equal(stat.histogram.median, 2000);
      assert.equal(stat.taskStatHistory.length, 1);
      const p99 = await (await get("/v1/scheduler/stats/99thPercentile")).json();
      assert.deepEqual(p99, [{ jobNameLabel: "p", time: 2 }]);
      const history = (await (await get("/v1/scheduler/job/p/history")).json()) as {
        runs: { state: string; exitCode: number; sandbox: string }[];
      };
      assert.equal(history.runs[0]?.state, "success");
      assert.equal(history.runs[0]?.exitCode, 0);
      const queue = (await (await get("/v1/scheduler/queue")).json()) as {
        queue: { job: string; waiting: string }[];
      };
      assert.deepEqual(
        queue.queue.map((q) => [q.job, q.waiting]),
        [["c", "offers"]],
      );
      assert.equal(await (await get("/ping")).text(), "pong");
      const metrics = (await (await get("/metrics")).json()) as {
        counters: Record<string, { count: number }>;
      };
      assert.equal(metrics.counters["jobs.runs.succeeded"]?.count, 1);
    } finally {
      await server.close();
    }
  });
});

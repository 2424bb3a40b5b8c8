// `tessera jobs` against the jobs framework's real Chronos API server (the scheduling state
// behind it on a virtual clock, the test playing Mesos), each command run as the real CLI.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { JobsHarness, serveHarness, taskIds } from "../frameworks/jobs/fixtures.ts";
import { BIN, freePort, lines, tessera } from "./helpers.ts";

const HOUR_MS = 3_600_000;
/** Longest wait for `tessera jobs serve` to print its URL (process start-up on a busy box). */
const SERVE_START_MS = 60_000;

/** Starts `tessera jobs serve` on a free port; resolves with its URL once it printed it. */
async function serve(
  dataDir: string,
  master: string,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [BIN, "jobs", "serve", "--port", "0", "--master", master, "--data_dir", dataDir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`jobs serve printed no URL: ${out}`)),
      SERVE_START_MS,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /jobs API on (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`jobs serve exited (${code}): ${out}`)));
  });
  return { url: await url, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

describe("tessera jobs against the Chronos API", () => {
  const h = new JobsHarness();
  let server: { url: string; close(): Promise<void> };
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), "tessera-jobs-cli-"));
  const file = (name: string, value: unknown) => {
    writeFileSync(join(dir, name), JSON.stringify(value));
    return join(dir, name);
  };
  const jobs = (...args: string[]) => tessera(["jobs", ...args], env);

  before(async () => {
    server = await serveHarness(h);
    env = { TESSERA_JOBS: server.url };
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("add saves a scheduled and a dependent job from one file", async () => {
    const result = await jobs(
      "add",
      file("jobs.json", [
        { name: "nightly", command: "echo nightly", schedule: "R/2024-01-01T01:00:00Z/PT1H" },
        { name: "report", command: "echo report", parents: ["nightly"], retries: 0 },
      ]),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(lines(result.stdout), ["saved job nightly", "saved job report"]);
    assert.deepEqual(h.state.job("report")?.definition.parents, ["nightly"]);
  });

  it("add refuses a job with a bad schedule in Chronos's words, on one error line", async () => {
    const result = await jobs(
      "add",
      file("bad.json", { name: "broken", command: "true", schedule: "R/yesterday/PT1H" }),
    );
    assert.equal(result.code, 1);
    const [line, ...rest] = lines(result.stderr);
    assert.match(
      line ?? "",
      /^error: job broken: Cannot parse schedule 'R\/yesterday\/PT1H' \(wtf bro\)/,
    );
    assert.deepEqual(rest, []);
    assert.equal(h.state.job("broken"), undefined);
  });

  it("list prints a table, and --json the summary rows", async () => {
    const table = await jobs("list");
    assert.equal(table.code, 0, table.stderr);
    const [header, first, second] = lines(table.stdout);
    assert.match(header ?? "", /^NAME\s+STATUS\s+LAST\s+NEXT\s+TRIGGER$/);
    assert.match(
      first ?? "",
      /^nightly\s+idle\s+fresh\s+2024-01-01T01:00:00Z\s+R\/2024-01-01T01:00:00.000Z\/PT1H$/,
    );
    assert.match(second ?? "", /^report\s+idle\s+fresh\s+-\s+after nightly$/);
    const json = await jobs("list", "--json", "--jobs", server.url);
    const rows = JSON.parse(json.stdout) as { name: string }[];
    assert.deepEqual(
      rows.map((r) => r.name),
      ["nightly", "report"],
    );
  });

  it("show prints the job's fields, and names an unknown job in the error", async () => {
    const shown = await jobs("show", "nightly");
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(
      lines(shown.stdout).some((l) => /^command\s+echo nightly$/.test(l)),
      shown.stdout,
    );
    const missing = await jobs("show", "ghost");
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), "error: Job 'ghost' not found");
  });

  it("history lists the runs with their outcome; graph shows parents and outcomes", async () => {
    h.advance(HOUR_MS); // nightly is due at 01:00
    const [parentTask] = taskIds(h.offer());
    assert.ok(parentTask);
    h.complete(parentTask, "TASK_FINISHED");
    const [childTask] = taskIds(h.offer());
    assert.ok(childTask, "the dependent job runs after its parent");
    h.complete(childTask, "TASK_FAILED", "exit 3");

    const history = await jobs("history", "nightly");
    assert.equal(history.code, 0, history.stderr);
    const [header, run] = lines(history.stdout);
    assert.match(
      header ?? "",
      /^DUE\s+STATE\s+ATTEMPT\s+STARTED\s+ENDED\s+EXIT\s+HOST\s+WHY\s+SANDBOX$/,
    );
    assert.match(run ?? "", /^2024-01-01T01:00:00Z\s+success\s+0\s/);
    const json = JSON.parse((await jobs("history", "report", "--json")).stdout) as {
      runs: { state: string }[];
    };
    assert.equal(json.runs[0]?.state, "failure");

    const graph = await jobs("graph");
    assert.equal(graph.code, 0, graph.stderr);
    assert.deepEqual(
      lines(graph.stdout).map((l) => l.split(/\s{2,}/)),
      [
        ["NAME", "LAST", "STATUS", "PARENTS"],
        ["nightly", "success", "idle", "-"],
        ["report", "failure", "idle", "nightly"],
      ],
    );
    const dot = await jobs("graph", "--dot");
    assert.match(dot.stdout, /^digraph/);
  });

  it("run queues a run now; queue says it waits for offers; kill and delete answer", async () => {
    const run = await jobs("run", "nightly", "--args", "a", "b");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "job nightly queued to run now");
    const queue = await jobs("queue");
    assert.equal(queue.code, 0, queue.stderr);
    const [header, entry] = lines(queue.stdout);
    assert.match(header ?? "", /^JOB\s+DUE\s+ATTEMPT\s+WAITING FOR\s+DETAIL$/);
    assert.match(entry ?? "", /^nightly\s/);

    const kill = await jobs("kill", "nightly");
    assert.equal(kill.code, 0, kill.stderr);
    const deleted = await jobs("delete", "report");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), "deleted job report");
    assert.equal(h.state.job("report"), undefined);
    const gone = await jobs("delete", "report");
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^error: Job 'report' not found/);
  });
});

describe("tessera jobs serve", () => {
  it("serves the Chronos API and keeps the jobs across a restart on the same data dir", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-jobs-serve-"));
    // No master answers there: the API serves anyway while the framework retries subscribing.
    const master = `http://127.0.0.1:${await freePort()}`;
    const job = join(dataDir, "job.json");
    writeFileSync(
      job,
      JSON.stringify({ name: "kept", command: "true", schedule: "R/2030-01-01T00:00:00Z/P1D" }),
    );
    let running = await serve(dataDir, master);
    try {
      const added = await tessera(["jobs", "add", job, "--jobs", running.url]);
      assert.equal(added.code, 0, added.stderr);
      await stop(running.child);
      running = await serve(dataDir, master);
      const listed = await tessera(["jobs", "list", "--json", "--jobs", running.url]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as { name: string; schedule: string }[]).map((j) => [
          j.name,
          j.schedule,
        ]),
        [["kept", "R/2030-01-01T00:00:00.000Z/P1D"]],
      );
    } finally {
      await stop(running.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

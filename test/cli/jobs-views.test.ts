// `tessera jobs` without a jobs framework: how it reads job files and prints the API's
// documents, and the one-line errors when nothing answers.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CliError } from "../../src/cli/cli-error.ts";
import { createPath, readJobFile } from "../../src/cli/jobs.ts";
import { jobsUrl } from "../../src/cli/jobs-client.ts";
import { parseGraphCsv, renderJob, shortTime, trigger } from "../../src/cli/jobs-views.ts";
import { freePort, lines, tessera } from "./helpers.ts";

describe("tessera jobs: reading and printing", () => {
  it("finds the API from --jobs, then TESSERA_JOBS, then port 4400", () => {
    assert.equal(jobsUrl(undefined, {}), "http://127.0.0.1:4400");
    assert.equal(jobsUrl(undefined, { TESSERA_JOBS: "host:9" }), "http://host:9");
    assert.equal(jobsUrl("http://a:1/", { TESSERA_JOBS: "host:9" }), "http://a:1");
    assert.throws(() => jobsUrl("http://[bad", {}), CliError);
  });

  it("reads one job or an array of jobs, and refuses files that are not jobs", () => {
    const dir = mkdtempSync(join(tmpdir(), "jobs-cli-"));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    assert.deepEqual(readJobFile(file("one.json", '{"name":"a","command":"true"}')), [
      { name: "a", command: "true" },
    ]);
    assert.equal(readJobFile(file("two.json", '[{"name":"a"},{"name":"b"}]')).length, 2);
    assert.throws(() => readJobFile(file("bad.json", "{")), /is not JSON/);
    assert.throws(() => readJobFile(file("nameless.json", '{"command":"x"}')), /needs a "name"/);
    assert.throws(() => readJobFile(file("num.json", "[1]")), /a job is a JSON object/);
    assert.throws(() => readJobFile(join(dir, "missing.json")), /cannot read/);
  });

  it("sends dependent jobs to /dependency and the others to /iso8601", () => {
    assert.equal(createPath({ name: "a", parents: ["b"] }), "/v1/scheduler/dependency");
    assert.equal(createPath({ name: "a", parents: [] }), "/v1/scheduler/iso8601");
    assert.equal(
      createPath({ name: "a", schedule: "R/2014-03-08T20:00:00Z/PT2H" }),
      "/v1/scheduler/iso8601",
    );
    assert.equal(createPath({ name: "a", cron: "*/5 * * * *" }), "/v1/scheduler/iso8601");
  });

  it("says what triggers a job", () => {
    assert.equal(
      trigger({ name: "a", schedule: "R/2014-03-08T20:00:00.000Z/PT2H" }),
      "R/2014-03-08T20:00:00.000Z/PT2H",
    );
    assert.equal(trigger({ name: "a", cron: "*/5 * * * *", schedule: "" }), "cron */5 * * * *");
    assert.equal(trigger({ name: "a", parents: ["x", "y"] }), "after x, y");
  });

  it("reads Chronos's graph csv", () => {
    const nodes = parseGraphCsv("node,b,success,idle\nnode,a,fresh,running\nlink,a,b\nlink,c,b\n");
    assert.deepEqual(
      nodes.map((n) => [n.name, n.lastState, n.status, n.parents]),
      [
        ["a", "fresh", "running", []],
        ["b", "success", "idle", ["a", "c"]],
        ["c", "", "", []],
      ],
    );
  });

  it("prints a job's set fields, aligned, and times without milliseconds", () => {
    const text = renderJob({
      name: "a",
      command: "echo hi",
      parents: [],
      owner: "",
      retries: 2,
      disabled: false,
    });
    assert.deepEqual(text.split("\n"), [
      "name      a",
      "command   echo hi",
      "retries   2",
      "disabled  false",
    ]);
    assert.equal(shortTime("2024-03-01T12:00:05.123Z"), "2024-03-01T12:00:05Z");
    assert.equal(shortTime("2024-03-01T12:00:05.123-07:00"), "2024-03-01T12:00:05-07:00");
    assert.equal(shortTime(""), "-");
  });

  it("ends with one error line when no jobs framework answers", async () => {
    const port = await freePort();
    const result = await tessera(["jobs", "list", "--jobs", `http://127.0.0.1:${port}`]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    const [line, ...more] = lines(result.stderr);
    assert.match(line ?? "", /^error: no jobs framework answers at http:\/\/127\.0\.0\.1:\d+ /);
    assert.deepEqual(more, []);
  });
});

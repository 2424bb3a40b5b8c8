// `tessera aurora`: what it does without a scheduler (inspect reads the file here), and its
// one-line errors (a bad key is a usage error, a scheduler that does not answer says so).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { freePort, tessera } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-aurora-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, "hello.yaml");
writeFileSync(
  file,
  [
    "role: www-data",
    "environment: prod",
    "name: hello",
    "service: true",
    "task:",
    "  processes: [{ name: web, cmdline: 'serve {{thermos.ports[http]}} as {{owner}}' }]",
    "  resources: { cpu: 0.5, ram: 64MB }",
    "",
  ].join("\n"),
);

describe("tessera aurora", () => {
  test("job inspect shows the job and the services app it makes, with bindings", async () => {
    const r = await tessera([
      "aurora",
      "job",
      "inspect",
      "local/www-data/prod/hello",
      file,
      "--bind",
      "owner=me",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      job: { name: string };
      servicesApp: {
        id: string;
        mem: number;
        thermos: { task: { processes: { cmdline: string }[] } };
      };
    };
    assert.equal(out.job.name, "hello");
    assert.equal(out.servicesApp.id, "/aurora/www-data/prod/hello");
    assert.equal(out.servicesApp.mem, 64 + 384, "the task's ram and the executor's");
    assert.equal(
      out.servicesApp.thermos.task.processes[0]?.cmdline,
      "serve {{thermos.ports[http]}} as me",
    );
  });

  test("errors are one line: a missing binding, a bad key, no scheduler", async () => {
    const unbound = await tessera(["aurora", "job", "inspect", "local/www-data/prod/hello", file]);
    assert.equal(unbound.code, 1);
    assert.equal(
      unbound.stderr,
      `error: ${file}: task.processes[0].cmdline: unknown template variable {{owner}}\n`,
    );
    const bad = await tessera(["aurora", "job", "kill", "local/www-data/hello"]);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      "error: job key 'local/www-data/hello' is not cluster/role/environment/name\n",
    );
    const url = `http://127.0.0.1:${await freePort()}`;
    const down = await tessera([
      "aurora",
      "job",
      "status",
      "local/www-data/prod/hello",
      "--url",
      url,
    ]);
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /^error: the Aurora API at http:\/\/127\.0\.0\.1:\d+ did not answer \(.*\) — is it running\?/,
    );
    assert.equal(down.stderr.split("\n").length, 2);
  });

  test("update start KEY/0-1,3 FILE sends the instances as updateOnlyTheseInstances ranges", async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let text = "";
      req.on("data", (c) => {
        text += c;
      });
      req.on("end", () => {
        bodies.push({ url: req.url, ...(JSON.parse(text) as Record<string, unknown>) });
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ responseCode: "OK", result: { key: { id: "d1" } } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const address = server.address();
      assert.ok(address !== null && typeof address === "object");
      const url = `http://127.0.0.1:${address.port}`;
      const key = "local/www-data/prod/hello";
      const r = await tessera(["aurora", "update", "start", `${key}/0-1,3`, file, "--url", url]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `updating ${key}/0-1,3 (update d1)\n`);
      assert.equal(bodies[0]?.url, "/api/startJobUpdate");
      assert.equal(bodies[0]?.job, key);
      assert.deepEqual(bodies[0]?.updateOnlyTheseInstances, [
        { first: 0, last: 1 },
        { first: 3, last: 3 },
      ]);
      const flag = await tessera([
        "aurora",
        "update",
        "start",
        key,
        file,
        "--instances",
        "2",
        "--url",
        url,
      ]);
      assert.equal(flag.code, 0, flag.stderr);
      assert.deepEqual(bodies[1]?.updateOnlyTheseInstances, [{ first: 2, last: 2 }]);
      const both = await tessera([
        "aurora",
        "update",
        "start",
        `${key}/0`,
        file,
        "--instances",
        "1",
        "--url",
        url,
      ]);
      assert.equal(both.code, 2);
      assert.equal(
        both.stderr,
        "error: give the instances in the key or with --instances, not both\n",
      );
      assert.equal(bodies.length, 2, "a usage error sends nothing");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

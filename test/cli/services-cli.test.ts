// `tessera services` as a user meets it, against a real master and the real services
// framework (no agents: apps stay waiting, which is what these commands must explain): a bad
// or missing app file, an unknown app, an API that is not running — each one `error:` line and
// no stack trace; listings are tables; scale follows its deployment like deploy does.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { type RunningServices, startServices } from "../../src/frameworks/services/start.ts";
import { type RunningMaster, startMaster } from "../../src/master/server.ts";
import { freePort, lines, tessera } from "./helpers.ts";

let master: RunningMaster;
let services: RunningServices;
let dir: string;

function oneErrorLine(stderr: string, pattern: RegExp): void {
  const errors = lines(stderr);
  assert.equal(errors.length, 1, stderr);
  assert.match(errors[0]!, /^error: /);
  assert.match(errors[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tessera-services-cli-"));
  master = await startMaster({
    flags: { registry: "in_memory", port: "0", ip: "127.0.0.1" },
    logger: pino({ level: "silent" }),
  });
  services = await startServices({ master: master.url, dataDir: dir, httpPort: 0 });
});

after(async () => {
  await services?.close();
  await master?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tessera services: clear errors", () => {
  it("deploy of a missing file says so in one line", async () => {
    const r = await tessera(["services", "deploy", join(dir, "nope.json"), "--url", services.url]);
    assert.equal(r.code, 1);
    oneErrorLine(r.stderr, /cannot read the app definition .*nope\.json: no such file/);
  });

  it("deploy of a file that is not JSON names the file and the parse error", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, "{ id: web");
    const r = await tessera(["services", "deploy", file, "--url", services.url]);
    assert.equal(r.code, 1);
    oneErrorLine(r.stderr, /bad\.json is not valid JSON/);
  });

  it("deploy of an app without an id says what is missing", async () => {
    const file = join(dir, "noid.json");
    writeFileSync(file, JSON.stringify({ cmd: "sleep 1" }));
    const r = await tessera(["services", "deploy", file, "--url", services.url]);
    oneErrorLine(r.stderr, /the app has no "id"/);
  });

  it("deploy of an invalid app gives the API's message and details, not raw JSON", async () => {
    const file = join(dir, "invalid.json");
    writeFileSync(file, JSON.stringify({ id: "/bad", cmd: "true", cpus: -1 }));
    const r = await tessera(["services", "deploy", file, "--url", services.url]);
    assert.equal(r.code, 1);
    oneErrorLine(r.stderr, /cpus/);
    assert.doesNotMatch(r.stdout, /^\s*[{[]/m);
  });

  it("show of an unknown app is one error line", async () => {
    const r = await tessera(["services", "show", "/ghost", "--url", services.url]);
    assert.equal(r.code, 1);
    oneErrorLine(r.stderr, /ghost/);
    assert.equal(r.stdout, "");
  });

  it("a services API that is not running is named, with what starts one", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await tessera(["services", "list", "--url", url]);
    assert.equal(r.code, 1);
    oneErrorLine(r.stderr, /services API at .* did not answer .*tessera dev/);
  });
});

describe("tessera services: tables and following", () => {
  it("list prints a table with the app's asked instances, and --json the apps", async () => {
    const file = join(dir, "web.json");
    writeFileSync(
      file,
      JSON.stringify({ id: "/web", cmd: "sleep 100", cpus: 0.1, mem: 16, instances: 0 }),
    );
    const deployed = await tessera(["services", "deploy", file, "--url", services.url]);
    assert.equal(deployed.code, 0, deployed.stderr);
    const r = await tessera(["services", "list", "--url", services.url]);
    assert.equal(r.code, 0, r.stderr);
    const [header, row] = lines(r.stdout);
    assert.match(header!, /^ID\s+RUNNING\s+HEALTHY\s+CPUS\s+MEM\s+DEPLOYING\s+COMMAND$/);
    assert.match(row!, /^\/web\s+0\/0\s+-\s+0\.1\s+16\s+no\s+sleep 100$/);
    const json = await tessera(["services", "list", "--json", "--url", services.url]);
    assert.equal((JSON.parse(json.stdout) as { id: string }[])[0]?.id, "/web");
  });

  it("scale follows its deployment to the end, as deploy does", async () => {
    const r = await tessera(["services", "scale", "/web", "0", "--url", services.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment \S+ (started|succeeded)|no deployment needed/);
    const bad = await tessera(["services", "scale", "/web", "many", "--url", services.url]);
    assert.equal(bad.code, 2);
    oneErrorLine(bad.stderr, /whole number/);
  });

  it("show prints the app as lines a person reads", async () => {
    const r = await tessera(["services", "show", "/web", "--url", services.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^id:\s+\/web$/m);
    assert.match(r.stdout, /^instances:\s+0 \(running 0, healthy 0, staged 0\)$/m);
  });
});

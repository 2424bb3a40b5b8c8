// The master's operator calls that were 501 before (reference §4.2): GET/SET_LOGGING_LEVEL on
// the process's real logger (raised for `duration`, then back to the start level),
// LIST_FILES / READ_FILE over the attached `/master/log` (404 for any other path), and the
// deprecated SET_QUOTA / REMOVE_QUOTA carried out as UPDATE_QUOTA, with Mesos's status codes.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { startupLogger } from "../../../src/cli/daemon.ts";
import { APPLICATION_JSON, type HttpResponse } from "../../../src/http/response.ts";
import { v1Response } from "../../../src/http/v1-request.ts";
import {
  MASTER_LOG_FILE,
  masterAttachedPaths,
  masterListFiles,
  masterReadFile,
} from "../../../src/master/http/operator-api-process.ts";
import { type RunningMaster, startMaster } from "../../../src/master/server.ts";
import { MasterResponse } from "../../../src/wire/operator-master.ts";
import { eventually } from "../../support/eventually.ts";
import { type Loose, operatorCall } from "./helpers.ts";

const ok = (body: Parameters<typeof v1Response<typeof MasterResponse>>[2]) =>
  v1Response(APPLICATION_JSON, MasterResponse, body);
const logger = pino({ level: "info" }, { write: () => {} });

describe("master operator calls: logging level, files, deprecated quota", () => {
  let master: RunningMaster;

  before(async () => {
    master = await startMaster({
      flags: { registry: "in_memory", port: "0", ip: "127.0.0.1", hostname: "localhost" },
      logger,
    });
  });
  after(async () => {
    await master.close();
  });

  const level = async () =>
    ((await operatorCall(master, { type: "GET_LOGGING_LEVEL" })).json as Loose).get_logging_level
      .level;
  const setLevel = (value: number, ms: number) =>
    operatorCall(master, {
      type: "SET_LOGGING_LEVEL",
      set_logging_level: { level: value, duration: { nanoseconds: ms * 1_000_000 } },
    });

  it("GET_LOGGING_LEVEL is 0 at start; SET_LOGGING_LEVEL raises the real logger's level for its duration, then it goes back", async () => {
    assert.equal(await level(), 0);
    const set = await setLevel(1, 300);
    assert.equal(set.status, 200);
    assert.equal(set.body, "");
    assert.equal(await level(), 1);
    assert.equal(logger.level, "debug");
    await eventually("the level to go back after the duration", async () => (await level()) === 0);
    assert.equal(logger.level, "info");
  });

  it("a later SET_LOGGING_LEVEL replaces the earlier one and its deadline", async () => {
    await setLevel(2, 60_000);
    assert.equal(logger.level, "trace");
    await setLevel(0, 60_000);
    assert.equal(await level(), 0);
    assert.equal(logger.level, "info");
  });

  it("SET_LOGGING_LEVEL without its sub-message is 400", async () => {
    const res = await operatorCall(master, { type: "SET_LOGGING_LEVEL" });
    assert.equal(res.status, 400);
    assert.match(res.body, /^Failed to validate master::Call/);
  });

  it("LIST_FILES and READ_FILE of an unknown path are 404; /master/log is unknown without --log_dir", async () => {
    for (const path of ["/nowhere", "/master/log", "/etc"]) {
      const list = await operatorCall(master, { type: "LIST_FILES", list_files: { path } });
      assert.equal(list.status, 404, path);
      const read = await operatorCall(master, {
        type: "READ_FILE",
        read_file: { path, offset: 0 },
      });
      assert.equal(read.status, 404, path);
    }
  });

  it("SET_QUOTA sets guarantees and limits to the guarantee; a second one and REMOVE_QUOTA of a role without quota are 400", async () => {
    const set = (role: string | undefined, guarantee: Loose[]) =>
      operatorCall(master, {
        type: "SET_QUOTA",
        set_quota: {
          quota_request: { force: true, guarantee, ...(role === undefined ? {} : { role }) },
        },
      });
    const cpus = { name: "cpus", type: "SCALAR", scalar: { value: 1.5 } };
    const first = await set("dev", [cpus]);
    assert.equal(first.status, 200, first.body);
    assert.equal(first.body, "");
    const quota = (await operatorCall(master, { type: "GET_QUOTA" })).json as Loose;
    assert.deepEqual(quota.get_quota.status.configs, [
      { role: "dev", guarantees: { cpus: { value: 1.5 } }, limits: { cpus: { value: 1.5 } } },
    ]);
    const again = await set("dev", [cpus]);
    assert.equal(again.status, 400);
    assert.match(again.body, /role that already has quota/);
    const noRole = await set(undefined, [cpus]);
    assert.equal(noRole.status, 400);
    assert.match(noRole.body, /must specify a role/);
    const ranges = { name: "ports", type: "RANGES", ranges: { range: [{ begin: 1, end: 2 }] } };
    const nonScalar = await set("ops", [ranges]);
    assert.equal(nonScalar.status, 400);
    assert.match(nonScalar.body, /non-scalar resources: 'ports'/);

    const remove = await operatorCall(master, {
      type: "REMOVE_QUOTA",
      remove_quota: { role: "dev" },
    });
    assert.equal(remove.status, 200, remove.body);
    const after = (await operatorCall(master, { type: "GET_QUOTA" })).json as Loose;
    assert.deepEqual(after.get_quota.status.configs ?? [], []);
    const twice = await operatorCall(master, {
      type: "REMOVE_QUOTA",
      remove_quota: { role: "dev" },
    });
    assert.equal(twice.status, 400);
    assert.match(twice.body, /No quota exists for this role/);
  });

  it("GET_MAINTENANCE_STATUS answers with the cluster status, empty without a schedule", async () => {
    const res = await operatorCall(master, { type: "GET_MAINTENANCE_STATUS" });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual((res.json as Loose).get_maintenance_status, { status: {} });
  });
});

describe("master LIST_FILES / READ_FILE over --log_dir's log file", () => {
  let dir: string;
  let attached: Map<string, string>;
  const body = (reply: unknown) => JSON.parse(String((reply as HttpResponse).body)) as Loose;
  const status = (reply: unknown) => (reply as HttpResponse).status;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-master-log-"));
    await writeFile(join(dir, MASTER_LOG_FILE), "hello, operator\n");
    attached = masterAttachedPaths({ log_dir: dir });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("LIST_FILES of /master/log gives the log file's FileInfo", async () => {
    const reply = await masterListFiles(attached, { path: "/master/log" }, ok);
    assert.equal(status(reply), 200);
    const [info] = body(reply).list_files.file_infos;
    assert.equal(info.path, "/master/log");
    assert.equal(info.size, 16);
    assert.equal(typeof info.mtime.nanoseconds, "number");
    assert.equal(typeof info.mode, "number");
  });

  it("READ_FILE reads from offset, at most length bytes, with the file's size; past the end reads nothing", async () => {
    const part = body(
      await masterReadFile(attached, { path: "/master/log", offset: 7, length: 8 }, ok),
    );
    assert.equal(part.read_file.size, 16);
    assert.equal(Buffer.from(part.read_file.data, "base64").toString(), "operator");
    const all = body(await masterReadFile(attached, { path: "/master/log", offset: 0 }, ok));
    assert.equal(Buffer.from(all.read_file.data, "base64").toString(), "hello, operator\n");
    const past = body(await masterReadFile(attached, { path: "/master/log", offset: 99 }, ok));
    assert.deepEqual(past.read_file, { size: 16, data: "" });
  });

  it("a path below the log file, or anything not attached, is 404", async () => {
    assert.equal(status(await masterListFiles(attached, { path: "/master/log/x" }, ok)), 404);
    assert.equal(status(await masterReadFile(attached, { path: dir, offset: 0 }, ok)), 404);
  });
});

describe("a master started with --log_dir serves its log as /master/log", () => {
  let dir: string;
  let master: RunningMaster;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-master-logdir-"));
    // The logger `tessera master --log_dir` runs with: its lines go to the file too.
    const fileLogger = startupLogger("master", { withoutEffect: [], level: "info", logDir: dir });
    master = await startMaster({
      flags: {
        registry: "in_memory",
        port: "0",
        ip: "127.0.0.1",
        hostname: "localhost",
        log_dir: dir,
      },
      ...(fileLogger === undefined ? {} : { logger: fileLogger }),
    });
  });
  after(async () => {
    await master.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("LIST_FILES and READ_FILE of /master/log give the log file the master writes", async () => {
    const listed = await operatorCall(master, {
      type: "LIST_FILES",
      list_files: { path: "/master/log" },
    });
    assert.equal(listed.status, 200, listed.body);
    const [info] = (listed.json as Loose).list_files.file_infos;
    assert.equal(info.path, "/master/log");
    assert.ok(info.size > 0, "the master has logged");
    const read = await operatorCall(master, {
      type: "READ_FILE",
      read_file: { path: "/master/log", offset: 0 },
    });
    assert.equal(read.status, 200, read.body);
    const text = Buffer.from((read.json as Loose).read_file.data, "base64").toString();
    assert.match(text, /master/);
    const v0 = await fetch(`${master.url}/files/read?path=/master/log&offset=0`);
    assert.equal(v0.status, 200);
  });
});

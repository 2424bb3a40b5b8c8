// The systemd units a Mesos package installs (`mesos-master.service`, `mesos-slave.service`:
// an ExecStart of the binary, its flags in an EnvironmentFile of MESOS_* variables) start a
// working Tessera cluster once only the binary's name is changed: `/usr/sbin/mesos-master` ->
// `tessera master`, `/usr/sbin/mesos-slave` -> `tessera slave` (Mesos's older agent name, an
// alias of `tessera agent`). The units are read as systemd reads them (ExecStart split into
// words, `-` optional EnvironmentFiles, `KEY=value` lines, comments) and the processes run with
// nothing but that environment and command line; `systemctl stop` is SIGTERM, exit code 0.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../support/eventually.ts";
import { BIN, freePort } from "./helpers.ts";

/** Bound on a daemon's start (tsx start-up included). */
const START_MS = 60_000;

/** ExecStart's words and the EnvironmentFiles of a unit, as systemd reads them. */
function readUnit(text: string): { argv: string[]; environmentFiles: string[] } {
  const lines = text.split("\n").map((l) => l.trim());
  const value = (key: string) =>
    lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
  const [exec] = value("ExecStart");
  assert.ok(exec !== undefined, "the unit has an ExecStart");
  return { argv: exec.split(/\s+/), environmentFiles: value("EnvironmentFile") };
}

function readEnvironmentFile(path: string): Record<string, string> {
  const optional = path.startsWith("-");
  const file = optional ? path.slice(1) : path;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (optional) return {};
    throw error;
  }
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const at = trimmed.indexOf("=");
    env[trimmed.slice(0, at)] = trimmed.slice(at + 1).replace(/^"(.*)"$/, "$1");
  }
  return env;
}

/** The unit's command with the Mesos binary replaced by Tessera's, started as systemd would. */
function startUnit(unit: string, binary: string, replacement: string[]) {
  const { argv, environmentFiles } = readUnit(unit);
  assert.equal(argv[0], binary);
  const env = Object.assign({}, ...environmentFiles.map(readEnvironmentFile));
  const child = spawn(process.execPath, [BIN, ...replacement, ...argv.slice(1)], {
    // systemd gives a service no login environment: PATH and the unit's files only.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout?.on("data", (d: Buffer) => {
    out.stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out.stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, out, exited };
}

async function stop(unit: { child: ChildProcess; exited: Promise<number | null> } | undefined) {
  if (unit === undefined || unit.child.exitCode !== null) return unit?.child.exitCode;
  unit.child.kill("SIGTERM");
  return unit.exited;
}

describe("a Mesos package's systemd units start Tessera with only the binary's name changed", () => {
  let dir: string;
  let master: ReturnType<typeof startUnit> | undefined;
  let agent: ReturnType<typeof startUnit> | undefined;
  let masterUrl = "";

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tessera-systemd-"));
  });
  after(async () => {
    await stop(agent);
    await stop(master);
    rmSync(dir, { recursive: true, force: true });
  });

  it("mesos-master.service with /etc/default/mesos-master starts the master", async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, "mesos-master"),
      [
        "# /etc/default/mesos-master",
        `MESOS_PORT=${port}`,
        "MESOS_IP=127.0.0.1",
        "MESOS_HOSTNAME=127.0.0.1",
        "MESOS_QUORUM=1",
        "MESOS_REGISTRY=in_memory",
        `MESOS_WORK_DIR=${join(dir, "master")}`,
        `MESOS_LOG_DIR=${join(dir, "log")}`,
        'MESOS_CLUSTER="systemd-test"',
      ].join("\n"),
    );
    const unit = [
      "[Unit]",
      "Description=Mesos Master",
      "After=network.target",
      "[Service]",
      `EnvironmentFile=-${join(dir, "mesos")}`,
      `EnvironmentFile=${join(dir, "mesos-master")}`,
      "ExecStart=/usr/sbin/mesos-master --offer_timeout=5mins",
      "Restart=always",
      "LimitNOFILE=16384",
      "[Install]",
      "WantedBy=multi-user.target",
    ].join("\n");
    master = startUnit(unit, "/usr/sbin/mesos-master", ["master"]);
    const m = master;
    masterUrl = await eventually(
      "the master's banner",
      () => /listening on (http:\/\/\S+)/.exec(m.out.stdout)?.[1],
      { timeoutMs: START_MS, everyMs: 100 },
    );
    const flags = (await (await fetch(`${masterUrl}/master/flags`)).json()) as {
      flags: Record<string, string>;
    };
    assert.equal(flags.flags.cluster, "systemd-test");
    assert.equal(flags.flags.registry, "in_memory");
  });

  it("mesos-slave.service with /etc/default/mesos-slave starts an agent (`tessera slave`) that registers", async () => {
    assert.ok(masterUrl !== "", "the master test ran first");
    writeFileSync(
      join(dir, "mesos-slave"),
      [
        `MESOS_MASTER=${new URL(masterUrl).host}`,
        "MESOS_IP=127.0.0.1",
        "MESOS_HOSTNAME=127.0.0.1",
        "MESOS_PORT=0",
        `MESOS_WORK_DIR=${join(dir, "agent")}`,
        "MESOS_CONTAINERIZERS=mesos",
        "MESOS_ISOLATION=posix/cpu,posix/mem",
        "MESOS_RESOURCES=cpus:1;mem:512;disk:1024;ports:[31000-31010]",
        "MESOS_ATTRIBUTES=rack:r1",
      ].join("\n"),
    );
    const unit = [
      "[Service]",
      `EnvironmentFile=${join(dir, "mesos-slave")}`,
      "ExecStart=/usr/sbin/mesos-slave --strict",
      "KillMode=process",
    ].join("\n");
    agent = startUnit(unit, "/usr/sbin/mesos-slave", ["slave"]);
    const slave = await eventually(
      "the agent's registration",
      async () => {
        const state = (await (await fetch(`${masterUrl}/master/state`)).json()) as {
          slaves?: { hostname: string; attributes: Record<string, string> }[];
        };
        return state.slaves?.[0];
      },
      { timeoutMs: START_MS, everyMs: 100 },
    );
    assert.equal(slave.hostname, "127.0.0.1");
    assert.deepEqual(slave.attributes, { rack: "r1" });
  });

  it("systemctl stop (SIGTERM) stops both, exit code 0", async () => {
    assert.equal(await stop(agent), 0, agent?.out.stderr);
    assert.equal(await stop(master), 0, master?.out.stderr);
  });
});

// A Mesos deployment's command lines, with only the binary's name changed (`mesos-master` ->
// `tessera master`, `mesos-agent` -> `tessera agent`), start a working cluster: the flags of
// Mesos's high-availability and configuration documentation (`--zk`, `--quorum`,
// `--registry=replicated_log`, `--work_dir`, `--log_dir`, `--cluster`, the agent's
// `--master=zk://…/mesos`, `--containerizers`, `--isolation`, `--resources`, `--attributes`, …),
// part of them from MESOS_* variables as a systemd EnvironmentFile gives them. The flags that
// mean nothing here are named in one start-up line; the log also goes to --log_dir.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { detectCgroups } from "../../src/agent/containerizer/cgroups-detect.ts";
import { cgroupRootDirs } from "../agent/containerizer/helpers.ts";
import { freePort, ZooKeeperCluster, zooKeeperSkip } from "../support/zookeeper.ts";
import { BIN } from "./helpers.ts";

/** Bound on a daemon's start (a tsx start-up and a ZooKeeper session) and on registration. */
const WAIT_MS = 60_000;

interface Daemon {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function spawnTessera(args: readonly string[], env: NodeJS.ProcessEnv): Daemon {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const daemon: Daemon = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (d: Buffer) => {
    daemon.stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    daemon.stderr += d.toString();
  });
  return daemon;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(daemon: Daemon | undefined): Promise<number | null | undefined> {
  if (daemon?.child.pid === undefined || daemon.child.exitCode !== null) return undefined;
  daemon.child.kill("SIGTERM");
  return daemon.exited;
}

// Mesos's own isolation when this machine has cgroups; else the POSIX one, said in the output.
const cgroupsRoot = `tessera-it-mesosflags-${process.pid}`;
const cgroups = detectCgroups(cgroupsRoot);
const isolation =
  cgroups.cpu.ok && cgroups.mem.ok ? "cgroups/cpu,cgroups/mem" : "posix/cpu,posix/mem";

describe("a Mesos deployment's flags start Tessera unchanged", zooKeeperSkip(), () => {
  let zk: ZooKeeperCluster;
  let dir: string;
  let master: Daemon | undefined;
  let agent: Daemon | undefined;
  let masterUrl: string;

  before(async () => {
    if (!isolation.startsWith("cgroups")) console.error(`# no cgroups here: ${cgroups.cpu.detail}`);
    zk = await ZooKeeperCluster.start(1);
    dir = mkdtempSync(join(tmpdir(), "tessera-mesos-flags-"));
  });

  after(async () => {
    await stop(agent);
    await stop(master);
    await zk?.stop();
    for (const cgroup of cgroupRootDirs(cgroupsRoot).reverse()) {
      if (existsSync(cgroup)) rmdirSync(cgroup);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("tessera master --quorum=1 --registry=replicated_log --log_dir --zk starts, naming the flags without effect", async () => {
    const port = await freePort();
    const logDir = join(dir, "log", "master");
    master = spawnTessera(
      [
        "master",
        `--zk=zk://${zk.hosts}/mesos`,
        "--quorum=1",
        "--registry=replicated_log",
        `--work_dir=${join(dir, "master")}`,
        `--log_dir=${logDir}`,
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--hostname=127.0.0.1",
        "--cluster=tessera-it",
        "--offer_timeout=5mins",
        "--webui_dir=/usr/share/mesos/webui",
        "--no-hostname_lookup",
      ],
      // As a Mesos package's /etc/default/mesos-master gives them.
      { MESOS_LOGGING_LEVEL: "INFO", MESOS_SLAVE_REREGISTER_TIMEOUT: "15mins" },
    );
    masterUrl = await until("the master's banner", async () => {
      return /listening on (http:\/\/\S+)/.exec(master?.stdout ?? "")?.[1];
    });
    const line = master.stderr.split("\n").filter((l) => l.includes("without effect"));
    assert.equal(line.length, 1, master.stderr);
    for (const named of ["--quorum=1 (", "--registry=replicated_log (runs with the zk registry"]) {
      assert.ok(line[0]?.includes(named), `${named} in ${line[0]}`);
    }
    assert.match(line[0] ?? "", /--webui_dir=\/usr\/share\/mesos\/webui \(/);
    const flags = await until("/master/flags", async () => {
      const res = await fetch(`${masterUrl}/master/flags`);
      return res.ok ? ((await res.json()) as { flags: Record<string, string> }).flags : undefined;
    });
    assert.equal(flags.registry, "zk");
    assert.equal(flags.cluster, "tessera-it");
    assert.equal(flags.agent_reregister_timeout, "15mins");
    assert.equal(flags.log_dir, logDir);
    const logged = await until("the log file in --log_dir", async () => {
      const text = readFileSync(join(logDir, "tessera-master.log"), "utf8");
      return text.includes("master started") ? text : undefined;
    });
    assert.match(logged, /"registry":"zk"/);
  });

  it("an agent from Mesos's documented flag set registers with that master", async () => {
    assert.ok(master !== undefined, "the master test ran first");
    const logDir = join(dir, "log", "agent");
    agent = spawnTessera(
      [
        "agent",
        `--master=zk://${zk.hosts}/mesos`,
        "--containerizers=mesos",
        `--isolation=${isolation}`,
        `--cgroups_root=${cgroupsRoot}`,
        "--resources=cpus:2;mem:1024;disk:2048;ports:[31000-31100]",
        "--attributes=rack:abc;zone:west",
        "--ip=127.0.0.1",
        "--port=0",
        "--hostname=127.0.0.1",
        `--log_dir=${logDir}`,
        "--executor_registration_timeout=5mins",
        "--recover=reconnect",
        "--strict",
        "--registration_backoff_factor=10ms",
        "--default_role=*",
      ],
      { MESOS_WORK_DIR: join(dir, "agent"), MESOS_LOGGING_LEVEL: "WARNING" },
    );
    await until("the agent's banner", async () =>
      /listening on (http:\/\/\S+)/.exec(agent?.stdout ?? "") ? true : undefined,
    );
    assert.match(agent.stderr, /accepted without effect: --default_role=\* \(/);
    interface Slave {
      hostname: string;
      attributes: Record<string, unknown>;
      resources: Record<string, unknown>;
    }
    const slave = await until("the agent's registration", async () => {
      const state = (await (await fetch(`${masterUrl}/master/state`)).json()) as {
        slaves?: Slave[];
      };
      return state.slaves?.[0];
    });
    assert.equal(slave.hostname, "127.0.0.1");
    assert.deepEqual(slave.attributes, { rack: "abc", zone: "west" });
    assert.equal(slave.resources.cpus, 2);
    assert.equal(slave.resources.mem, 1024);
    assert.equal(slave.resources.ports, "[31000-31100]");
    assert.ok(existsSync(join(logDir, "tessera-agent.log")));
  });

  it("SIGTERM (systemctl stop) stops both cleanly, exit code 0", async () => {
    assert.equal(await stop(agent), 0, agent?.stderr);
    assert.equal(await stop(master), 0, master?.stderr);
  });
});

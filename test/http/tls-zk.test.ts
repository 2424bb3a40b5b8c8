// The scheme survives ZooKeeper: MasterInfo has none (as in Mesos), so a process with
// LIBPROCESS_SSL_ENABLED reads a leader found through `zk://` as https — the agent following
// the leader, and the CLI given `--master zk://…`. ZooKeeper itself stays plain.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { request } from "../../src/http/client.ts";
import { setProcessTls, TLS_DISABLED } from "../../src/http/tls.ts";
import { makeTestCa, opensslPath, type TestCa } from "../../src/http/tls-test-ca.ts";
import { useClientTls } from "../../src/sdk/index.ts";
import { killPids, tempDirsForSuite } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { freePort, ZooKeeperCluster, zooKeeperSkip } from "../support/zookeeper.ts";
import { cli, type Daemon, daemonPids, spawnTessera } from "./tls-daemons.ts";

const skip =
  opensslPath() === undefined ? "openssl is not installed" : (zooKeeperSkip().skip ?? false);
const tempDir = tempDirsForSuite("tessera-tls-zk-");
/** A daemon's start through tsx and a ZooKeeper session, on a loaded machine. */
const WAIT_MS = 60_000;

describe("TLS with masters found through ZooKeeper", { skip }, () => {
  let ca: TestCa;
  let zk: ZooKeeperCluster | undefined;
  let masterUrl: string;
  const daemons: Daemon[] = [];
  let tlsEnv: NodeJS.ProcessEnv;

  before(async () => {
    const dir = await tempDir();
    ca = makeTestCa(join(dir, "ca"));
    tlsEnv = {
      LIBPROCESS_SSL_ENABLED: "true",
      LIBPROCESS_SSL_CERT_FILE: ca.certFile,
      LIBPROCESS_SSL_KEY_FILE: ca.keyFile,
      LIBPROCESS_SSL_CA_FILE: ca.caFile,
    };
    zk = await ZooKeeperCluster.start(1);
    const port = await freePort();
    const master = spawnTessera(
      [
        "master",
        `--zk=zk://${zk.hosts}/tessera-tls`,
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--registry=in_memory",
      ],
      tlsEnv,
    );
    daemons.push(master);
    masterUrl = await eventually(
      "the master's https banner",
      () => /listening on (https:\/\/\S+)/.exec(master.out)?.[1],
      { timeoutMs: WAIT_MS },
    );
    daemons.push(
      spawnTessera(
        [
          "agent",
          `--master=zk://${zk.hosts}/tessera-tls`,
          "--ip=127.0.0.1",
          "--port=0",
          `--work_dir=${join(dir, "agent")}`,
          "--isolation=posix/cpu,posix/mem",
          "--resources=cpus:1;mem:256",
        ],
        tlsEnv,
      ),
    );
    useClientTls({ caFile: ca.caFile });
  });

  after(async () => {
    killPids(daemonPids(daemons));
    await zk?.stop();
    setProcessTls(TLS_DISABLED);
  });

  test("an agent given zk:// registers with the TLS master it finds there", async () => {
    const state = await eventually(
      "the agent in /master/state",
      async () => {
        const answer = await request(`${masterUrl}/master/state`, { method: "GET" });
        const parsed = JSON.parse(answer.body) as { slaves: unknown[] };
        return parsed.slaves.length === 1 ? parsed : undefined;
      },
      { timeoutMs: WAIT_MS, detail: () => daemons[1]?.out.slice(-2000) ?? "" },
    );
    assert.equal(state.slaves.length, 1);
  });

  test("the CLI given zk:// reaches the leader over https", async () => {
    const hosts = zk?.hosts ?? "";
    const agents = await cli(["agents", "--master", `zk://${hosts}/tessera-tls`], {
      LIBPROCESS_SSL_ENABLED: "true",
      TESSERA_CA_FILE: ca.caFile,
    });
    assert.equal(agents.code, 0, agents.out);
    assert.match(agents.out, /127\.0\.0\.1/);
  });
});

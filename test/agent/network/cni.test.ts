// network/cni on real CNI plugins (Debian's containernetworking-plugins) through the native
// launcher: a container on a bridge network with a port mapping serves HTTP (busybox httpd)
// on its mapped host port, sees its generated /etc/hosts, and after its end no network
// namespace, veth, bridge or iptables rule of the test is left. Skipped, with the reason,
// where it cannot run (not root, no plugins, no busybox, no native launcher). Then the same
// end to end, with a real master and an agent with --network_cni_config_dir: the task answers
// on its mapped host port, and once killed its network is deleted (CNI DEL); a mapping whose
// host port is not among the task's ports fails the launch with
// REASON_CONTAINER_LAUNCH_FAILED. One file: the host's nat table is shared, so these run in
// turn, not beside each other.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, test } from "node:test";
import { CniIsolator } from "../../../src/agent/network/cni-isolator.ts";
import type { ContainerInfo } from "../../../src/wire/container.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { eventually } from "../../support/eventually.ts";
import { make, SMALL } from "../containerizer/helpers.ts";
import { type Cluster, startCluster, terminal } from "../integration/cluster.ts";
import { commandTask } from "../integration/helpers.ts";
import {
  BRIDGE,
  bridgeVeths,
  cniHostPort,
  cniNatLines,
  configDir,
  get,
  natRules,
  PLUGINS,
  removeSharedPortmapChains,
  sh,
  tag,
  unavailable,
} from "./cni-fixture.ts";

const { port: HOST_PORT, agentResources } = await cniHostPort();

const dir = mkdtempSync(join(tmpdir(), "tessera-cni-"));
after(() => {
  sh(`ip link del ${BRIDGE} 2>/dev/null`);
  if (unavailable() === null) removeSharedPortmapChains();
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(cniNatLines(`10.222.${tag}.`), [], "no CNI rule of the test's network left");
  assert.equal(sh(`ip -o link show ${BRIDGE} 2>/dev/null`), "", "the test's bridge is gone");
});

test("a bridge-networked container serves HTTP on its mapped host port; nothing left after", async (t) => {
  const why = unavailable();
  if (why !== null) return t.skip(why);
  const isolator = new CniIsolator({
    rootDir: join(dir, "runtime"),
    configDir: configDir(dir),
    pluginsDir: PLUGINS,
    warn: (m) => t.diagnostic(m),
  });
  const c = make({ isolation: "posix/cpu,posix/mem" });
  const id = `cni-${process.pid}`;
  try {
    const container: ContainerInfo = {
      type: "MESOS",
      volumes: [],
      network_infos: [
        {
          name: "tessera-test",
          ip_addresses: [],
          groups: [],
          port_mappings: [{ host_port: HOST_PORT, container_port: 8080 }],
        },
      ],
    } as unknown as ContainerInfo;
    const ports = [
      { name: "ports", type: "RANGES", ranges: { range: [{ begin: HOST_PORT, end: HOST_PORT }] } },
    ] as unknown as Resource[];
    const joined = await isolator.attach(id, container, ports);
    assert.ok(joined.ok, joined.ok ? "" : joined.message);
    assert.ok(joined.value !== undefined);
    const sandbox = join(dir, "sandbox");
    const script =
      "echo served-from-container > index.html; cat /etc/hosts > hosts.seen; " +
      "exec /usr/bin/busybox httpd -f -p 8080 -h .";
    const launched = await c.launch(id, {
      sandboxDir: sandbox,
      command: { shell: true, value: script },
      env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" },
      resources: SMALL,
      network: joined.value,
    });
    assert.ok(launched.ok, launched.ok ? "" : launched.message);
    // The host's loopback, as a client on the agent's machine reaches it (the portmap
    // plugin's OUTPUT DNAT, with snat for localhost).
    const hostIp = "127.0.0.1";
    const body = await eventually(
      `HTTP on ${hostIp}:${HOST_PORT}`,
      async () => {
        try {
          return await get(hostIp, HOST_PORT);
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 15_000 },
    );
    assert.equal(body.trim(), "served-from-container");
    const hosts = readFileSync(join(sandbox, "hosts.seen"), "utf8");
    assert.match(
      hosts,
      new RegExp(`10\\.222\\.${tag}\\.\\d+ ${id}`),
      "the generated /etc/hosts names the container",
    );
    const ip = /(10\.222\.\d+\.\d+) /.exec(hosts)?.[1] as string;
    assert.equal((await get(ip, 8080)).trim(), "served-from-container", "the container's own port");
    assert.notEqual(
      readlinkSync(`/proc/${launched.value.pid}/ns/net`),
      readlinkSync("/proc/self/ns/net"),
      "the container has its own network namespace",
    );
    await c.destroy(id, { gracePeriodMs: 0 });
  } finally {
    await c.destroy(id, { gracePeriodMs: 0 }).catch(() => {});
    c.close();
    await isolator.detach(id);
  }
  assert.equal(existsSync(join(dir, "runtime", id)), false, "the netns file is gone");
  assert.equal(bridgeVeths(), "", "no veth left on the bridge");
  assert.deepEqual(natRules(), [], "no nat rule of the container left");
});

test("recovery deletes the network of a container that is gone and keeps a live one's", async (t) => {
  const why = unavailable();
  if (why !== null) return t.skip(why);
  const config = {
    rootDir: join(dir, "recover"),
    configDir: configDir(dir),
    pluginsDir: PLUGINS,
    warn: (m: string) => t.diagnostic(m),
  };
  const container = {
    type: "MESOS",
    network_infos: [{ name: "tessera-test", port_mappings: [] }],
  } as unknown as ContainerInfo;
  const first = new CniIsolator(config);
  for (const id of ["gone", "live"]) {
    const joined = await first.attach(id, container, []);
    assert.ok(joined.ok, joined.ok ? "" : joined.message);
  }
  assert.equal(natRules().length > 0, true, "the masquerade rules are in place");
  // The agent restarted: a new isolator over the same state, with only "live" recovered.
  const next = new CniIsolator(config);
  assert.deepEqual(await next.recover(new Set(["live"])), ["gone"]);
  assert.deepEqual(readdirSync(config.rootDir), ["live"]);
  assert.ok(
    natRules().every((l) => !l.includes('id: \\"gone\\"')),
    "gone's rules deleted",
  );
  await next.detach("live");
  assert.deepEqual(readdirSync(config.rootDir), []);
  assert.equal(bridgeVeths(), "", "no veth left on the bridge");
  assert.deepEqual(natRules(), [], "no nat rule left");
});

const why = unavailable();
const agentDir = mkdtempSync(join(tmpdir(), "tessera-cni-agent-"));

function bridgeTask(id: string, hostPort: number, portsResource: number) {
  return commandTask(
    id,
    "echo from-agent-task > index.html; exec /usr/bin/busybox httpd -f -p 8080 -h .",
    {
      resources: [
        { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
        { name: "mem", type: "SCALAR", scalar: { value: 32 } },
        {
          name: "ports",
          type: "RANGES",
          ranges: { range: [{ begin: portsResource, end: portsResource }] },
        },
      ],
      container: {
        type: "MESOS",
        network_infos: [
          { name: "tessera-test", port_mappings: [{ host_port: hostPort, container_port: 8080 }] },
        ],
      },
    },
  );
}

describe("network/cni with a real master and agent", () => {
  let cluster: Cluster | undefined;

  before(async () => {
    if (why !== null) return;
    cluster = await startCluster("cni", {
      resources: agentResources,
      network_cni_config_dir: configDir(agentDir),
    });
  });

  after(async () => {
    await cluster?.stop();
    rmSync(agentDir, { recursive: true, force: true });
  });

  it("a task on a bridge network answers on its mapped host port; killed, its network is gone", async (t) => {
    if (cluster === undefined) return t.skip(why ?? "");
    const agentId = await cluster.launch([bridgeTask("web", HOST_PORT, HOST_PORT)]);
    const body = await eventually(
      `HTTP on 127.0.0.1:${HOST_PORT}`,
      () => get("127.0.0.1", HOST_PORT).catch(() => undefined),
      { timeoutMs: 30_000 },
    );
    assert.equal(body.trim(), "from-agent-task");
    const cniDir = join(cluster.workDir, "runtime", "isolators", "network", "cni");
    assert.equal(readdirSync(cniDir).length, 1, "one container network");
    await cluster.framework.kill(agentId, "web");
    const end = await terminal(cluster.framework, "web");
    assert.equal(end.state, "TASK_KILLED");
    await eventually(
      "the network deleted",
      () => existsSync(cniDir) && readdirSync(cniDir).length === 0,
    );
    assert.equal(bridgeVeths(), "", "no veth left on the bridge");
    assert.deepEqual(natRules(), [], "no nat rule of the task left");
  });

  it("a port mapping outside the task's ports fails the launch", async (t) => {
    if (cluster === undefined) return t.skip(why ?? "");
    await cluster.launch([bridgeTask("badport", HOST_PORT + 1, HOST_PORT)]);
    const end = await terminal(cluster.framework, "badport");
    assert.equal(end.state, "TASK_FAILED");
    assert.equal(end.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(String(end.status.message), /not in the task's 'ports'/);
  });
});

// network/cni on real CNI plugins (Debian's containernetworking-plugins) through the native
// launcher: a container on a bridge network with a port mapping serves HTTP (busybox httpd)
// on its mapped host port, sees its generated /etc/hosts, and after its end no network
// namespace, veth, bridge or iptables rule of the test is left. Skipped, with the reason,
// where it cannot run (not root, no plugins, no busybox, no native launcher).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { nativeLauncher } from "../../../src/agent/containerizer/native-launcher.ts";
import { CniIsolator } from "../../../src/agent/network/cni-isolator.ts";
import type { ContainerInfo } from "../../../src/wire/container.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { eventually } from "../../support/eventually.ts";
import { make, SMALL } from "../containerizer/helpers.ts";

const PLUGINS = "/usr/lib/cni";
const tag = process.pid % 200;
const BRIDGE = `tsr-br${tag}`;
const SUBNET = `10.222.${tag}.0/24`;
const HOST_PORT = 31000 + (process.pid % 900);
const dir = mkdtempSync(join(tmpdir(), "tessera-cni-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function sh(cmd: string): string {
  return spawnSync("sh", ["-c", cmd], { encoding: "utf8" }).stdout;
}

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, iptables)";
  for (const p of ["bridge", "host-local", "portmap", "loopback"]) {
    if (!existsSync(join(PLUGINS, p)))
      return `no CNI plugin ${PLUGINS}/${p} (containernetworking-plugins)`;
  }
  if (!existsSync("/usr/bin/busybox")) return "no /usr/bin/busybox";
  if (spawnSync("iptables", ["-t", "nat", "-S"]).status !== 0) return "iptables does not work here";
  const native = nativeLauncher();
  return native.ok ? null : `no native launcher: ${native.reason}`;
}

function configDir(): string {
  const conf = join(dir, "conf");
  mkdirSync(conf, { recursive: true });
  const network = {
    cniVersion: "0.4.0",
    name: "tessera-test",
    plugins: [
      {
        type: "bridge",
        bridge: BRIDGE,
        isGateway: true,
        ipMasq: true,
        ipam: { type: "host-local", subnet: SUBNET, dataDir: join(dir, "ipam") },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  };
  writeFileSync(join(conf, "10-test.conflist"), JSON.stringify(network));
  return conf;
}

function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: "/", timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** The nat rules without the portmap plugin's shared chains (made on first use, kept by it). */
function natRules(): string[] {
  return sh("iptables -t nat -S")
    .split("\n")
    .filter((l) => l !== "" && !l.includes("CNI-HOSTPORT-"));
}

function removeSharedPortmapChains(before: string): void {
  for (const chain of ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"]) {
    if (before.includes(`-N ${chain}`)) continue;
    for (const parent of ["PREROUTING", "OUTPUT", "POSTROUTING"]) {
      for (const rule of sh(`iptables -t nat -S ${parent}`).split("\n")) {
        if (rule.includes(`-j ${chain}`)) sh(`iptables -t nat ${rule.replace("-A ", "-D ")}`);
      }
    }
    sh(`iptables -t nat -F ${chain}; iptables -t nat -X ${chain}`);
  }
}

test("a bridge-networked container serves HTTP on its mapped host port; nothing left after", async (t) => {
  const why = unavailable();
  if (why !== null) return t.skip(why);
  const natBefore = natRules();
  const natRaw = sh("iptables -t nat -S");
  const vethsBefore = sh("ip -o link show type veth | wc -l");
  const isolator = new CniIsolator({
    rootDir: join(dir, "runtime"),
    configDir: configDir(),
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
    sh(`ip link del ${BRIDGE} 2>/dev/null`);
    removeSharedPortmapChains(natRaw);
  }
  assert.equal(existsSync(join(dir, "runtime", id)), false, "the netns file is gone");
  assert.equal(sh("ip -o link show type veth | wc -l"), vethsBefore, "no veth left");
  assert.deepEqual(natRules(), natBefore, "no nat rule left");
  assert.equal(sh("iptables -t nat -S").trim(), natRaw.trim(), "iptables nat as before");
});

// Shared by the network/cni tests: a test-only CNI bridge network (its own bridge, subnet and
// IPAM dir), why the tests cannot run here, an HTTP GET, and the checks and removals that
// leave the host's network as it was (the bridge and the portmap plugin's shared chains stay
// after CNI DEL by design of the plugins: removed by the last test done with them).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { nativeLauncher } from "../../../src/agent/containerizer/native-launcher.ts";
import { claimPortSlot } from "../../support/port-slots.ts";

export const PLUGINS = "/usr/lib/cni";
export const tag = process.pid % 200;
export const BRIDGE = `tsr-br${tag}`;
export const SUBNET = `10.222.${tag}.0/24`;

/** The host port a CNI test file maps, and the agent resources that offer it. The port is the
 *  first of a slot claimed by holding a socket (port-slots.ts): two test files, each in its own
 *  process, cannot get the same, nor one inside the ranges other tests' agents offer. */
export interface CniHostPort {
  readonly port: number;
  readonly agentResources: string;
}

let claimed: Promise<CniHostPort> | undefined;

export function cniHostPort(): Promise<CniHostPort> {
  claimed ??= claimPortSlot().then((slot) => ({
    port: slot.base,
    agentResources: `cpus:2;mem:2048;disk:4096;ports:[${slot.base}-${slot.base + 9}]`,
  }));
  return claimed;
}

export function sh(cmd: string): string {
  return spawnSync("sh", ["-c", cmd], { encoding: "utf8" }).stdout;
}

export function unavailable(): string | null {
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

/** Writes the test network (named `tessera-test`) into `<dir>/conf`; returns that dir. */
export function configDir(dir: string): string {
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

export function get(host: string, port: number, path = "/"): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** The nat rules of this test's network: the bridge plugin's masquerade chain and the
 *  portmap plugin's DNAT (other engineers' tests may change the table meanwhile). */
export function natRules(): string[] {
  return sh("iptables -t nat -S")
    .split("\n")
    .filter((l) => l.includes('"tessera-test"') || l.includes(`10.222.${tag}.`));
}

/** The CNI rules of the nat table (the plugins' names all start CNI-) that name `mark` (a
 *  test's own subnet): other test files' networks come and go meanwhile. */
export function cniNatLines(mark: string): string[] {
  return sh("iptables -t nat -S")
    .split("\n")
    .filter((l) => l.includes("CNI-") && l.includes(mark));
}

/** One file per live CNI test process: the chain check below alone raced with another file's
 *  portmap ADD (an empty chain flushed just as that file's mapping went in: its HTTP never
 *  answered). A file registers when it loads the fixture, seconds before its first ADD. */
const CNI_USERS = "/run/tessera-cni-tests";
for (let tries = 0; ; tries++) {
  try {
    mkdirSync(CNI_USERS, { recursive: true });
    writeFileSync(join(CNI_USERS, String(process.pid)), "");
    break;
  } catch (error) {
    // /run is not writable here (not root): such a process makes no CNI mapping, and its
    // tests skip. Any other failure would leave this file's mappings unguarded: it throws.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") break;
    if (tries === 3) throw error; // the last file done removed the folder meanwhile: again
  }
}

function otherCniUsers(): boolean {
  let names: string[];
  try {
    names = readdirSync(CNI_USERS);
  } catch {
    return false;
  }
  for (const name of names) {
    try {
      process.kill(Number(name), 0);
      return true;
    } catch {
      rmSync(join(CNI_USERS, name), { force: true }); // its process is gone
    }
  }
  rmSync(CNI_USERS, { recursive: true, force: true });
  return false;
}

/** The veths on this test's bridge (the host ends of its containers' pairs). */
export function bridgeVeths(): string {
  return sh(`ip -o link show master ${BRIDGE} 2>/dev/null`);
}

/** The portmap plugin's chains shared by all its networks stay after the last DEL (the
 *  plugin keeps them, and makes them again at its next ADD): removed here once no mapping is
 *  left in them. Test files run beside each other: the last one done with them removes them. */
export function removeSharedPortmapChains(): void {
  rmSync(join(CNI_USERS, String(process.pid)), { force: true });
  if (otherCniUsers()) return;
  if (sh("iptables -t nat -S CNI-HOSTPORT-DNAT 2>/dev/null").includes("-A CNI-HOSTPORT-DNAT"))
    return;
  for (const chain of ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"]) {
    for (const parent of ["PREROUTING", "OUTPUT", "POSTROUTING"]) {
      for (const rule of sh(`iptables -t nat -S ${parent}`).split("\n")) {
        if (rule.includes(`-j ${chain}`)) sh(`iptables -t nat ${rule.replace("-A ", "-D ")}`);
      }
    }
    sh(`iptables -t nat -F ${chain} 2>/dev/null; iptables -t nat -X ${chain} 2>/dev/null`);
  }
}

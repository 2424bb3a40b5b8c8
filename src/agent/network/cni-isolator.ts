// Mesos's network/cni isolator (containers.md §4): a container that names a network gets its
// own network namespace, bind-mounted at <runtime_dir>/isolators/network/cni/<cid>/ns, which
// the CNI plugins of that network (--network_cni_config_dir, --network_cni_plugins_dir)
// configure before the launch; the launcher joins it (native/netns.c). /etc/hosts and
// /etc/resolv.conf are generated for it (resolv.conf from the plugins' DNS answer, else the
// host's). On the container's end, and at recovery for a container that is gone, CNI DEL
// runs and the namespace is removed. What ADD was given is written before ADD runs, so that
// an agent killed in between still deletes it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerInfo } from "../../wire/container.ts";
import type { Resource } from "../../wire/resource.ts";
import {
  type CniAttachment,
  type CniNetwork,
  type CniResult,
  cniAdd,
  cniDel,
  readCniConfigDir,
} from "./cni-plugin.ts";
import { defaultBridgeNetwork } from "./default-network.ts";
import { chooseNetwork } from "./network-choice.ts";
import type { ContainerNetworkJoin } from "./network-join.ts";

/** The agent's isolator: state under <work_dir>/runtime (the agent's runtime dir). */
export function agentCniIsolator(
  flags: { workDir: string; networkCniConfigDir: string | undefined; networkCniPluginsDir: string },
  warn: (message: string) => void,
): CniIsolator {
  return new CniIsolator({
    rootDir: join(flags.workDir, "runtime", "isolators", "network", "cni"),
    configDir: flags.networkCniConfigDir,
    pluginsDir: flags.networkCniPluginsDir,
    warn,
  });
}

export interface CniIsolatorConfig {
  /** Where each container's namespace and state live (Mesos: <runtime_dir>/isolators/network/cni). */
  readonly rootDir: string;
  /** --network_cni_config_dir, or undefined: only the built-in mesos-bridge network. */
  readonly configDir: string | undefined;
  readonly pluginsDir: string;
  readonly warn: (message: string) => void;
}

interface Checkpoint {
  readonly network: CniNetwork;
  readonly attachment: CniAttachment;
  readonly result?: unknown;
}

const LOOPBACK: CniNetwork = { cniVersion: "0.4.0", name: "lo", plugins: [{ type: "loopback" }] };

export class CniIsolator {
  /** Detaches under way, by container: a second call for one joins the first. */
  readonly #detaching = new Map<string, Promise<void>>();

  constructor(private readonly config: CniIsolatorConfig) {}

  /** The networks a container may name now (the config dir is reread on each attach). */
  networks(): Map<string, CniNetwork> {
    const { networks, errors } =
      this.config.configDir === undefined
        ? { networks: new Map<string, CniNetwork>(), errors: [] }
        : readCniConfigDir(this.config.configDir);
    for (const e of errors) this.config.warn(`CNI config: ${e}`);
    const builtIn = defaultBridgeNetwork();
    if (!networks.has(builtIn.name)) networks.set(builtIn.name, builtIn);
    return networks;
  }

  /** Undefined: the container stays on the host network. */
  async attach(
    containerId: string,
    container: ContainerInfo | undefined,
    resources: readonly Resource[],
  ): Promise<CniResult<ContainerNetworkJoin | undefined>> {
    const chosen = chooseNetwork(container, resources);
    if (!chosen.ok) return chosen;
    if (chosen.value === undefined) return { ok: true, value: undefined };
    const choice = chosen.value;
    const network = this.networks().get(choice.name);
    if (network === undefined) {
      return { ok: false, message: `Unknown CNI network '${choice.name}'` };
    }
    const dir = join(this.config.rootDir, containerId);
    const netnsPath = join(dir, "ns");
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(netnsPath, "");
    } catch (e) {
      return { ok: false, message: `Cannot create ${dir}: ${(e as Error).message}` };
    }
    const attachment = {
      containerId,
      netnsPath,
      ifName: "eth0",
      portMappings: choice.portMappings,
    };
    const made = spawnSync("unshare", [`--net=${netnsPath}`, "true"], { encoding: "utf8" });
    if (made.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      const why = made.error?.message ?? made.stderr.trim();
      return { ok: false, message: `Cannot create a network namespace: ${why}` };
    }
    writeFileSync(join(dir, "network.json"), JSON.stringify({ network, attachment }));
    const lo = await cniAdd(LOOPBACK, { ...attachment, ifName: "lo" }, this.config.pluginsDir);
    const added = lo.ok ? await cniAdd(network, attachment, this.config.pluginsDir) : lo;
    if (!added.ok) {
      removeNamespace(dir);
      return {
        ok: false,
        message: `Failed to join CNI network '${network.name}': ${added.message}`,
      };
    }
    const checkpoint: Checkpoint = { network, attachment, result: added.value };
    writeFileSync(join(dir, "network.json"), JSON.stringify(checkpoint));
    const files = writeNetworkFiles(dir, containerId, choice.hostname, added.value);
    return { ok: true, value: { netnsPath, files } };
  }

  /** CNI DEL and the namespace removed; a container that joined no network: nothing. */
  detach(containerId: string): Promise<void> {
    const dir = join(this.config.rootDir, containerId);
    if (!existsSync(dir)) return Promise.resolve();
    let running = this.#detaching.get(containerId);
    if (running === undefined) {
      running = this.#detach(containerId, dir).finally(() => this.#detaching.delete(containerId));
      this.#detaching.set(containerId, running);
    }
    return running;
  }

  /** Resolves once every detach under way has ended. */
  async settle(): Promise<void> {
    await Promise.all([...this.#detaching.values()]);
  }

  async #detach(containerId: string, dir: string): Promise<void> {
    let checkpoint: Checkpoint;
    try {
      checkpoint = JSON.parse(readFileSync(join(dir, "network.json"), "utf8")) as Checkpoint;
    } catch {
      // No network state (host network), or never got as far as ADD.
      removeNamespace(dir);
      return;
    }
    const failed = await cniDel(
      checkpoint.network,
      checkpoint.attachment,
      this.config.pluginsDir,
      checkpoint.result,
    );
    if (failed !== undefined) this.config.warn(`CNI DEL of container ${containerId}: ${failed}`);
    removeNamespace(dir);
  }

  /** After a restart: every namespace whose container is not among `live` is deleted. */
  async recover(live: ReadonlySet<string>): Promise<string[]> {
    let ids: string[];
    try {
      ids = readdirSync(this.config.rootDir);
    } catch {
      return [];
    }
    const gone = ids.filter((id) => !live.has(id));
    for (const id of gone) await this.detach(id);
    return gone;
  }
}

function removeNamespace(dir: string): void {
  // Lazy: a process still in the namespace keeps it alive, not the file.
  spawnSync("umount", ["-l", join(dir, "ns")], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
}

function writeNetworkFiles(
  dir: string,
  containerId: string,
  hostname: string | undefined,
  result: Record<string, unknown>,
): [string, string][] {
  const ips = (result.ips as { address?: string }[] | undefined) ?? [];
  const ip = ips[0]?.address?.split("/")[0];
  const name = hostname ?? containerId;
  const hosts = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"];
  if (ip !== undefined) hosts.push(`${ip} ${name}`);
  writeFileSync(join(dir, "hosts"), `${hosts.join("\n")}\n`);
  const dns = result.dns as { nameservers?: string[]; search?: string[] } | undefined;
  let resolv: string;
  if (dns?.nameservers !== undefined && dns.nameservers.length > 0) {
    const lines = dns.nameservers.map((n) => `nameserver ${n}`);
    if (dns.search !== undefined && dns.search.length > 0)
      lines.push(`search ${dns.search.join(" ")}`);
    resolv = `${lines.join("\n")}\n`;
  } else {
    try {
      resolv = readFileSync("/etc/resolv.conf", "utf8");
    } catch {
      resolv = "";
    }
  }
  writeFileSync(join(dir, "resolv.conf"), resolv);
  return [
    [join(dir, "hosts"), "/etc/hosts"],
    [join(dir, "resolv.conf"), "/etc/resolv.conf"],
  ];
}

// The nemesis cluster's network: one Linux bridge on the host with the address .1 of a private
// /24 (10.213.<octet>.0/24), and one network namespace per node, joined to the bridge by a
// veth pair, with the node's own address. Processes enter their namespace with `nsenter --net`
// (not `ip netns exec`, which remounts /sys and would hide the cgroup file systems).
//
// Partitions are blackhole routes inside a node's namespace: `A ↛ B` is a blackhole route to
// B's address in A's namespace, so A's packets to B are dropped while B's still reach A (one
// way); both directions make a full partition. They live only in the namespaces, so deleting a
// namespace leaves nothing behind; no iptables (not installed here) and no host routes.
import { execFileSync } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";

/** The /24s the harness may use: 10.213.<octet>.0/24. */
export const SUBNET_PREFIX = "10.213";

export interface NetNode {
  /** Short name, also part of the namespace's name ("zk1", "m2", "a3"). */
  readonly name: string;
  readonly ip: string;
  readonly netns: string;
}

function ip(args: string[], netns?: string): string {
  const argv = netns === undefined ? args : ["netns", "exec", netns, "ip", ...args];
  return execFileSync("ip", argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function quietly(run: () => unknown): void {
  try {
    run();
  } catch {
    // Already gone.
  }
}

/** Why this machine cannot host the nemesis cluster, or undefined when it can. */
export function networkUnavailable(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces and bridges need root";
  for (const tool of ["/usr/sbin/ip", "/usr/bin/nsenter"]) {
    if (!existsSync(tool) && !existsSync(tool.replace("/usr", ""))) return `${tool} is missing`;
  }
  const probe = `tnprobe${process.pid % 100_000}`;
  try {
    ip(["netns", "add", probe]);
  } catch (error) {
    return `cannot create a network namespace: ${String((error as Error).message).trim()}`;
  } finally {
    quietly(() => ip(["netns", "del", probe]));
  }
  return undefined;
}

/** The bridge, the namespaces and their veths of one harness run (created by `create`). */
export class ClusterNetwork {
  readonly nodes: NetNode[] = [];
  readonly bridge: string;
  readonly hostIp: string;
  readonly #octet: number;
  /** Blackholed (from, to) pairs now in place. */
  readonly #cuts = new Set<string>();

  private constructor(octet: number) {
    this.#octet = octet;
    this.bridge = `tnbr${octet}`;
    this.hostIp = `${SUBNET_PREFIX}.${octet}.1`;
  }

  /**
   * Creates the bridge and one namespace per name, refusing when the subnet or any name is
   * taken (another run, or something of the machine's own): nothing is touched then.
   */
  static create(octet: number, names: readonly string[]): ClusterNetwork {
    const net = new ClusterNetwork(octet);
    const subnet = `${SUBNET_PREFIX}.${octet}.`;
    if (ip(["-o", "addr"]).includes(` ${subnet}`)) {
      throw new Error(`${subnet}0/24 is in use on this host: refusing to start (pick --subnet)`);
    }
    const existing = ip(["netns", "list"]);
    for (const name of names) {
      if (existing.includes(net.#netnsName(name)))
        throw new Error(`network namespace ${net.#netnsName(name)} exists: refusing to start`);
    }
    if (existsSync(`/sys/class/net/${net.bridge}`))
      throw new Error(`bridge ${net.bridge} exists: refusing to start`);
    try {
      ip(["link", "add", net.bridge, "type", "bridge"]);
      ip(["addr", "add", `${net.hostIp}/24`, "dev", net.bridge]);
      ip(["link", "set", net.bridge, "up"]);
      for (const [index, name] of names.entries())
        net.#addNode(name, `${subnet}${10 + index}`, index);
    } catch (error) {
      net.destroy();
      throw error;
    }
    return net;
  }

  #netnsName(name: string): string {
    return `tn${this.#octet}-${name}`;
  }

  #addNode(name: string, address: string, index: number): void {
    const netns = this.#netnsName(name);
    const hostSide = `tv${this.#octet}h${index}`;
    const nsSide = `tv${this.#octet}n${index}`;
    ip(["netns", "add", netns]);
    this.nodes.push({ name, ip: address, netns });
    ip(["link", "add", hostSide, "type", "veth", "peer", "name", nsSide]);
    ip(["link", "set", nsSide, "netns", netns]);
    ip(["link", "set", hostSide, "master", this.bridge]);
    ip(["link", "set", hostSide, "up"]);
    ip(["link", "set", "lo", "up"], netns);
    ip(["addr", "add", `${address}/24`, "dev", nsSide], netns);
    ip(["link", "set", nsSide, "up"], netns);
  }

  node(name: string): NetNode {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** The namespace's file, for `nsenter --net=`. */
  netnsPath(name: string): string {
    return `/run/netns/${this.node(name).netns}`;
  }

  /** The inode of a node's namespace, as /proc/<pid>/ns/net names it ("net:[4026…]"). */
  netnsId(name: string): string {
    const out = execFileSync(
      "nsenter",
      [`--net=${this.netnsPath(name)}`, "readlink", "/proc/self/ns/net"],
      { encoding: "utf8" },
    );
    return out.trim();
  }

  /** Drops `from`'s packets to `to` (one way). */
  cut(from: string, to: string): void {
    const key = `${from}>${to}`;
    if (from === to || this.#cuts.has(key)) return;
    ip(["route", "add", "blackhole", `${this.node(to).ip}/32`], this.node(from).netns);
    this.#cuts.add(key);
  }

  /** Every cut in place, as "from>to". */
  cuts(): string[] {
    return [...this.#cuts];
  }

  /** Removes every cut. */
  heal(): void {
    for (const key of this.#cuts) {
      const [from, to] = key.split(">") as [string, string];
      quietly(() =>
        ip(["route", "del", "blackhole", `${this.node(to).ip}/32`], this.node(from).netns),
      );
    }
    this.#cuts.clear();
  }

  /**
   * Deletes the veth pairs, the namespaces and the bridge. The pairs go first and by name: a
   * namespace outlives `ip netns del` while anything still holds it (seen under load, minutes
   * after its last process was gone), and its veth pair with it.
   */
  destroy(): void {
    for (const index of this.nodes.keys())
      quietly(() => ip(["link", "del", `tv${this.#octet}h${index}`]));
    for (const node of this.nodes) quietly(() => ip(["netns", "del", node.netns]));
    quietly(() => ip(["link", "del", this.bridge]));
  }

  /** What of this network is still on the host (for the teardown test): names, or []. */
  leftovers(): string[] {
    const out: string[] = [];
    const namespaces = ip(["netns", "list"]);
    const prefix = `tn${this.#octet}-`;
    for (const line of namespaces.split("\n")) if (line.startsWith(prefix)) out.push(line);
    for (const link of ip(["-o", "link"]).split("\n")) {
      const name = /^\d+: ([^:@]+)/.exec(link)?.[1];
      if (name !== undefined && (name === this.bridge || name.startsWith(`tv${this.#octet}h`)))
        out.push(name);
    }
    return out;
  }
}

/** The network namespace of a process ("net:[…]"), or undefined once it is gone. */
export function processNetns(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

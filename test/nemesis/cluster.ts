// The nemesis cluster: 3 ZooKeeper servers, 3 masters (`--zk`, registry in ZooKeeper) and 4
// agents, each a real process in its own network namespace on the harness's bridge
// (network.ts), each agent on a small disk of its own (agent-disk.ts). The harness process
// stays on the host (the bridge's .1) and runs the schedulers. One cluster serves many seeds:
// `revive()` brings back whatever a nemesis killed or paused; a supervisor (as systemd) starts
// again any server that exited on its own (a master that lost ZooKeeper stops, as Mesos's
// does; an agent or ZooKeeper server that exits is a crash, which the seed reports).
// `destroy()` ends every process (the servers by pid, the tasks by their namespace), unmounts,
// and removes the namespaces, the bridge and the blkio groups; `leftovers()` lists anything of
// the run still on the host.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ZkDetector } from "../../src/zk/detector.ts";
import { masterInfoUrl } from "../../src/zk/master-info.ts";
import { parseZkUrl } from "../../src/zk/url.ts";
import { AgentDisk, leftoverBlkioGroups, removeBlkioParent } from "./agent-disk.ts";
import { ClusterNetwork, processNetns } from "./network.ts";
import { NodeProcess, safeKill } from "./node-process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, "bin/tessera.mjs");
export const MASTER_PORT = 5050;
export const AGENT_PORT = 5051;
const ZK_CLIENT_PORT = 2181;
/** How often the supervisor looks for servers that exited on their own. */
const SUPERVISE_EVERY_MS = 500;

export interface ClusterOptions {
  /** Third octet of the run's subnet, 10.213.<octet>.0/24. */
  readonly octet: number;
  readonly dir: string;
  readonly zkJar: string;
  readonly agents?: number;
  /** Extra environment of the agents (the test-only TESSERA_TEST_BREAK). */
  readonly agentEnv?: Record<string, string>;
}

export class NemesisCluster {
  readonly zks: NodeProcess[] = [];
  readonly masters: NodeProcess[] = [];
  readonly agents: NodeProcess[] = [];
  readonly disks = new Map<string, AgentDisk>();
  readonly zkUrl: string;
  readonly detector: ZkDetector;
  readonly #netnsIds = new Set<string>();
  #supervisor: NodeJS.Timeout | undefined;
  /** Nodes the supervisor started again after they exited on their own, in order. */
  readonly supervisorRestarts: string[] = [];
  readonly #blkioPrefix: string;

  private constructor(
    readonly net: ClusterNetwork,
    readonly options: ClusterOptions,
  ) {
    this.#blkioPrefix = `tessera-nemesis-${options.octet}`;
    const zkHosts = ["zk1", "zk2", "zk3"].map((n) => `${net.node(n).ip}:${ZK_CLIENT_PORT}`);
    this.zkUrl = `zk://${zkHosts.join(",")}/tessera`;
    const parsed = parseZkUrl(this.zkUrl);
    if (!parsed.ok) throw new Error(parsed.error.message);
    this.detector = new ZkDetector({ url: parsed.url });
  }

  static names(agents: number): string[] {
    const out = ["zk1", "zk2", "zk3", "m1", "m2", "m3"];
    for (let i = 1; i <= agents; i++) out.push(`a${i}`);
    return out;
  }

  /** Creates the network and the disks, and starts every server (not waiting for them). */
  static create(options: ClusterOptions): NemesisCluster {
    const net = ClusterNetwork.create(options.octet, NemesisCluster.names(options.agents ?? 4));
    const cluster = new NemesisCluster(net, options);
    try {
      cluster.#setUp();
    } catch (error) {
      cluster.destroy();
      throw error;
    }
    return cluster;
  }

  #setUp(): void {
    const { dir } = this.options;
    mkdirSync(join(dir, "logs"), { recursive: true });
    for (const node of this.net.nodes) this.#netnsIds.add(this.net.netnsId(node.name));
    const zkNodes = this.net.nodes.filter((n) => n.name.startsWith("zk"));
    zkNodes.forEach((node, index) => {
      const home = join(dir, node.name);
      mkdirSync(join(home, "data"), { recursive: true });
      writeFileSync(join(home, "data", "myid"), `${index + 1}\n`);
      const lines = [
        "tickTime=250",
        `dataDir=${join(home, "data")}`,
        `clientPort=${ZK_CLIENT_PORT}`,
        `clientPortAddress=${node.ip}`,
        "initLimit=20",
        "syncLimit=8",
        "admin.enableServer=false",
        "4lw.commands.whitelist=*",
        "maxClientCnxns=0",
        ...zkNodes.map((peer, i) => `server.${i + 1}=${peer.ip}:2888:3888`),
      ];
      writeFileSync(join(home, "zoo.cfg"), `${lines.join("\n")}\n`);
      const argv = [
        "java",
        "-Xmx96m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        `-Dzookeeper.log.dir=${home}`,
        "-cp",
        this.options.zkJar,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        join(home, "zoo.cfg"),
      ];
      this.zks.push(this.#node(node.name, "zk", argv));
    });
    for (const node of this.net.nodes.filter((n) => /^m\d/.test(n.name))) {
      const flags = {
        ip: node.ip,
        hostname: node.ip,
        port: String(MASTER_PORT),
        zk: this.zkUrl,
        allocation_interval: "100ms",
        agent_ping_timeout: "1secs",
        max_agent_ping_timeouts: "3",
        log_level: "warn",
      };
      this.masters.push(this.#node(node.name, "master", tessera("master", flags)));
    }
    for (const node of this.net.nodes.filter((n) => /^a\d/.test(n.name))) {
      const workDir = join(dir, node.name, "work");
      const disk = AgentDisk.create(
        workDir,
        join(dir, `${node.name}.img`),
        `${this.#blkioPrefix}/${node.name}`,
      );
      this.disks.set(node.name, disk);
      const flags = {
        master: this.zkUrl,
        work_dir: workDir,
        ip: node.ip,
        hostname: node.ip,
        port: String(AGENT_PORT),
        isolation: "posix/cpu,posix/mem",
        resources: "cpus:8;mem:4096;ports:[31000-31999]",
        registration_backoff_factor: "100ms",
        executor_shutdown_grace_period: "1secs",
        log_level: "warn",
      };
      const env = { ...process.env, ...this.options.agentEnv };
      this.agents.push(this.#node(node.name, "agent", tessera("agent", flags), env));
    }
    for (const node of this.all) node.start();
    this.#supervisor = setInterval(() => this.#supervise(), SUPERVISE_EVERY_MS);
  }

  /** Starts again every node that exited on its own (not killed by the nemesis, not paused). */
  #supervise(): void {
    for (const node of this.all) {
      if (node.running || node.held || node.closed) continue;
      this.supervisorRestarts.push(node.name);
      node.start();
    }
  }

  #node(name: string, role: "zk" | "master" | "agent", argv: string[], env = process.env) {
    const log = join(this.options.dir, "logs", `${name}.log`);
    return new NodeProcess(
      name,
      role,
      this.net.node(name).ip,
      this.net.netnsPath(name),
      argv,
      log,
      env,
    );
  }

  get all(): NodeProcess[] {
    return [...this.zks, ...this.masters, ...this.agents];
  }

  byName(name: string): NodeProcess {
    const node = this.all.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** The URL of the master ZooKeeper names leader, if any. */
  leaderUrl(): string | undefined {
    const info = this.detector.current();
    return info === undefined ? undefined : masterInfoUrl(info);
  }

  agentUrl(name: string): string {
    return `http://${this.net.node(name).ip}:${AGENT_PORT}`;
  }

  /** Heals the network and the disks, resumes the paused and restarts the dead. */
  revive(): void {
    this.net.heal();
    for (const [name, disk] of this.disks) disk.heal(this.byName(name).pid);
    for (const node of this.all) node.revive();
  }

  /** Pids of the processes in agent `name`'s namespace other than the agent itself. */
  namespacePids(name: string): number[] {
    const netns = this.net.netnsId(name);
    const self = this.byName(name).pid;
    return allPids().filter((pid) => pid !== self && processNetns(pid) === netns);
  }

  /** Every process in any of the run's namespaces (servers and tasks). */
  #everyPid(): number[] {
    return allPids().filter((pid) => this.#netnsIds.has(processNetns(pid) ?? ""));
  }

  async destroy(): Promise<void> {
    clearInterval(this.#supervisor);
    for (const node of this.all) node.closed = true;
    await this.detector.close().catch(() => undefined);
    await Promise.all(this.all.map((n) => n.kill()));
    // Tasks (and launchers) outlive their agent by design; they are ended by namespace.
    for (let round = 0; round < 50; round++) {
      const left = this.#everyPid();
      if (left.length === 0) break;
      for (const pid of left) {
        safeKill(pid, "SIGCONT");
        safeKill(pid, "SIGKILL");
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const disk of this.disks.values()) disk.destroy();
    removeBlkioParent(this.#blkioPrefix);
    this.net.destroy();
    if (process.env.TESSERA_TEST_KEEP === undefined)
      rmSync(this.options.dir, { recursive: true, force: true });
  }

  /** What of this run is still on the host: namespaces, links, mounts, groups, processes. */
  leftovers(): string[] {
    const out = [...this.net.leftovers(), ...leftoverBlkioGroups(this.#blkioPrefix)];
    for (const pid of this.#everyPid()) out.push(`process ${pid}`);
    for (const node of this.all) if (node.running) out.push(`server ${node.name}`);
    const mounts = readMounts();
    for (const disk of this.disks.values())
      if (mounts.includes(` ${disk.mountPoint} `)) out.push(`mount ${disk.mountPoint}`);
    return out;
  }
}

function tessera(command: string, flags: Record<string, string>): string[] {
  return [
    process.execPath,
    "--max-old-space-size=192",
    BIN,
    command,
    ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`),
  ];
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

function readMounts(): string {
  try {
    return readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return "";
  }
}

/**
 * What a run on 10.213.<octet>.0/24 with its files under `dir` left on the host, seen from
 * outside (after the harness process is gone): namespaces, links, mounts, loop devices, the
 * blkio group, processes naming the dir.
 */
export function hostLeftovers(octet: number, dir: string): string[] {
  const out: string[] = [];
  const ip = (args: string[]) => execFileSync("ip", args, { encoding: "utf8" });
  for (const line of ip(["netns", "list"]).split("\n"))
    if (line.startsWith(`tn${octet}-`)) out.push(`netns ${line}`);
  for (const link of ip(["-o", "link"]).split("\n")) {
    const name = /^\d+: ([^:@]+)/.exec(link)?.[1];
    if (name === `tnbr${octet}` || name?.startsWith(`tv${octet}h`) === true)
      out.push(`link ${name}`);
  }
  for (const line of readMounts().split("\n")) if (line.includes(dir)) out.push(`mount ${line}`);
  const loops = execFileSync("losetup", ["-a"], { encoding: "utf8" });
  for (const line of loops.split("\n")) if (line.includes(dir)) out.push(`loop ${line}`);
  if (existsSync(`/sys/fs/cgroup/blkio/tessera-nemesis-${octet}`)) out.push("blkio group");
  for (const pid of allPids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir)) out.push(`process ${pid}`);
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

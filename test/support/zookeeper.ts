// Real ZooKeeper servers for tests: a standalone server or a three-node ensemble on free loopback
// ports, each a `java` child process of this test process with its own temp dir; stopped by pid
// (SIGKILL simulates a crash). scripts/ensure-zookeeper.sh installs Debian's package if needed.
// Also a TCP proxy whose traffic can be frozen, to partition one client from ZooKeeper.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./cluster.ts";

export { freePort };

const ROOT = new URL("../..", import.meta.url).pathname;
/** Bound on a server starting to answer (a JVM start takes a second or two). */
const START_TIMEOUT_MS = 60_000;
/** Short ticks keep session timeouts (2..20 ticks by default) small enough for tests. */
export const ZK_TICK_MS = 250;

let jarCache: { jar: string } | { skip: string } | undefined;

/** The server jar, installing the package if missing; or why ZooKeeper cannot be had. */
export function zooKeeperJar(): { jar: string } | { skip: string } {
  if (jarCache !== undefined) return jarCache;
  try {
    const out = execFileSync("bash", [join(ROOT, "scripts/ensure-zookeeper.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    jarCache = { jar: out.trim().split("\n").pop() ?? "" };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    jarCache = { skip: `ZooKeeper is not available: ${stderr.trim()}` };
  }
  return jarCache;
}

/** `{ skip }` for node:test when ZooKeeper cannot be installed here; the reason is printed. */
export function zooKeeperSkip(): { skip?: string } {
  const found = zooKeeperJar();
  if ("jar" in found) return {};
  console.error(`# skipping: ${found.skip}`);
  return { skip: found.skip };
}

/** Sends a four-letter word and returns the answer ("" if the server did not answer). */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let answer = "";
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on("connect", () => socket.write(word));
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));
  });
}

export interface ZooKeeperNode {
  id: number;
  clientPort: number;
  process: ChildProcess | undefined;
}

const liveProcesses = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of liveProcesses)
    if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
});

export class ZooKeeperCluster {
  readonly nodes: ZooKeeperNode[];
  readonly #dir: string;
  readonly #jar: string;

  private constructor(dir: string, jar: string, nodes: ZooKeeperNode[]) {
    this.#dir = dir;
    this.#jar = jar;
    this.nodes = nodes;
  }

  /** Starts `size` servers (1 = standalone, 3 = ensemble) and waits until they serve. */
  static async start(size: 1 | 3 = 1): Promise<ZooKeeperCluster> {
    const found = zooKeeperJar();
    if (!("jar" in found)) throw new Error(found.skip);
    const dir = mkdtempSync(join(tmpdir(), "tessera-zk-"));
    const nodes: ZooKeeperNode[] = [];
    const peers: string[] = [];
    for (let id = 1; id <= size; id++) {
      nodes.push({ id, clientPort: await freePort(), process: undefined });
      peers.push(`server.${id}=127.0.0.1:${await freePort()}:${await freePort()}`);
    }
    for (const node of nodes) {
      const nodeDir = join(dir, String(node.id));
      mkdirSync(join(nodeDir, "data"), { recursive: true });
      const lines = [
        `tickTime=${ZK_TICK_MS}`,
        `dataDir=${join(nodeDir, "data")}`,
        `clientPort=${node.clientPort}`,
        "clientPortAddress=127.0.0.1",
        "initLimit=40",
        "syncLimit=20",
        "maxSessionTimeout=60000",
        "admin.enableServer=false",
        "4lw.commands.whitelist=*",
        "maxClientCnxns=0",
        ...(size > 1 ? peers : []),
      ];
      writeFileSync(join(nodeDir, "zoo.cfg"), `${lines.join("\n")}\n`);
      if (size > 1) writeFileSync(join(nodeDir, "data", "myid"), `${node.id}\n`);
    }
    const cluster = new ZooKeeperCluster(dir, found.jar, nodes);
    try {
      for (const node of nodes) cluster.#spawn(node);
      for (const node of nodes) await cluster.waitServing(node.id);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** "127.0.0.1:p1,127.0.0.1:p2,..." for a zk:// URL. */
  get hosts(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.clientPort}`).join(",");
  }

  /** A zk:// URL for `path` on this cluster. */
  url(path: string): string {
    return `zk://${this.hosts}${path}`;
  }

  #node(id: number): ZooKeeperNode {
    const node = this.nodes.find((n) => n.id === id);
    if (node === undefined) throw new Error(`no ZooKeeper node ${id}`);
    return node;
  }

  #spawn(node: ZooKeeperNode): void {
    const nodeDir = join(this.#dir, String(node.id));
    const log = openSync(join(nodeDir, "server.log"), "a");
    const main =
      this.nodes.length > 1
        ? "org.apache.zookeeper.server.quorum.QuorumPeerMain"
        : "org.apache.zookeeper.server.ZooKeeperServerMain";
    const child = spawn(
      "java",
      [
        "-Xmx512m",
        "-XX:+UseSerialGC",
        `-Dzookeeper.log.dir=${nodeDir}`,
        "-cp",
        this.#jar,
        main,
        join(nodeDir, "zoo.cfg"),
      ],
      { stdio: ["ignore", log, log] },
    );
    liveProcesses.add(child);
    child.once("exit", () => liveProcesses.delete(child));
    node.process = child;
  }

  /** Waits (bounded) until node `id` answers `srvr` with a serving mode. */
  async waitServing(id: number): Promise<void> {
    const node = this.#node(id);
    const deadline = Date.now() + START_TIMEOUT_MS;
    let backoffMs = 50;
    for (;;) {
      const answer = await fourLetterWord(node.clientPort, "srvr");
      if (/Mode: (standalone|leader|follower)/.test(answer)) return;
      if (node.process?.exitCode !== null && node.process?.exitCode !== undefined) {
        throw new Error(`ZooKeeper ${id} exited with ${node.process.exitCode}`);
      }
      if (Date.now() > deadline) throw new Error(`ZooKeeper ${id} did not start serving`);
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(500, backoffMs * 2);
    }
  }

  /** The id of the ensemble's current leader (by `srvr`), if one answers. */
  async leaderId(): Promise<number | undefined> {
    for (const node of this.nodes) {
      if (node.process === undefined) continue;
      if (/Mode: (leader|standalone)/.test(await fourLetterWord(node.clientPort, "srvr"))) {
        return node.id;
      }
    }
    return undefined;
  }

  /** Stops node `id` by pid (SIGKILL by default: a crash) and waits for it to exit. */
  async kill(id: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const node = this.#node(id);
    const child = node.process;
    node.process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    if (child.pid !== undefined) process.kill(child.pid, signal);
    await exited;
  }

  /** Restarts a stopped node with its data and waits until it serves. */
  async restart(id: number): Promise<void> {
    const node = this.#node(id);
    if (node.process !== undefined) throw new Error(`ZooKeeper ${id} is running`);
    this.#spawn(node);
    await this.waitServing(id);
  }

  /** Kills every server and removes the temp dir. */
  async stop(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.id);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * A TCP proxy to one ZooKeeper server. `freeze()` stops forwarding in both directions without
 * closing anything, as a network partition does; `thaw()` lets the held bytes through.
 */
export class FreezableProxy {
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #frozen = false;
  #held: [Socket, Buffer][] = [];

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(targetPort: number): Promise<FreezableProxy> {
    let proxy: FreezableProxy | undefined;
    const server = createServer((client) => {
      const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
      if (proxy === undefined) client.destroy();
      else proxy.#pipe(client, upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (typeof address !== "object" || address === null) throw new Error("proxy has no port");
    proxy = new FreezableProxy(server, address.port);
    return proxy;
  }

  #pipe(a: Socket, b: Socket): void {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      this.#sockets.add(from);
      from.on("error", () => undefined);
      from.on("close", () => {
        this.#sockets.delete(from);
        to.destroy();
      });
      // While frozen, bytes are held here (not dropped), as a partition holds packets.
      from.on("data", (chunk: Buffer) => {
        if (this.#frozen) this.#held.push([to, chunk]);
        else to.write(chunk);
      });
    }
  }

  freeze(): void {
    this.#frozen = true;
  }

  thaw(): void {
    this.#frozen = false;
    const held = this.#held;
    this.#held = [];
    for (const [to, chunk] of held) if (!to.destroyed) to.write(chunk);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

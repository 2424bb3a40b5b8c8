// A private Docker engine for a test (Debian's docker.io): its own data root, exec root, pid
// file and socket under a temp dir, no iptables rules, and no bridge or one of its own, so that
// it neither sees nor changes what any other engine on the machine runs. `stop()` ends it
// (and the containerd it started) and removes its directories. Where dockerd is missing or
// does not come up, `unavailable` says why, for the test to skip with.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DockerEngine } from "../../src/agent/docker/engine.ts";
import { eventually } from "./eventually.ts";

export interface TestEngine {
  readonly socket: string;
  readonly engine: DockerEngine;
  /** Loads a `docker save` archive (POST /images/load). */
  load(archive: string): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** Why no engine can run here, or undefined. */
export function dockerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "the Docker engine needs root";
  if (spawnSync("sh", ["-c", "command -v dockerd"]).status !== 0) {
    return "no dockerd (apt-get install docker.io)";
  }
  return undefined;
}

/** The reason to skip, printed, or undefined. */
export function dockerSkip(): string | undefined {
  const reason = dockerUnavailable();
  if (reason !== undefined) console.error(`# skipping the Docker engine tests: ${reason}`);
  return reason;
}

/** What the engine mounted under `dir` (its netns, overlays), innermost first. */
function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point.startsWith(`${dir}/`))
    .reverse();
}

/** A bridge of the test's own for the engine's BRIDGE network (not docker0): with no
 *  iptables rules, published ports are served by the engine's userland proxy. */
export interface TestBridge {
  readonly name: string;
  /** The bridge's address with its prefix, e.g. 172.30.250.1/24. */
  readonly address: string;
}

function ip(...args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
}

export async function startDockerEngine(
  dir: string,
  options: { bridge?: TestBridge } = {},
): Promise<TestEngine> {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "docker.sock");
  const bridge = options.bridge;
  if (bridge !== undefined) {
    ip("link", "add", bridge.name, "type", "bridge");
    ip("addr", "add", bridge.address, "dev", bridge.name);
    ip("link", "set", bridge.name, "up");
  }
  const args = [
    `--data-root=${join(dir, "data")}`,
    `--exec-root=${join(dir, "exec")}`,
    `--pidfile=${join(dir, "docker.pid")}`,
    `-H=unix://${socket}`,
    `--bridge=${bridge?.name ?? "none"}`,
    "--iptables=false",
    "--ip-masq=false",
  ];
  const child: ChildProcess = spawn("dockerd", args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  const engine = new DockerEngine(socket);
  try {
    await eventually(
      "the Docker engine to answer",
      async () => existsSync(socket) && (await engine.version()).ok,
      { timeoutMs: START_TIMEOUT_MS },
    );
  } catch (error) {
    child.kill("SIGKILL");
    if (bridge !== undefined) spawnSync("ip", ["link", "del", bridge.name]);
    throw new Error(`${(error as Error).message}; dockerd said: ${log}`);
  }
  return {
    socket,
    engine,
    async load(archive) {
      const loaded = await engine.load(readFileSync(archive));
      if (!loaded.ok) throw new Error(`docker load: ${loaded.message}`);
    },
    async stop() {
      engine.close();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      for (const point of mountsUnder(dir)) spawnSync("umount", ["-l", point]);
      if (bridge !== undefined) spawnSync("ip", ["link", "del", bridge.name]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

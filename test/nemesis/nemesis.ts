// The nemesis: from a seed, a schedule of faults inside a short window, carried out on the
// real cluster. Kinds: a partition between two random sets of nodes (both ways), a one-way
// partition, kill -9 of a node (restarted after a while), SIGSTOP of a node (SIGCONT after a
// while), kill -9 of the ZooKeeper leader, a full disk and a slow disk on an agent. At the end
// of the window the cluster is healed (cluster.revive()), whatever the schedule did.
import { createConnection } from "node:net";
import { SeededRandom } from "../../src/base/prng.ts";
import type { NemesisCluster } from "./cluster.ts";

export const FAULT_KINDS = [
  "partition",
  "one-way",
  "kill",
  "pause",
  "zk-leader-kill",
  "disk-full",
  "disk-slow",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  readonly kind: FaultKind;
  /** When it starts, from the window's start. */
  readonly atMs: number;
  /** How long until it is undone (kill: restart; pause: resume; partition: heal). */
  readonly forMs: number;
  /** Indexes chosen for it (nodes, sides), resolved against the cluster when it runs. */
  readonly picks: readonly number[];
}

/** The faults of one seed: 1 to 3, inside `windowMs`, of the kinds allowed. */
export function planFaults(
  seed: number,
  windowMs: number,
  kinds: readonly FaultKind[] = FAULT_KINDS,
): PlannedFault[] {
  const random = new SeededRandom(seed * 7919 + 1);
  const count = 1 + random.nextInt(3);
  const out: PlannedFault[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[random.nextInt(kinds.length)] as FaultKind;
    const atMs = random.nextInt(Math.max(1, Math.floor(windowMs * 0.6)));
    const forMs = 500 + random.nextInt(Math.max(1, windowMs - atMs - 500));
    const picks = Array.from({ length: 16 }, () => random.nextUint32());
    out.push({ kind, atMs, forMs, picks });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

export function describeFault(f: PlannedFault, target: string): string {
  return `${f.kind}(${target}) at +${f.atMs}ms for ${f.forMs}ms`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Mode of the ZooKeeper server at `ip` ("leader", "follower", or undefined). */
function zkMode(ip: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: ip, port: 2181 });
    let answer = "";
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on("connect", () => socket.write("srvr"));
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(/Mode: (\w+)/.exec(answer)?.[1]));
  });
}

async function healthStatus(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/** Carries out one planned fault (returns once it is undone, or at the window's end). */
export async function runFault(
  cluster: NemesisCluster,
  fault: PlannedFault,
  log: (line: string) => void,
): Promise<void> {
  const nodes = cluster.all;
  const pick = (i: number, n: number) => (fault.picks[i] ?? 0) % n;
  const agents = cluster.agents;
  switch (fault.kind) {
    case "partition":
    case "one-way": {
      // Each node falls on side A or B by one bit of the picks; both sides non-empty.
      const bits = fault.picks[0] ?? 1;
      let a = nodes.filter((_, i) => ((bits >>> i) & 1) === 1);
      let b = nodes.filter((_, i) => ((bits >>> i) & 1) === 0);
      if (a.length === 0 || b.length === 0) {
        a = nodes.slice(0, 1 + pick(1, nodes.length - 1));
        b = nodes.filter((n) => !a.includes(n));
      }
      const target = `${a.map((n) => n.name).join(",")} | ${b.map((n) => n.name).join(",")}`;
      log(describeFault(fault, target));
      for (const x of a)
        for (const y of b) {
          cluster.net.cut(x.name, y.name);
          if (fault.kind === "partition") cluster.net.cut(y.name, x.name);
        }
      await sleep(fault.forMs);
      // Heals only its own cuts' kind of damage: the whole network heals at the window's end.
      return;
    }
    case "kill":
    case "pause": {
      const node = nodes[pick(0, nodes.length)];
      if (node === undefined) return;
      log(describeFault(fault, node.name));
      if (fault.kind === "kill") await node.kill();
      else node.pause();
      await sleep(fault.forMs);
      node.revive();
      return;
    }
    case "zk-leader-kill": {
      let leader: (typeof cluster.zks)[number] | undefined;
      for (const zk of cluster.zks) if ((await zkMode(zk.ip)) === "leader") leader = zk;
      if (leader === undefined) {
        log(describeFault(fault, "no leader answered"));
        return;
      }
      log(describeFault(fault, leader.name));
      await leader.kill();
      await sleep(fault.forMs);
      leader.revive();
      return;
    }
    case "disk-full":
    case "disk-slow": {
      const agent = agents[pick(0, agents.length)];
      if (agent === undefined) return;
      const disk = cluster.disks.get(agent.name);
      if (disk === undefined) return;
      if (fault.kind === "disk-slow" && !disk.canSlow) {
        log(describeFault(fault, `${agent.name}: no slow disk on this host (skipped)`));
        return;
      }
      log(describeFault(fault, agent.name));
      if (fault.kind === "disk-full") disk.fill();
      else if (agent.pid !== undefined) disk.slow(agent.pid);
      await sleep(fault.forMs);
      disk.heal(agent.pid);
      // An agent whose checkpoint write failed takes no more work and writes nothing more
      // until it is restarted (it says so on /health, 503): what its supervisor does.
      if (
        fault.kind === "disk-full" &&
        (await healthStatus(cluster.agentUrl(agent.name))) === 503
      ) {
        log(`${agent.name}: /health 503 after its full disk: restarted, as a supervisor would`);
        await agent.kill();
        agent.revive();
      }
      return;
    }
  }
}

// A real cluster for the services framework's integration tests: a master (in-memory registry,
// fast allocation, agents unreachable after ~1 s of missed pings), two `tessera agent` child
// processes launching real processes with disjoint port ranges, and the services framework on
// a SQLite store. `freezeAgent` SIGSTOPs an agent: its connection stays open but it answers no
// more pings, so the master marks it unreachable (reference §5.2) — the failure the services
// framework must replace instances after. Tasks are
// test/fixtures/services/http-app.mjs. A stopped agent leaves its tasks running (as a Mesos
// agent does); cleanup kills every container leader by the pid the agent checkpointed
// (`runs/<id>/pids/forked.pid`; the leader is the session leader, and pid-namespace init).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  type RunningServices,
  type StartServicesOptions,
  startServices,
} from "../../../src/frameworks/services/start.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import {
  type AgentProcess,
  freePort,
  removeCgroupRoot,
  spawnAgent,
} from "../../agent/integration/agent-process.ts";
import { type Loose, startTestMaster } from "../../master/http/helpers.ts";
import { claimPortSlot, type PortSlot } from "../../support/port-slots.ts";

export const HTTP_APP = new URL("../../fixtures/services/http-app.mjs", import.meta.url).pathname;

/** Upper bound on any wait for the cluster to reach a state (real processes, loaded CI box). */
export const CLUSTER_WAIT_MS = 90_000;

/** The two agents' host port ranges within the cluster's slot (its last port is the lock). */
function agentPorts(slot: PortSlot): [string, string] {
  return [`[${slot.base}-${slot.base + 49}]`, `[${slot.base + 50}-${slot.lockPort - 1}]`];
}

/**
 * Distinct, resolvable hostnames: readiness checks reach tasks at the agent's hostname, as the
 * master's offers carry no agent IP (Mesos puts it in `url.address.ip`).
 */
export const AGENT_HOSTNAMES = ["localhost", "127.0.0.1"] as const;

export interface RealCluster {
  readonly master: RunningMaster;
  readonly agents: AgentProcess[];
  services: RunningServices | undefined;
  readonly dir: string;
  /** Starts (or restarts, on the same store) the services framework. */
  startServices(
    options?: Omit<Partial<StartServicesOptions>, "master" | "dataDir" | "httpPort">,
  ): Promise<RunningServices>;
  /** SIGSTOPs agent `index` (it hangs; its tasks keep running until cleanup). */
  freezeAgent(index: number): void;
  close(): Promise<void>;
}

let clusters = 0;

/** `agentFlags`: more flags for every agent (e.g. image support). */
export async function startRealCluster(
  agentFlags: Record<string, string> = {},
): Promise<RealCluster> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-services-it-"));
  // The agents are killed, not stopped, at the end: their containers' cgroups are removed here.
  const cgroupsRoot = `tessera-services-it-${process.pid}-${++clusters}`;
  // Test files run in parallel processes, each with its own cluster: a slot of host ports
  // each keeps their tasks apart (port-slots.ts).
  const slot = await claimPortSlot();
  const master = await startTestMaster({
    allocation_interval: "20ms",
    agent_ping_timeout: "500ms",
    max_agent_ping_timeouts: "2",
  });
  const agents: AgentProcess[] = [];
  for (const [index, ports] of agentPorts(slot).entries()) {
    const workDir = join(dir, `agent-${index}`);
    mkdirSync(workDir);
    agents.push(
      await spawnAgent(
        {
          master: master.url.replace("http://", ""),
          work_dir: workDir,
          port: String(await freePort()),
          ip: "127.0.0.1",
          hostname: AGENT_HOSTNAMES[index] as string,
          cgroups_root: cgroupsRoot,
          resources: `cpus:4;mem:4096;disk:4096;ports:${ports}`,
          registration_backoff_factor: "10ms",
          log_level: "error",
          ...agentFlags,
        },
        CLUSTER_WAIT_MS,
      ),
    );
  }
  const cluster: RealCluster = {
    master,
    agents,
    services: undefined,
    dir,
    async startServices(options = {}) {
      assert.equal(cluster.services, undefined, "services already running");
      cluster.services = await startServices({
        master: master.url,
        dataDir: join(dir, "services"),
        httpPort: 0,
        ...options,
      });
      return cluster.services;
    },
    freezeAgent(index) {
      const pid = agents[index]?.child.pid;
      assert.ok(pid !== undefined, `no agent ${index}`);
      process.kill(pid, "SIGSTOP");
    },
    async close() {
      await cluster.services?.close();
      cluster.services = undefined;
      for (const a of agents) await a.kill9();
      for (const pid of containerPids(dir)) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, "SIGKILL");
          } catch {
            // not a group leader, or already gone
          }
        }
      }
      await master.close();
      await removeCgroupRoot(cgroupsRoot);
      rmSync(dir, { recursive: true, force: true });
      // Only now: its tasks are gone, their ports free for the next cluster.
      await slot.release();
    },
  };
  return cluster;
}

/**
 * Host pids of every container the agents under `dir` started: the checkpointed leaders, and
 * any process whose command line names `dir` (namespaced launchers carry the sandbox path), in
 * case an agent was stopped before it checkpointed a pid.
 */
function containerPids(dir: string): number[] {
  const out = new Set<number>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!entry.endsWith(join("pids", "forked.pid"))) continue;
    const pid = Number(readFileSync(join(dir, entry), "utf8").trim());
    if (Number.isInteger(pid) && pid > 1) out.add(pid);
  }
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(dir)) out.add(pid);
    } catch {
      // exited meanwhile
    }
  }
  return [...out];
}

/** Polls `probe` every `everyMs` until it returns a value (bounded by CLUSTER_WAIT_MS). */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + CLUSTER_WAIT_MS;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: Loose }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    // A string is sent as it is (a body written as in Marathon's docs), anything else as JSON.
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // plain text answers (/ping)
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** An app of the fixture HTTP service with an HTTP health check every second. */
export function httpApp(
  id: string,
  options: { instances?: number; label?: string; unhealthy?: boolean; extra?: object } = {},
) {
  const args = [
    ...(options.label === undefined ? [] : [`--label=${options.label}`]),
    ...(options.unhealthy ? ["--unhealthy"] : []),
  ];
  // Fetched into the sandbox rather than run from the checkout: with filesystem/linux the
  // task has a private /tmp, which hides a checkout that lives under /tmp.
  return {
    id,
    cmd: [process.execPath, basename(HTTP_APP), ...args].join(" "),
    fetch: [{ uri: HTTP_APP }],
    instances: options.instances ?? 3,
    cpus: 0.1,
    mem: 128,
    portDefinitions: [{ port: 0, name: "http" }],
    healthChecks: [
      {
        protocol: "HTTP",
        path: "/health",
        portIndex: 0,
        gracePeriodSeconds: 30,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 0,
      },
    ],
    ...options.extra,
  };
}

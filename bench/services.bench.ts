// Services framework throughput: deploy 1,000 instances of a trivial app and drive them to
// healthy, with ServicesState fed simulated offers and status updates in-process (no HTTP, no
// Mesos), so the number is the scheduler's own cost per instance. Then the same on a real
// cluster: a master, 1 and 2 agents launching real `sleep` processes, the framework over its
// REST API: time from POST /v2/apps to the deployment's end for 50 instances.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { type RunningAgent, startAgent } from "../src/agent/server.ts";
import { ServicesApi } from "../src/frameworks/services/api.ts";
import { MemoryAppStore } from "../src/frameworks/services/app-store.ts";
import { type ServicesEffect, ServicesState } from "../src/frameworks/services/services-state.ts";
import { startServices } from "../src/frameworks/services/start.ts";
import { startMaster } from "../src/master/server.ts";
import { type BenchRow, type BenchSuite, nowMs, opsPerSecond, time } from "./harness.ts";
import { agentOffer } from "./services-offers.ts";
import { preemptionDecisionRow } from "./services-preemption.ts";
import { updateRows } from "./services-update.ts";

const INSTANCES = 1000;
const REAL_INSTANCES = 50;
const AGENTS = 100;

const offer = (agent: number, round: number) => agentOffer(agent, round, 16, 16384);

/** Deploys the app and plays Mesos until every instance is healthy; returns the rounds used. */
function deployToHealthy(): number {
  let ids = 0;
  let now = Date.parse("2024-01-01T00:00:00Z");
  const pending: ServicesEffect[] = [];
  const state = new ServicesState({ store: new MemoryAppStore(), newId: () => `id-${++ids}` });
  const api = new ServicesApi({
    state,
    nowMs: () => now,
    effects: (e) => pending.push(...e),
    leader: "",
  });
  const reply = api.handle({
    method: "POST",
    path: "/v2/apps",
    query: new URLSearchParams(),
    clientIp: "127.0.0.1",
    body: JSON.stringify({
      id: "/bench/web",
      cmd: "sleep 1000",
      cpus: 0.01,
      mem: 8,
      instances: INSTANCES,
      healthChecks: [{ protocol: "MESOS_HTTP", path: "/", portIndex: 0 }],
    }),
  });
  if (reply.kind !== "json" || reply.status >= 300) throw new Error("create failed");
  for (let round = 0; round < 1000; round++) {
    now += 1000;
    const offers = Array.from({ length: AGENTS }, (_, a) => offer(a, round));
    const effects = [...pending.splice(0), ...state.tick(now), ...state.handleOffers(offers, now)];
    for (const e of effects) {
      if (e.kind !== "launch") continue;
      for (const t of e.tasks) {
        const base = { taskId: t.task_id.value, agentId: e.agentId };
        pending.push(...state.handleStatus({ ...base, state: "TASK_RUNNING" }, now));
        pending.push(...state.handleStatus({ ...base, state: "TASK_RUNNING", healthy: true }, now));
      }
    }
    const healthy = state.instances().filter((i) => i.healthy === true).length;
    if (healthy >= INSTANCES && state.deployments().length === 0) return round + 1;
  }
  throw new Error("deployment did not finish");
}

async function until(what: string, check: () => Promise<boolean>, limitMs = 600_000) {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function deploymentsEmpty(url: string): Promise<boolean> {
  const res = await fetch(`${url}/v2/deployments`);
  return ((await res.json()) as unknown[]).length === 0;
}

/**
 * Real cluster: ms from POST /v2/apps to the end of the deployment of REAL_INSTANCES `sleep`
 * instances (no health check: done when all are TASK_RUNNING) on `agentCount` agents. The app
 * is deleted afterwards and the cluster waits for every task to be killed before stopping.
 */
async function realDeployMs(agentCount: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-services-bench-"));
  const logger = pino({ level: "silent" });
  const master = await startMaster({
    flags: { registry: "in_memory", port: "0", ip: "127.0.0.1", allocation_interval: "20ms" },
    logger,
  });
  const agents: RunningAgent[] = [];
  try {
    for (let a = 0; a < agentCount; a++) {
      agents.push(
        await startAgent({
          flags: {
            master: master.url.replace("http://", ""),
            work_dir: join(dir, `agent-${a}`),
            port: "0",
            ip: "127.0.0.1",
            resources: "cpus:4;mem:8192;disk:4096;ports:[31000-31100]",
            registration_backoff_factor: "10ms",
          },
          logger,
        }),
      );
    }
    const services = await startServices({
      master: master.url,
      dataDir: join(dir, "services"),
      httpPort: 0,
    });
    try {
      await until("agents offered", async () => {
        const res = await fetch(`${master.url}/master/slaves`);
        return ((await res.json()) as { slaves: unknown[] }).slaves.length === agentCount;
      });
      const start = nowMs();
      const res = await fetch(`${services.url}/v2/apps`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          id: "/bench/sleep",
          cmd: "sleep 1000",
          cpus: 0.01,
          mem: 16,
          instances: REAL_INSTANCES,
          portDefinitions: [],
        }),
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
      await until("deployment finished", () => deploymentsEmpty(services.url));
      const elapsed = nowMs() - start;
      await fetch(`${services.url}/v2/apps/bench/sleep`, { method: "DELETE" });
      await until("app deleted", () => deploymentsEmpty(services.url));
      return elapsed;
    } finally {
      await services.close();
    }
  } finally {
    for (const a of agents) await a.close();
    await master.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: "services",
  description: `deploy ${INSTANCES} instances to healthy with simulated offers/updates (in-process); ${REAL_INSTANCES} real instances on 1 and 2 real agents; an update of ${INSTANCES} in batches of 50 on the virtual clock`,
  async run() {
    let rounds = 0;
    const timing = time(() => {
      rounds = deployToHealthy();
    }, 3);
    const rows: BenchRow[] = [
      {
        name: `deploy ${INSTANCES} to healthy`,
        value: timing.medianMs,
        unit: "ms",
        medianMs: timing.medianMs,
      },
      {
        name: "instances to healthy per second",
        value: opsPerSecond(timing, INSTANCES),
        unit: "ops/s",
        medianMs: timing.medianMs,
      },
      { name: "offer rounds used", value: rounds, unit: "rounds", medianMs: timing.medianMs },
      preemptionDecisionRow(),
      ...updateRows(),
    ];
    for (const agentCount of [1, 2]) {
      const ms = await realDeployMs(agentCount);
      rows.push({
        name: `real: ${REAL_INSTANCES} instances running on ${agentCount} agent(s)`,
        value: ms,
        unit: "ms",
        medianMs: ms,
      });
    }
    return rows;
  },
};

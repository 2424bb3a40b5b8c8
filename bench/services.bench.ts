// Services framework throughput: deploy 1,000 instances of a trivial app and drive them to
// healthy, with ServicesState fed simulated offers and status updates in-process (no HTTP, no
// Mesos), so the number is the scheduler's own cost per instance.
import { ServicesApi } from "../src/frameworks/services/api.ts";
import { MemoryAppStore } from "../src/frameworks/services/app-store.ts";
import { type ServicesEffect, ServicesState } from "../src/frameworks/services/services-state.ts";
import { parseWire } from "../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../src/wire/offer.ts";
import { type BenchSuite, opsPerSecond, time } from "./harness.ts";

const INSTANCES = 1000;
const AGENTS = 100;

function offer(agent: number, round: number): Offer {
  const parsed = parseWire(OfferSchema, {
    id: { value: `O${round}-${agent}` },
    framework_id: { value: "fw" },
    agent_id: { value: `S${agent}` },
    hostname: `agent${agent}`,
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 16 } },
      { name: "mem", type: "SCALAR", scalar: { value: 16384 } },
      { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ],
  });
  if (!parsed.ok) throw new Error("bad offer");
  return parsed.value;
}

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

export const suite: BenchSuite = {
  name: "services",
  description: `deploy ${INSTANCES} instances to healthy with simulated offers/updates (in-process)`,
  run() {
    let rounds = 0;
    const timing = time(() => {
      rounds = deployToHealthy();
    }, 3);
    return [
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
    ];
  },
};

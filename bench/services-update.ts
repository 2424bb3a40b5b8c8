// The services bench's update row: an Aurora-style update (upgradeStrategy.batchSize 50,
// watchSeconds 30) of 1,000 healthy instances on 100 simulated agents, end to end on a virtual
// clock — ServicesState fed simulated offers every virtual second, tasks reporting running and
// healthy at once, kills answered with TASK_KILLED. The wall time is the engine's own cost; the
// virtual time shows the batches and watch periods being kept (20 batches of at least 30 s).
import { MemoryAppStore } from "../src/frameworks/services/app-store.ts";
import { parseAppDefinition } from "../src/frameworks/services/app-validation.ts";
import { type ServicesEffect, ServicesState } from "../src/frameworks/services/services-state.ts";
import { type BenchRow, time } from "./harness.ts";
import { agentOffer } from "./services-offers.ts";

const INSTANCES = 1000;
const AGENTS = 100;
const BATCH = 50;
const WATCH_SECONDS = 30;

const offer = (agent: number, round: number) => agentOffer(agent, round, 64, 65536);

function app(cmd: string) {
  const r = parseAppDefinition({
    id: "/bench/web",
    cmd,
    cpus: 0.01,
    mem: 8,
    instances: INSTANCES,
    healthChecks: [{ protocol: "MESOS_HTTP", path: "/", portIndex: 0 }],
    upgradeStrategy: { batchSize: BATCH, watchSeconds: WATCH_SECONDS },
  });
  if (!r.ok) throw new Error("bad app");
  return r.app;
}

/** Plays Mesos until no deployment runs; returns the virtual seconds it took. */
function settle(state: ServicesState, clock: { now: number }, pending: ServicesEffect[]): number {
  const start = clock.now;
  for (let round = 0; round < 10_000; round++) {
    clock.now += 1000;
    const offers = Array.from({ length: AGENTS }, (_, a) => offer(a, round));
    const queue = [
      ...pending.splice(0),
      ...state.tick(clock.now),
      ...state.handleOffers(offers, clock.now),
    ];
    while (queue.length > 0) {
      const e = queue.shift() as ServicesEffect;
      if (e.kind === "kill") {
        queue.push(...state.handleStatus({ taskId: e.taskId, state: "TASK_KILLED" }, clock.now));
      } else if (e.kind === "launch") {
        for (const t of e.tasks) {
          const base = { taskId: t.task_id.value, agentId: e.agentId };
          queue.push(...state.handleStatus({ ...base, state: "TASK_RUNNING" }, clock.now));
          queue.push(
            ...state.handleStatus({ ...base, state: "TASK_RUNNING", healthy: true }, clock.now),
          );
        }
      }
    }
    if (state.deployments().length === 0) return (clock.now - start) / 1000;
  }
  throw new Error("deployment did not finish");
}

/** Deploys v1 to healthy, then times the update to v2 to its end. */
function updateOnce(): { virtualSeconds: number; wallMs: number } {
  let ids = 0;
  const clock = { now: Date.parse("2024-01-01T00:00:00Z") };
  const state = new ServicesState({ store: new MemoryAppStore(), newId: () => `id-${++ids}` });
  const pending: ServicesEffect[] = [];
  state.deploy({ upsert: [app("sleep 1000")] }, false, clock.now);
  settle(state, clock, pending);
  const t0 = performance.now();
  const r = state.deploy({ upsert: [app("sleep 2000")] }, false, clock.now);
  if (!r.ok) throw new Error("update refused");
  const virtualSeconds = settle(state, clock, pending);
  const wallMs = performance.now() - t0;
  const updated = state.instances().filter((i) => i.version === r.value.version).length;
  if (updated !== INSTANCES) throw new Error(`only ${updated} instances updated`);
  return { virtualSeconds, wallMs };
}

export function updateRows(): BenchRow[] {
  let last = { virtualSeconds: 0, wallMs: 0 };
  const timing = time(() => {
    last = updateOnce();
  }, 3);
  return [
    {
      name: `update of ${INSTANCES} instances in batches of ${BATCH} (watch ${WATCH_SECONDS} s, virtual clock), deploy + update`,
      value: timing.medianMs,
      unit: "ms",
      medianMs: timing.medianMs,
    },
    {
      name: `update of ${INSTANCES} instances in batches of ${BATCH}: the update alone`,
      value: Math.round(last.wallMs),
      unit: "ms",
      medianMs: timing.medianMs,
    },
    {
      name: `update of ${INSTANCES} instances in batches of ${BATCH}: virtual time`,
      value: last.virtualSeconds,
      unit: "s",
      medianMs: timing.medianMs,
    },
  ];
}

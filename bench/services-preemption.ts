// The services bench's preemption row (issue #19): 10,000 preemptible instances running on
// 1,000 simulated agents that are full, and one production (preferred) instance that has waited
// past the preemption delay. The measured input is the tick on which the preemptor finds the
// agent and the fewest victims and kills them — the whole review, not just the decision.
import type { AppVersion } from "../src/frameworks/services/app-json.ts";
import { parseAppDefinition } from "../src/frameworks/services/app-validation.ts";
import type { Instance } from "../src/frameworks/services/instance.ts";
import { ServicesCore } from "../src/frameworks/services/services-core.ts";
import { type BenchRow, time } from "./harness.ts";

export const PREEMPTION_INSTANCES = 10_000;
const PREEMPTION_AGENTS = 1000;
const DELAY_MS = 1000;

function appVersion(fields: Record<string, unknown>): AppVersion {
  const parsed = parseAppDefinition(
    { cmd: "sleep 1000", portDefinitions: [], ...fields },
    { defaultRole: "web" },
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.failure));
  const at = "2024-01-01T00:00:00.000Z";
  return { app: parsed.app, version: at, lastScalingAt: at, lastConfigChangeAt: at };
}

/** A core with the full cluster running and the production app's instance waiting. */
function fullCluster(t0: number): ServicesCore {
  const batch = appVersion({ id: "/batch", instances: PREEMPTION_INSTANCES, cpus: 1, mem: 128 });
  const instances: Instance[] = [];
  for (let n = 0; n < PREEMPTION_INSTANCES; n++) {
    const agent = n % PREEMPTION_AGENTS;
    instances.push({
      instanceId: `batch.instance-${n}`,
      appId: "/batch" as Instance["appId"],
      version: batch.version,
      configVersion: batch.lastConfigChangeAt,
      incarnation: 1,
      goal: "Running",
      state: "TASK_RUNNING",
      agentId: `S${agent}`,
      agent: { hostname: `agent${agent}`, attributes: [] },
      hostPorts: [],
      healthy: undefined,
      ready: true,
      stagedAtMs: t0,
      startedAtMs: t0,
      createdAtMs: t0,
    });
  }
  let ids = 0;
  const core = new ServicesCore(
    { newId: () => `id-${++ids}`, preemptionDelayMs: DELAY_MS },
    {
      apps: [batch],
      versionIds: new Map([["/batch" as Instance["appId"], [batch.version]]]),
      runningVersions: [],
      instances,
      deployments: [],
    },
  );
  core.handle(
    {
      kind: "quotas",
      quotas: [{ role: "web", guarantees: { cpus: 100, mem: 100_000 }, limits: {} }],
    },
    t0,
  );
  const prod = appVersion({ id: "/prod", production: true, cpus: 2, mem: 256 }).app;
  core.handle({ kind: "deploy", change: { upsert: [prod] }, force: true }, t0);
  core.handle({ kind: "advance" }, t0);
  core.handle({ kind: "tick" }, t0); // the preemptor sees the instance waiting from here
  return core;
}

/** Median ms of the tick that preempts (2 victims out of 10,000 instances). */
export function preemptionDecisionRow(): BenchRow {
  const t0 = Date.parse("2024-01-01T00:00:00Z");
  const runs = 5;
  const cores = Array.from({ length: runs + 1 }, () => fullCluster(t0));
  let victims = 0;
  const timing = time(() => {
    const core = cores.pop() as ServicesCore;
    const out = core.handle({ kind: "tick" }, t0 + DELAY_MS);
    victims = out.filter((o) => o.kind === "kill").length;
  }, runs);
  if (victims !== 2) throw new Error(`expected 2 victims, the preemptor chose ${victims}`);
  return {
    name: `preemption decision time with ${PREEMPTION_INSTANCES.toLocaleString("en")} instances on ${PREEMPTION_AGENTS} simulated agents`,
    value: timing.medianMs,
    unit: "ms",
    medianMs: timing.medianMs,
    maxMs: timing.maxMs,
  };
}

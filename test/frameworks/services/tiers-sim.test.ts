// The services core with tiers on a small simulated cluster, from a seed: apps of random
// roles, tiers and priorities compete for three agents; offers carry what each agent really
// has free, tasks start at once and end when killed. Every kill the preemptor makes must be of
// a victim its candidate may preempt, on the agent held for that candidate.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { AppDefinition } from "../../../src/frameworks/services/app-definition.ts";
import { isAlive } from "../../../src/frameworks/services/instance.ts";
import type { AppId } from "../../../src/frameworks/services/path-id.ts";
import { canPreempt } from "../../../src/frameworks/services/preemption.ts";
import { ServicesCore } from "../../../src/frameworks/services/services-core.ts";
import { taskIdFor } from "../../../src/frameworks/services/task-info.ts";
import { DEFAULT_TIER_CONFIG, tierSettings } from "../../../src/frameworks/services/tiers.ts";
import { parseWire } from "../../../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../../../src/wire/offer.ts";
import { appDef } from "./fixtures.ts";

const T0 = Date.parse("2024-01-01T00:00:00.000Z");
const AGENTS = ["S0", "S1", "S2"];
const CPUS_PER_AGENT = 4;
const STEP_MS = 4000;
const DELAY_MS = 10_000;

const arbApp = fc.record({
  role: fc.constantFrom("web", "batch"),
  tier: fc.constantFrom("preferred", "preemptible"),
  priority: fc.integer({ min: 0, max: 2 }),
  instances: fc.integer({ min: 1, max: 4 }),
  cpus: fc.constantFrom(1, 2),
  deployStep: fc.integer({ min: 0, max: 10 }),
});

function who(app: AppDefinition) {
  const s = tierSettings(app, DEFAULT_TIER_CONFIG);
  return {
    role: app.role,
    preemptible: s.preemptible,
    revocable: s.revocable,
    priority: app.priority ?? 0,
  };
}

let offers = 0;
function offer(agentId: string, cpus: number): Offer {
  const parsed = parseWire(OfferSchema, {
    id: { value: `O${++offers}` },
    framework_id: { value: "fw" },
    agent_id: { value: agentId },
    hostname: `host-${agentId}`,
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: cpus } },
      { name: "mem", type: "SCALAR", scalar: { value: 4096 } },
    ],
  });
  assert.ok(parsed.ok);
  return parsed.value;
}

describe("services tiers: simulated cluster", () => {
  test("every preemption kills only victims its candidate may preempt, on the agent held for it, and never overfills an agent", () => {
    let preemptions = 0;
    fc.assert(
      fc.property(fc.array(arbApp, { minLength: 2, maxLength: 5 }), (specs) => {
        let n = 0;
        const core = new ServicesCore(
          { newId: () => `id-${++n}`, preemptionDelayMs: DELAY_MS, slotHoldMs: 20_000 },
          { apps: [], versionIds: new Map(), runningVersions: [], instances: [], deployments: [] },
        );
        const big = { cpus: 1000, mem: 1e6, disk: 1e6, gpus: 100 };
        core.handle(
          {
            kind: "quotas",
            quotas: [
              { role: "web", guarantees: big, limits: {} },
              { role: "batch", guarantees: big, limits: {} },
            ],
          },
          T0,
        );
        const apps = specs.map((s, k) =>
          appDef({
            id: `/a${k}`,
            role: s.role,
            tier: s.tier,
            priority: s.priority,
            instances: s.instances,
            cpus: s.cpus,
            mem: 16,
            portDefinitions: [],
          }),
        );
        const appOf = (id: AppId) => apps.find((a) => a.id === id) as AppDefinition;
        for (let step = 0; step < 30; step++) {
          const now = T0 + step * STEP_MS;
          for (const [k, s] of specs.entries())
            if (s.deployStep === step) {
              core.handle(
                { kind: "deploy", change: { upsert: [apps[k] as AppDefinition] }, force: true },
                now,
              );
              core.handle({ kind: "advance" }, now);
            }
          const used = new Map(AGENTS.map((a) => [a, 0]));
          for (const i of core.instances())
            if (isAlive(i) && i.agentId !== undefined)
              used.set(i.agentId, (used.get(i.agentId) ?? 0) + appOf(i.appId).cpus);
          for (const [agent, cpus] of used)
            assert.ok(cpus <= CPUS_PER_AGENT, `${agent} overfilled: ${cpus}`);
          const out = core.handle(
            {
              kind: "offers",
              offers: AGENTS.map((a) => offer(a, CPUS_PER_AGENT - (used.get(a) ?? 0))),
            },
            now,
          );
          for (const o of out)
            if (o.kind === "launch")
              for (const t of o.tasks)
                core.handle(
                  {
                    kind: "task_status",
                    update: { taskId: t.task_id.value, state: "TASK_RUNNING" },
                  },
                  now,
                );
          const before = new Map(
            core.instances().map((i) => [taskIdFor(i.instanceId, i.incarnation), { ...i }]),
          );
          const kills = core
            .handle({ kind: "tick" }, now)
            .flatMap((o) => (o.kind === "kill" ? [o.taskId] : []));
          // The holds made now, from the candidates' pending reasons: agent -> candidate's app.
          const holds = new Map<string, AppDefinition>();
          for (const a of apps)
            for (const r of core.pendingReasons(a.id as AppId, now)) {
              const m = /on agent (\S+);/.exec(r.reason);
              if (m !== null) holds.set(m[1] as string, a);
            }
          preemptions += kills.length;
          for (const taskId of kills) {
            const victim = before.get(taskId);
            assert.ok(victim?.agentId !== undefined, `kill of unknown task ${taskId}`);
            const candidate = holds.get(victim.agentId);
            assert.ok(candidate !== undefined, `a kill on ${victim.agentId}, held for no one`);
            const c = who(candidate);
            assert.ok(
              canPreempt(
                { ...c, needs: [0, 0, 0, 0] },
                { id: taskId, ...who(appOf(victim.appId)), uses: [0, 0, 0, 0] },
              ),
              `${candidate.id} may not preempt ${victim.appId}`,
            );
          }
          for (const taskId of kills)
            core.handle({ kind: "task_status", update: { taskId, state: "TASK_KILLED" } }, now);
        }
      }),
      {
        numRuns: 60,
        // A full cluster and a preferred app arriving later: this run surely preempts.
        examples: [
          [
            [
              {
                role: "web",
                tier: "preemptible",
                priority: 0,
                instances: 4,
                cpus: 2,
                deployStep: 0,
              },
              {
                role: "batch",
                tier: "preemptible",
                priority: 0,
                instances: 2,
                cpus: 2,
                deployStep: 0,
              },
              { role: "web", tier: "preferred", priority: 0, instances: 1, cpus: 2, deployStep: 3 },
            ],
          ],
        ],
      },
    );
    // The runs must have preempted something, or they checked nothing.
    assert.ok(preemptions > 0, "no run preempted");
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { AppDefinition } from "../../../src/frameworks/services/app-definition.ts";
import type { AppVersion } from "../../../src/frameworks/services/app-json.ts";
import {
  buildPlan,
  decideRestart,
  decideScale,
  nextBackoffSeconds,
  restartBounds,
} from "../../../src/frameworks/services/deployment-plan.ts";
import {
  type Instance,
  isAlive,
  isHealthyAndReady,
} from "../../../src/frameworks/services/instance.ts";
import { type AppId, appId } from "../../../src/frameworks/services/path-id.ts";
import { appDef } from "./fixtures.ts";

const app = (fields: Record<string, unknown>): AppDefinition => appDef(fields);

function version(a: AppDefinition, at = "2020-01-01T00:00:00.000Z"): AppVersion {
  return { app: a, version: at, lastScalingAt: at, lastConfigChangeAt: at };
}

let seq = 0;
function instance(configVersion: string, state: Instance["state"], healthy = true): Instance {
  seq += 1;
  return {
    instanceId: `a.instance-${seq}`,
    appId: appId("/a"),
    version: configVersion,
    configVersion,
    incarnation: 1,
    goal: "Running",
    state,
    agentId: state === undefined ? undefined : "S1",
    agent: state === undefined ? undefined : { hostname: "h", attributes: [] },
    hostPorts: [],
    healthy,
    ready: true,
    stagedAtMs: 0,
    startedAtMs: 0,
    createdAtMs: seq,
  };
}

describe("deployment plan", () => {
  test("a new app is a start step then a scale step; a removed app is a stop step", () => {
    const a = version(app({ id: "/a" }));
    const b = version(app({ id: "/b" }));
    const plan = buildPlan(new Map([[appId("/b"), b]]), new Map([[appId("/a"), a]]));
    assert.deepEqual(plan, [
      [{ action: "StopApplication", app: "/b" }],
      [{ action: "StartApplication", app: "/a" }],
      [{ action: "ScaleApplication", app: "/a" }],
    ]);
  });

  test("a config change restarts, an instance change scales, and dependencies come first", () => {
    const db = version(app({ id: "/db" }));
    const web = version(app({ id: "/web", dependencies: ["/db"] }));
    const before = new Map<AppId, AppVersion>([
      [appId("/db"), db],
      [appId("/web"), web],
    ]);
    const after = new Map<AppId, AppVersion>([
      [appId("/db"), version(app({ id: "/db", cmd: "y" }))],
      [appId("/web"), version(app({ id: "/web", dependencies: ["/db"], instances: 3 }))],
    ]);
    assert.deepEqual(buildPlan(before, after), [
      [{ action: "RestartApplication", app: "/db" }],
      [{ action: "ScaleApplication", app: "/web" }],
    ]);
  });

  test("a dependency naming a group waits for every app of the plan below that group", () => {
    const after = new Map<AppId, AppVersion>([
      [appId("/data/db"), version(app({ id: "/data/db" }))],
      [appId("/data/cache"), version(app({ id: "/data/cache" }))],
      [appId("/web"), version(app({ id: "/web", dependencies: ["/data"] }))],
    ]);
    const steps = buildPlan(new Map(), after).filter((s) => s[0]?.action === "ScaleApplication");
    assert.deepEqual(steps, [
      [
        { action: "ScaleApplication", app: "/data/cache" },
        { action: "ScaleApplication", app: "/data/db" },
      ],
      [{ action: "ScaleApplication", app: "/web" }],
    ]);
  });

  test("scale-down kills the youngest instances first by default and the oldest with OLDEST_FIRST", () => {
    const instances = [
      instance("v1", "TASK_RUNNING"),
      instance("v1", "TASK_RUNNING"),
      instance("v1", "TASK_RUNNING"),
    ];
    const youngest = decideScale(app({ instances: 1 }), instances);
    assert.deepEqual(youngest.kill, [instances[2]?.instanceId, instances[1]?.instanceId]);
    const oldest = decideScale(app({ instances: 2, killSelection: "OLDEST_FIRST" }), instances);
    assert.deepEqual(oldest.kill, [instances[0]?.instanceId]);
  });

  test("scale-up launches the missing instances and waits until they are running", () => {
    const d = decideScale(app({ instances: 3 }), [instance("v1", "TASK_RUNNING")]);
    assert.equal(d.launch, 2);
    assert.equal(d.done, false);
    assert.match(d.waiting ?? "", /2 of 3 instances to be running/);
  });

  test("the worked examples of the reference for N=4", () => {
    const old = () => [1, 2, 3, 4].map(() => instance("v1", "TASK_RUNNING"));
    const cases: [number, number, number, number][] = [
      // m, o, launched at once, killed at once
      [1, 1, 4, 0],
      [1, 0, 1, 0],
      [0.5, 0, 0, 2],
      [0, 0, 0, 4],
    ];
    for (const [m, o, launch, kill] of cases) {
      const a = app({
        instances: 4,
        upgradeStrategy: { minimumHealthCapacity: m, maximumOverCapacity: o },
      });
      const instances = old();
      const bounds = restartBounds(a, instances);
      const d = decideRestart(a, "v2", bounds, instances);
      assert.equal(d.launch, launch, `(${m},${o}) launch`);
      assert.equal(d.kill.length, kill, `(${m},${o}) kill`);
    }
  });

  test("N=3 with minimumHealthCapacity 0.7 behaves like 1", () => {
    const a = app({
      instances: 3,
      upgradeStrategy: { minimumHealthCapacity: 0.7, maximumOverCapacity: 0 },
    });
    assert.equal(restartBounds(a, []).minHealthy, 3);
  });
});

describe("deployment plan: launch backoff and the rolling-restart bounds", () => {
  test("launch backoff grows by the factor and stops at the maximum", () => {
    const a = app({ backoffSeconds: 2, backoffFactor: 2, maxLaunchDelaySeconds: 7 });
    const first = nextBackoffSeconds(a, undefined);
    const second = nextBackoffSeconds(a, first);
    assert.deepEqual([first, second, nextBackoffSeconds(a, second)], [2, 4, 7]);
  });

  test("a rolling restart never drops below minimumHealthCapacity nor exceeds its capacity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
        (n, mTenths, oTenths, choices) => {
          const a = app({
            instances: n,
            upgradeStrategy: {
              minimumHealthCapacity: mTenths / 10,
              maximumOverCapacity: oTenths / 10,
            },
          });
          let instances = Array.from({ length: n }, () => instance("v1", "TASK_RUNNING"));
          const bounds = restartBounds(a, instances);
          const minHealthy = Math.ceil((n * mTenths) / 10 - 1e-9);
          const capacity = Math.max(Math.floor(n * (1 + oTenths / 10) + 1e-9), minHealthy + 1);
          for (const choice of choices) {
            const d = decideRestart(a, "v2", bounds, instances);
            if (d.done) return;
            for (const id of d.kill) {
              const victim = instances.find((i) => i.instanceId === id);
              assert.ok(victim);
              victim.goal = "Decommissioned";
              if (victim.state === undefined) instances = instances.filter((i) => i !== victim);
            }
            for (let k = 0; k < d.launch; k++) instances.push(instance("v2", undefined, false));
            const healthy = instances.filter((i) => isHealthyAndReady(i, false)).length;
            const active = instances.filter((i) => isAlive(i) || i.state === undefined).length;
            assert.ok(healthy >= minHealthy, `healthy ${healthy} < ${minHealthy}`);
            assert.ok(active <= capacity, `active ${active} > ${capacity}`);
            // One random instance makes progress: a kill lands or a launch starts running.
            const moving = instances.filter(
              (i) =>
                (i.goal === "Decommissioned" && isAlive(i)) ||
                (i.goal === "Running" && i.state !== "TASK_RUNNING"),
            );
            const pick = moving[choice % Math.max(1, moving.length)];
            if (pick === undefined) continue;
            if (pick.goal === "Decommissioned") instances = instances.filter((i) => i !== pick);
            else pick.state = "TASK_RUNNING";
          }
          assert.fail("the restart did not finish in 200 steps");
        },
      ),
      { numRuns: 300 },
    );
  });
});

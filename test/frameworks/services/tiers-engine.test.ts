// Aurora's tiers on the services core: preemption with a held slot, THROTTLED, quota
// admission, dedicated hosts, the revocable tier and limit constraints.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AppId } from "../../../src/frameworks/services/path-id.ts";
import { PREEMPTION_SEARCH_INTERVAL_MS } from "../../../src/frameworks/services/preemptor.ts";
import { ServicesCore } from "../../../src/frameworks/services/services-core.ts";
import type { ServicesOutput } from "../../../src/frameworks/services/services-outputs.ts";
import type { ServicesCoreOptions } from "../../../src/frameworks/services/services-types.ts";
import { FIRST_THROTTLE_MS } from "../../../src/frameworks/services/throttle.ts";
import {
  DEFAULT_TIER_CONFIG,
  parseTierConfig,
  tierConfigJson,
  tierOf,
} from "../../../src/frameworks/services/tiers.ts";
import { parseWire } from "../../../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../../../src/wire/offer.ts";
import type { TaskState } from "../../../src/wire/status.ts";
import { appDef } from "./fixtures.ts";

const T0 = Date.parse("2024-01-01T00:00:00.000Z");
const DELAY_MS = 10_000;

function newCore(options: Partial<ServicesCoreOptions> = {}): ServicesCore {
  let n = 0;
  const core = new ServicesCore(
    { newId: () => `id-${++n}`, preemptionDelayMs: DELAY_MS, slotHoldMs: 60_000, ...options },
    { apps: [], versionIds: new Map(), runningVersions: [], instances: [], deployments: [] },
  );
  core.handle(
    { kind: "quotas", quotas: [{ role: "web", guarantees: { cpus: 4, mem: 4096 }, limits: {} }] },
    T0,
  );
  return core;
}

let offerCount = 0;
function offer(
  agentId: string,
  cpus: number,
  mem: number,
  extra: { attributes?: Record<string, string>; revocable?: boolean } = {},
): Offer {
  const parsed = parseWire(OfferSchema, {
    id: { value: `O${++offerCount}` },
    framework_id: { value: "fw" },
    agent_id: { value: agentId },
    hostname: `host-${agentId}`,
    resources: [
      {
        name: "cpus",
        type: "SCALAR",
        scalar: { value: cpus },
        ...(extra.revocable ? { revocable: {} } : {}),
      },
      {
        name: "mem",
        type: "SCALAR",
        scalar: { value: mem },
        ...(extra.revocable ? { revocable: {} } : {}),
      },
    ],
    attributes: Object.entries(extra.attributes ?? {}).map(([name, value]) => ({
      name,
      type: "TEXT",
      text: { value },
    })),
  });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.value;
}

function deploy(core: ServicesCore, nowMs: number, app: Record<string, unknown>) {
  const out = core.handle(
    {
      kind: "deploy",
      change: { upsert: [appDef({ role: "web", portDefinitions: [], ...app })] },
      force: true,
    },
    nowMs,
  );
  core.handle({ kind: "advance" }, nowMs);
  const reply = out.find((o) => o.kind === "reply");
  assert.ok(reply?.kind === "reply" && reply.reply.to === "deploy");
  return reply.reply.result;
}

const launched = (out: ServicesOutput[]) =>
  out.flatMap((o) => (o.kind === "launch" ? o.tasks.map((t) => t.task_id.value) : []));
const kills = (out: ServicesOutput[]) => out.flatMap((o) => (o.kind === "kill" ? [o.taskId] : []));
const status = (core: ServicesCore, taskId: string, state: TaskState, nowMs: number) =>
  core.handle({ kind: "task_status", update: { taskId, state } }, nowMs);

describe("services tiers: preemption", () => {
  test("a preferred app waiting past the delay preempts preemptible ones on a full agent, its slot is held, and the victims return when room does", () => {
    const core = newCore();
    deploy(core, T0, { id: "/batch", instances: 2, cpus: 1, mem: 128 });
    const batchTasks = launched(core.handle({ kind: "offers", offers: [offer("S1", 2, 512)] }, T0));
    assert.equal(batchTasks.length, 2);
    for (const t of batchTasks) status(core, t, "TASK_RUNNING", T0);

    assert.ok(deploy(core, T0 + 1000, { id: "/prod", tier: "preferred", cpus: 2, mem: 256 }).ok);
    assert.deepEqual(
      kills(core.handle({ kind: "tick" }, T0 + 1000)),
      [],
      "no preemption before the delay",
    );
    const preempt = kills(core.handle({ kind: "tick" }, T0 + 1000 + DELAY_MS));
    assert.deepEqual([...preempt].sort(), [...batchTasks].sort());
    const [prodReason] = core.pendingReasons("/prod" as AppId, T0 + 1000 + DELAY_MS);
    assert.match(prodReason?.reason ?? "", /Preempted 2 instance\(s\) on agent S1/);

    const t1 = T0 + 2000 + DELAY_MS;
    for (const t of batchTasks) status(core, t, "TASK_KILLED", t1);
    assert.equal(
      core.instancesOf("/batch" as AppId).filter((i) => i.state === undefined).length,
      2,
    );
    // The freed agent's offer goes to the candidate alone.
    const onS1 = launched(core.handle({ kind: "offers", offers: [offer("S1", 2, 512)] }, t1));
    assert.equal(onS1.length, 1);
    assert.match(onS1[0] as string, /^prod\./);
    // Room returns elsewhere: the preempted instances are rescheduled.
    const onS2 = launched(
      core.handle({ kind: "offers", offers: [offer("S2", 2, 512)] }, t1 + 1000),
    );
    assert.equal(onS2.length, 2);
    assert.ok(onS2.every((t) => t.startsWith("batch.")));
  });

  test("a preemptible app of higher priority never preempts a preferred one, nor another role's lower priority", () => {
    const core = newCore();
    deploy(core, T0, { id: "/prod", tier: "preferred", cpus: 2, mem: 256 });
    deploy(core, T0, { id: "/other", role: "batch", priority: 0, cpus: 0, mem: 256 });
    const first = launched(core.handle({ kind: "offers", offers: [offer("S1", 2, 512)] }, T0));
    assert.equal(first.length, 2);
    for (const t of first) status(core, t, "TASK_RUNNING", T0);
    deploy(core, T0, { id: "/eager", priority: 10, cpus: 1, mem: 128 });
    core.handle({ kind: "tick" }, T0);
    assert.deepEqual(kills(core.handle({ kind: "tick" }, T0 + 2 * DELAY_MS)), []);
  });
});

describe("services tiers: preemption order", () => {
  test("the most important waiting instances search first, however many others wait", () => {
    const core = newCore();
    deploy(core, T0, { id: "/batch", instances: 2, cpus: 1, mem: 128 });
    const batchTasks = launched(core.handle({ kind: "offers", offers: [offer("S1", 2, 512)] }, T0));
    for (const t of batchTasks) status(core, t, "TASK_RUNNING", T0);
    // More waiting preemptible instances than one review considers, sorting before /prod.
    deploy(core, T0, { id: "/a-many", instances: 30, cpus: 1, mem: 16 });
    deploy(core, T0, { id: "/prod", tier: "preferred", cpus: 2, mem: 256 });
    core.handle({ kind: "tick" }, T0);
    const preempt = kills(core.handle({ kind: "tick" }, T0 + DELAY_MS));
    assert.deepEqual([...preempt].sort(), [...batchTasks].sort());
  });
});

describe("services tiers: preemption search interval", () => {
  test("a search that found no slot is tried again only PREEMPTION_SEARCH_INTERVAL_MS later", () => {
    const core = newCore();
    deploy(core, T0, { id: "/prod", tier: "preferred", cpus: 2, mem: 256 });
    deploy(core, T0, { id: "/peer", tier: "preferred", cpus: 2, mem: 256 });
    const first = launched(core.handle({ kind: "offers", offers: [offer("S1", 2, 512)] }, T0));
    assert.equal(first.length, 1, "one of them runs, the other waits");
    for (const t of first) status(core, t, "TASK_RUNNING", T0);
    const waiting = first[0]?.startsWith("prod.") ? "/peer" : "/prod";
    core.handle({ kind: "tick" }, T0);
    // Equal priority in the same tier: no slot now.
    assert.deepEqual(kills(core.handle({ kind: "tick" }, T0 + DELAY_MS)), []);
    // Preemptible work arrives on a second agent: the next search finds it, but not before the interval.
    deploy(core, T0 + DELAY_MS, { id: "/batch", cpus: 2, mem: 128 });
    const onS2 = launched(
      core.handle({ kind: "offers", offers: [offer("S2", 2, 512)] }, T0 + DELAY_MS),
    );
    assert.equal(onS2.length, 1);
    status(core, onS2[0] as string, "TASK_RUNNING", T0 + DELAY_MS);
    assert.deepEqual(kills(core.handle({ kind: "tick" }, T0 + DELAY_MS + 1000)), []);
    const later = T0 + DELAY_MS + PREEMPTION_SEARCH_INTERVAL_MS;
    assert.deepEqual(
      kills(core.handle({ kind: "tick" }, later)),
      onS2,
      `${waiting} preempts /batch`,
    );
  });
});

describe("services tiers: THROTTLED", () => {
  test("an Aurora-style task that flaps waits 30 s, then twice as long; the queue says THROTTLED", () => {
    const core = newCore();
    deploy(core, T0, { id: "/flappy", tier: "preemptible", cpus: 1, mem: 128, backoffSeconds: 0 });
    let [task] = launched(core.handle({ kind: "offers", offers: [offer("S1", 4, 1024)] }, T0));
    status(core, task as string, "TASK_RUNNING", T0);
    status(core, task as string, "TASK_FAILED", T0 + 5000);
    const [reason] = core.pendingReasons("/flappy" as AppId, T0 + 6000);
    assert.equal(reason?.state, "THROTTLED");
    assert.deepEqual(
      launched(core.handle({ kind: "offers", offers: [offer("S1", 4, 1024)] }, T0 + 6000)),
      [],
    );
    const t1 = T0 + 5000 + FIRST_THROTTLE_MS;
    [task] = launched(core.handle({ kind: "offers", offers: [offer("S1", 4, 1024)] }, t1));
    assert.ok(task !== undefined);
    status(core, task, "TASK_RUNNING", t1);
    status(core, task, "TASK_FAILED", t1 + 1000);
    const [i] = core.instancesOf("/flappy" as AppId);
    assert.equal(i?.throttlePenaltyMs, 2 * FIRST_THROTTLE_MS);
  });

  test("a task lost with its agent (or evicted) is no flap: its instance is not throttled", () => {
    const core = newCore();
    deploy(core, T0, { id: "/lost", tier: "revocable", cpus: 1, mem: 128 });
    const [task] = launched(
      core.handle({ kind: "offers", offers: [offer("S1", 4, 1024, { revocable: true })] }, T0),
    );
    status(core, task as string, "TASK_RUNNING", T0);
    status(core, task as string, "TASK_LOST", T0 + 1000);
    assert.equal(core.pendingReasons("/lost" as AppId, T0 + 2000)[0]?.state, "PENDING");
  });

  test("a Marathon app (no Aurora fields) is not throttled", () => {
    const core = newCore();
    deploy(core, T0, { id: "/plain", cpus: 1, mem: 128, backoffSeconds: 0 });
    const [task] = launched(core.handle({ kind: "offers", offers: [offer("S1", 4, 1024)] }, T0));
    status(core, task as string, "TASK_RUNNING", T0);
    status(core, task as string, "TASK_FAILED", T0 + 1000);
    assert.equal(core.pendingReasons("/plain" as AppId, T0 + 2000)[0]?.state, "PENDING");
    assert.equal(
      launched(core.handle({ kind: "offers", offers: [offer("S1", 4, 1024)] }, T0 + 2000)).length,
      1,
    );
  });
});

describe("services tiers: quota admission", () => {
  test("a production app over its role's quota is refused naming role, need and quota; within quota it deploys", () => {
    const core = newCore();
    assert.ok(
      deploy(core, T0, { id: "/ok", production: true, instances: 2, cpus: 1, mem: 512 }).ok,
    );
    const over = deploy(core, T0, {
      id: "/big",
      production: true,
      instances: 3,
      cpus: 1,
      mem: 128,
    });
    assert.equal(over.ok, false);
    assert.ok(!over.ok);
    assert.equal(over.error.code, "QUOTA_EXCEEDED");
    assert.match(over.error.message, /role 'web'.*cpus 5.*quota is cpus 4/);
    assert.equal(core.app("/big" as AppId), undefined);
  });
  test("non-production and dedicated apps are quota-free; a role without quota runs no production apps", () => {
    const core = newCore();
    assert.ok(deploy(core, T0, { id: "/free", instances: 50, cpus: 1 }).ok);
    assert.ok(
      deploy(core, T0, {
        id: "/ded",
        production: true,
        instances: 9,
        constraints: [["dedicated", "IS", "web/db"]],
      }).ok,
    );
    const none = deploy(core, T0, { id: "/x", role: "ads", production: true });
    assert.ok(!none.ok && /role 'ads'/.test(none.error.message));
  });
});

describe("services tiers: quota not known", () => {
  test("before the master first reported quotas, production apps are refused and say so", () => {
    const core = new ServicesCore(
      { newId: () => "id" },
      { apps: [], versionIds: new Map(), runningVersions: [], instances: [], deployments: [] },
    );
    const out = core.handle(
      { kind: "deploy", change: { upsert: [appDef({ id: "/p", production: true })] }, force: true },
      T0,
    );
    const reply = out.find((o) => o.kind === "reply");
    assert.ok(reply?.kind === "reply" && reply.reply.to === "deploy" && !reply.reply.result.ok);
    assert.match(reply.reply.result.error.message, /not known yet/);
  });
});

describe("services tiers: dedicated hosts, revocable tier, limits", () => {
  test("a dedicated agent takes only apps asking for it, of the named role", () => {
    const core = newCore();
    const dedicated = { attributes: { dedicated: "web/db" } };
    deploy(core, T0, { id: "/plain", cpus: 0.5, mem: 64 });
    assert.deepEqual(
      launched(core.handle({ kind: "offers", offers: [offer("S1", 4, 1024, dedicated)] }, T0)),
      [],
    );
    deploy(core, T0, {
      id: "/wrongrole",
      role: "ads",
      cpus: 0.5,
      mem: 64,
      // An IS naming another role is refused at validation; a pattern is caught at placement.
      constraints: [["dedicated", "LIKE", "web/.*"]],
    });
    deploy(core, T0, {
      id: "/db",
      cpus: 0.5,
      mem: 64,
      constraints: [["dedicated", "IS", "web/db"]],
    });
    const out = launched(
      core.handle({ kind: "offers", offers: [offer("S1", 4, 1024, dedicated)] }, T0),
    );
    assert.equal(out.length, 1);
    assert.match(out[0] as string, /^db\./);
    assert.match(core.offerStats("/wrongrole" as AppId)?.topReason()?.message ?? "", /role 'ads'/);
  });

  test("the revocable tier runs on revocable resources only, and other tiers never do", () => {
    const core = newCore();
    deploy(core, T0, { id: "/rev", tier: "revocable", cpus: 1, mem: 128 });
    deploy(core, T0, { id: "/std", cpus: 1, mem: 128 });
    const onRevocable = launched(
      core.handle({ kind: "offers", offers: [offer("S1", 4, 1024, { revocable: true })] }, T0),
    );
    assert.equal(onRevocable.length, 1);
    assert.match(onRevocable[0] as string, /^rev\./);
  });

  test("Aurora's limit constraint is MAX_PER: at most N instances per host", () => {
    const core = newCore();
    deploy(core, T0, {
      id: "/lim",
      instances: 3,
      cpus: 0.1,
      mem: 16,
      constraints: [["hostname", "MAX_PER", "2"]],
    });
    assert.equal(
      launched(core.handle({ kind: "offers", offers: [offer("S1", 4, 1024)] }, T0)).length,
      2,
    );
  });
});

describe("services tiers: config", () => {
  test("Aurora's default tiers.json (as getTierConfigs answers it); production apps default to preferred; unknown tiers are refused", () => {
    assert.equal(tierOf({}), "preemptible");
    assert.equal(tierOf({ production: true }), "preferred");
    const parsed = parseTierConfig(
      '{"default":"preferred","tiers":{"revocable":{"preemptible":true,"revocable":true}}}',
    );
    assert.ok(parsed.ok && parsed.config.defaultTier === "preferred");
    assert.deepEqual(tierConfigJson(DEFAULT_TIER_CONFIG).tiers, [
      { name: "preferred", settings: { preemptible: "false", revocable: "false" } },
      { name: "preemptible", settings: { preemptible: "true", revocable: "false" } },
      { name: "revocable", settings: { preemptible: "true", revocable: "true" } },
    ]);
    assert.equal(
      parseTierConfig('{"tiers":{"gold":{"preemptible":false,"revocable":false}}}').ok,
      false,
    );
  });
});

// Aurora's tiers through the Marathon API: the 422 of quota admission in Marathon's error
// shape, the Aurora fields' validation, pending reasons in /v2/queue, and a slot hold that ends
// when its candidate goes away.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tierServeOptions } from "../../../src/cli/services-tiers.ts";
import type { ApiReply } from "../../../src/frameworks/services/api.ts";
import { roomyOffer, servicesInMemory } from "./fixtures.ts";

let now = Date.parse("2024-01-01T00:00:00.000Z");
let ids = 0;

function setup() {
  const s = servicesInMemory({ nowMs: () => now, newId: () => `id-${++ids}`, role: "web" });
  s.state.handle(
    { kind: "quotas", quotas: [{ role: "web", guarantees: { cpus: 1 }, limits: { mem: 1024 } }] },
    now,
  );
  const call = (
    method: string,
    path: string,
    body?: unknown,
  ): { status: number; body: Record<string, unknown> } => {
    const reply: ApiReply = s.server.api.handle({
      method,
      path,
      query: new URLSearchParams(),
      body: body === undefined ? "" : JSON.stringify(body),
      clientIp: "127.0.0.1",
    });
    assert.equal(reply.kind, "json");
    return reply as unknown as { status: number; body: Record<string, unknown> };
  };
  return { ...s, call };
}

describe("services tiers: API", () => {
  test("a production app over quota gets Marathon's 422 with the reason in message and details", () => {
    const { call } = setup();
    const res = call("POST", "/v2/apps", {
      id: "/big",
      cmd: "x",
      production: true,
      instances: 2,
      cpus: 1,
    });
    assert.equal(res.status, 422);
    assert.match(
      String(res.body.message),
      /Insufficient quota for role 'web'.*cpus 2.*quota is cpus 1, mem 1024/,
    );
    assert.deepEqual(res.body.details, [{ path: "/", errors: [res.body.message] }]);
    assert.equal(call("GET", "/v2/apps/big").status, 404);
    // Scaling a non-production app is quota-free.
    assert.equal(call("POST", "/v2/apps", { id: "/free", cmd: "x", instances: 20 }).status, 201);
  });

  test("the Aurora fields are checked: production runs preferred, a dedicated constraint names the app's role", () => {
    const { call } = setup();
    const tier = call("POST", "/v2/apps", {
      id: "/t",
      cmd: "x",
      production: true,
      tier: "revocable",
    });
    assert.equal(tier.status, 422);
    assert.match(JSON.stringify(tier.body.details), /\/tier/);
    const ded = call("POST", "/v2/apps", {
      id: "/d",
      cmd: "x",
      constraints: [["dedicated", "IS", "ads/db"]],
    });
    assert.equal(ded.status, 422);
    assert.match(JSON.stringify(ded.body.details), /not for role 'web'/);
    const bad = call("POST", "/v2/apps", { id: "/p", cmd: "x", priority: 1.5 });
    assert.notEqual(bad.status, 201, "a priority is a whole number");
  });

  test("/v2/queue shows each waiting instance's Aurora state and pending reason; an app without the fields reads back unchanged", () => {
    const { call, state } = setup();
    assert.equal(
      call("POST", "/v2/apps", { id: "/huge", cmd: "x", cpus: 64, portDefinitions: [] }).status,
      201,
    );
    state.advance(now);
    state.handleOffers([roomyOffer("O1", "S1", "agent1")], now);
    const queue = call("GET", "/v2/queue").body.queue as {
      pendingReasons: { state: string; reason: string }[];
    }[];
    assert.equal(queue[0]?.pendingReasons[0]?.state, "PENDING");
    assert.match(queue[0]?.pendingReasons[0]?.reason ?? "", /InsufficientCpus/);
    const app = call("GET", "/v2/apps/huge").body.app as Record<string, unknown>;
    for (const field of ["tier", "priority", "production"]) assert.equal(field in app, false);
  });

  test("a held slot ends when its candidate goes away: the agent's offers serve others again", () => {
    const { call, state } = setup();
    const fill = { id: "/fill", cmd: "x", instances: 4, cpus: 2, mem: 16, portDefinitions: [] };
    assert.equal(call("POST", "/v2/apps", fill).status, 201);
    state.advance(now);
    const launches = state.handleOffers([roomyOffer("O1", "S1", "agent1")], now);
    for (const l of launches)
      if (l.kind === "launch")
        for (const t of l.tasks)
          state.handleStatus({ taskId: t.task_id.value, state: "TASK_RUNNING" }, now);
    const pref = {
      id: "/pref",
      cmd: "x",
      tier: "preferred",
      cpus: 0.5,
      mem: 16,
      portDefinitions: [],
    };
    state.handle(
      { kind: "quotas", quotas: [{ role: "web", guarantees: { cpus: 4, mem: 4096 }, limits: {} }] },
      now,
    );
    assert.equal(call("POST", "/v2/apps", pref).status, 201);
    state.advance(now);
    state.tick(now);
    now += 3 * 60_000;
    const kills = state.tick(now).filter((e) => e.kind === "kill");
    assert.equal(kills.length, 1, "one victim frees half a cpu");
    assert.equal(call("DELETE", "/v2/apps/pref").status, 200);
    state.advance(now);
    for (const k of kills)
      if (k.kind === "kill") state.handleStatus({ taskId: k.taskId, state: "TASK_KILLED" }, now);
    const offer = { ...roomyOffer("O3", "S1", "agent1") };
    const relaunched = state.handleOffers([offer], now).filter((e) => e.kind === "launch");
    assert.equal(relaunched.length, 1, "the preempted instance runs again on the agent");
  });

  test("--tiers takes inline JSON; bad tiers and delays are usage errors naming the flag", () => {
    const o = tierServeOptions({ tiers: '{"default":"preferred"}', preemption_delay_seconds: "2" });
    assert.equal(o.tiers?.defaultTier, "preferred");
    assert.equal(o.preemptionDelayMs, 2000);
    assert.throws(() => tierServeOptions({ tiers: '{"default":"gold"}' }), /--tiers: default/);
    assert.throws(
      () => tierServeOptions({ tiers: "/nonexistent/tiers.json" }),
      /--tiers: cannot read/,
    );
    assert.throws(
      () => tierServeOptions({ preemption_slot_hold_seconds: "soon" }),
      /--preemption_slot_hold_seconds/,
    );
  });
});

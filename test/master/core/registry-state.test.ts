import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  applyRegistryOperation,
  cloneRegistryState,
  emptyRegistryState,
  type QuotaConfig,
  type RegistryOperation,
  type RegistryState,
  registryInvariantViolations,
} from "../../../src/master/core/registry-state.ts";
import type { AgentInfo, DrainConfig, MachineID } from "../../../src/wire/framework.ts";

function agentInfo(id: string, hostname = `host-${id}`): AgentInfo {
  return { hostname, port: 5051, resources: [], attributes: [], id: { value: id } } as AgentInfo;
}

const DRAIN: DrainConfig = { mark_gone: false, max_grace_period: { nanoseconds: 60e9 } };
const UNAVAILABLE = { start: { nanoseconds: 1_000_000_000 } };

function m(hostname: string): MachineID {
  return { hostname };
}

/** Applies ops that must all succeed; returns the state. */
function build(...ops: RegistryOperation[]): RegistryState {
  const state = emptyRegistryState();
  for (const op of ops) {
    const result = applyRegistryOperation(state, op);
    assert.equal(result.error, undefined, `${op.type}: ${result.error?.message}`);
  }
  return state;
}

/** Asserts `op` fails with `code` and leaves the state exactly as it was. */
function assertRejected(state: RegistryState, op: RegistryOperation, code: string): void {
  const before = cloneRegistryState(state);
  const result = applyRegistryOperation(state, op);
  assert.equal(result.error?.code, code, `expected ${code}, got ${JSON.stringify(result)}`);
  assert.equal(result.changed, false);
  assert.deepEqual(state, before);
}

const admit = (id: string): RegistryOperation => ({ type: "AdmitAgent", info: agentInfo(id) });
const unreachable = (id: string, t = 1000): RegistryOperation => ({
  type: "MarkAgentUnreachable",
  agentId: id,
  unreachableTimeMs: t,
});
const gone = (id: string, t = 2000): RegistryOperation => ({
  type: "MarkAgentGone",
  agentId: id,
  goneTimeMs: t,
});

describe("registry agents", () => {
  test("admitting a new agent records it as admitted and active", () => {
    const state = build(admit("a1"));
    assert.deepEqual(state.admitted.get("a1"), { info: agentInfo("a1"), deactivated: false });
  });

  test("admitting an agent id that is already known fails and changes nothing", () => {
    assertRejected(build(admit("a1")), admit("a1"), "agent_already_admitted");
    assertRejected(build(admit("a1"), unreachable("a1")), admit("a1"), "agent_already_admitted");
    assertRejected(build(admit("a1"), gone("a1")), admit("a1"), "agent_already_admitted");
  });

  test("an AgentInfo without an id cannot be admitted", () => {
    const info = { hostname: "h", port: 5051 } as AgentInfo;
    assertRejected(emptyRegistryState(), { type: "AdmitAgent", info }, "invalid_operation");
  });

  test("updating an admitted agent's info replaces it; an unknown agent cannot be updated", () => {
    const state = build(admit("a1"));
    const info = agentInfo("a1", "renamed");
    assert.deepEqual(applyRegistryOperation(state, { type: "UpdateAgentInfo", info }), {
      changed: true,
    });
    assert.equal(state.admitted.get("a1")?.info.hostname, "renamed");
    assert.equal(applyRegistryOperation(state, { type: "UpdateAgentInfo", info }).changed, false);
    assertRejected(state, { type: "UpdateAgentInfo", info: agentInfo("zz") }, "agent_not_found");
  });

  test("marking an admitted agent unreachable moves it with its drain and deactivation", () => {
    const state = build(admit("a1"), { type: "DrainAgent", agentId: "a1", config: DRAIN });
    assert.equal(applyRegistryOperation(state, unreachable("a1", 42)).changed, true);
    assert.equal(state.admitted.has("a1"), false);
    assert.deepEqual(state.unreachable.get("a1"), {
      agentId: "a1",
      unreachableTimeMs: 42,
      deactivated: true,
      drainInfo: { state: "DRAINING", config: DRAIN },
    });
  });

  test("marking an agent unreachable fails unless it is admitted", () => {
    assertRejected(emptyRegistryState(), unreachable("a1"), "agent_not_found");
    assertRejected(build(admit("a1"), unreachable("a1")), unreachable("a1"), "agent_not_found");
    assertRejected(build(admit("a1"), gone("a1")), unreachable("a1"), "agent_not_found");
  });

  test("an unreachable agent that comes back is admitted again with its new info", () => {
    const state = build(admit("a1"), { type: "DeactivateAgent", agentId: "a1" }, unreachable("a1"));
    const info = agentInfo("a1", "new-host");
    assert.equal(applyRegistryOperation(state, { type: "MarkAgentReachable", info }).changed, true);
    assert.equal(state.unreachable.has("a1"), false);
    assert.deepEqual(state.admitted.get("a1"), { info, deactivated: true });
  });

  test("an agent unknown to the registry may re-register (the registry is never strict)", () => {
    const state = emptyRegistryState();
    const op: RegistryOperation = { type: "MarkAgentReachable", info: agentInfo("a9") };
    assert.equal(applyRegistryOperation(state, op).changed, true);
    assert.equal(state.admitted.has("a9"), true);
  });

  test("marking an already admitted agent reachable is a no-op", () => {
    const state = build(admit("a1"));
    const op: RegistryOperation = { type: "MarkAgentReachable", info: agentInfo("a1", "other") };
    assert.deepEqual(applyRegistryOperation(state, op), { changed: false });
    assert.equal(state.admitted.get("a1")?.info.hostname, "host-a1");
  });

  test("a gone agent cannot be marked reachable", () => {
    const op: RegistryOperation = { type: "MarkAgentReachable", info: agentInfo("a1") };
    assertRejected(build(admit("a1"), gone("a1")), op, "agent_gone");
  });

  test("admitted and unreachable agents can be marked gone; doing it twice is a no-op", () => {
    const state = build(admit("a1"), admit("a2"), unreachable("a2"));
    assert.equal(applyRegistryOperation(state, gone("a1", 5)).changed, true);
    assert.equal(applyRegistryOperation(state, gone("a2", 6)).changed, true);
    assert.deepEqual(
      [...state.gone.values()],
      [
        { agentId: "a1", goneTimeMs: 5 },
        { agentId: "a2", goneTimeMs: 6 },
      ],
    );
    assert.equal(state.admitted.size + state.unreachable.size, 0);
    assert.deepEqual(applyRegistryOperation(state, gone("a1", 9)), { changed: false });
    assert.equal(state.gone.get("a1")?.goneTimeMs, 5);
  });

  test("marking an unknown agent gone fails", () => {
    assertRejected(emptyRegistryState(), gone("a1"), "agent_not_found");
  });

  test("pruning drops the listed unreachable and gone entries and ignores the rest", () => {
    const state = build(admit("a1"), admit("a2"), admit("a3"), unreachable("a1"), gone("a2"));
    const op: RegistryOperation = {
      type: "PruneUnreachable",
      unreachable: ["a1", "a3", "nope"],
      gone: ["a2"],
    };
    assert.equal(applyRegistryOperation(state, op).changed, true);
    assert.deepEqual([...state.admitted.keys()], ["a3"]);
    assert.equal(state.unreachable.size + state.gone.size, 0);
    assert.equal(applyRegistryOperation(state, op).changed, false);
  });

  test("removing an agent forgets an admitted agent; other agents are untouched", () => {
    const state = build(admit("a1"), admit("a2"), unreachable("a2"));
    assert.equal(
      applyRegistryOperation(state, { type: "RemoveAgent", agentId: "a1" }).changed,
      true,
    );
    assert.equal(
      applyRegistryOperation(state, { type: "RemoveAgent", agentId: "a2" }).changed,
      false,
    );
    assert.equal(state.admitted.size, 0);
    assert.equal(state.unreachable.has("a2"), true);
  });
});

describe("registry drain and activation", () => {
  test("draining an agent records DRAINING with its config and deactivates it", () => {
    const state = build(admit("a1"), { type: "DrainAgent", agentId: "a1", config: DRAIN });
    assert.deepEqual(state.admitted.get("a1"), {
      info: agentInfo("a1"),
      deactivated: true,
      drainInfo: { state: "DRAINING", config: DRAIN },
    });
  });

  test("an unreachable agent can be drained", () => {
    const state = build(admit("a1"), unreachable("a1"));
    const op: RegistryOperation = { type: "DrainAgent", agentId: "a1", config: DRAIN };
    assert.equal(applyRegistryOperation(state, op).changed, true);
    assert.equal(state.unreachable.get("a1")?.drainInfo?.state, "DRAINING");
  });

  test("draining an unknown or gone agent fails", () => {
    const op: RegistryOperation = { type: "DrainAgent", agentId: "a1", config: DRAIN };
    assertRejected(emptyRegistryState(), op, "agent_not_found");
    assertRejected(build(admit("a1"), gone("a1")), op, "agent_gone");
  });

  test("a draining agent can be marked drained; an agent not draining cannot", () => {
    const state = build(admit("a1"), admit("a2"), {
      type: "DrainAgent",
      agentId: "a1",
      config: DRAIN,
    });
    const drained: RegistryOperation = { type: "MarkAgentDrained", agentId: "a1" };
    assert.equal(applyRegistryOperation(state, drained).changed, true);
    assert.equal(state.admitted.get("a1")?.drainInfo?.state, "DRAINED");
    assert.equal(applyRegistryOperation(state, drained).changed, false);
    assertRejected(state, { type: "MarkAgentDrained", agentId: "a2" }, "agent_not_draining");
    assertRejected(state, { type: "MarkAgentDrained", agentId: "a3" }, "agent_not_found");
  });

  test("deactivation and reactivation toggle the flag and are idempotent", () => {
    const state = build(admit("a1"));
    const deactivate: RegistryOperation = { type: "DeactivateAgent", agentId: "a1" };
    const reactivate: RegistryOperation = { type: "ReactivateAgent", agentId: "a1" };
    assert.equal(applyRegistryOperation(state, deactivate).changed, true);
    assert.equal(applyRegistryOperation(state, deactivate).changed, false);
    assert.equal(state.admitted.get("a1")?.deactivated, true);
    assert.equal(applyRegistryOperation(state, reactivate).changed, true);
    assert.equal(applyRegistryOperation(state, reactivate).changed, false);
    assert.equal(state.admitted.get("a1")?.deactivated, false);
    assertRejected(state, { type: "DeactivateAgent", agentId: "zz" }, "agent_not_found");
  });

  test("a draining agent cannot be reactivated, a drained one can and forgets its drain", () => {
    const state = build(admit("a1"), { type: "DrainAgent", agentId: "a1", config: DRAIN });
    const reactivate: RegistryOperation = { type: "ReactivateAgent", agentId: "a1" };
    assertRejected(state, reactivate, "agent_draining");
    applyRegistryOperation(state, { type: "MarkAgentDrained", agentId: "a1" });
    assert.equal(applyRegistryOperation(state, reactivate).changed, true);
    assert.deepEqual(state.admitted.get("a1"), { info: agentInfo("a1"), deactivated: false });
  });
});

describe("registry weights and quota", () => {
  test("weights are set per role and must be positive", () => {
    const state = build({
      type: "UpdateWeights",
      weights: [
        { role: "web", weight: 2 },
        { role: "batch", weight: 0.5 },
      ],
    });
    assert.deepEqual(
      [...state.weights],
      [
        ["web", 2],
        ["batch", 0.5],
      ],
    );
    const same: RegistryOperation = {
      type: "UpdateWeights",
      weights: [{ role: "web", weight: 2 }],
    };
    assert.equal(applyRegistryOperation(state, same).changed, false);
    for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assertRejected(
        state,
        {
          type: "UpdateWeights",
          weights: [
            { role: "ops", weight: 1 },
            { role: "web", weight },
          ],
        },
        "invalid_weight",
      );
    }
  });

  test("a quota config is stored per role and an empty one resets the role", () => {
    const config = { role: "web", guarantees: { cpus: 2 }, limits: { cpus: 4, mem: 1024 } };
    const state = build({ type: "UpdateQuota", configs: [config] });
    assert.deepEqual(state.quotas.get("web"), config);
    const reset: RegistryOperation = {
      type: "UpdateQuota",
      configs: [{ role: "web", guarantees: {}, limits: {} }],
    };
    assert.equal(applyRegistryOperation(state, reset).changed, true);
    assert.equal(state.quotas.size, 0);
    assert.equal(applyRegistryOperation(state, reset).changed, false);
  });

  test("an invalid quota config rejects the whole update", () => {
    const state = build({
      type: "UpdateQuota",
      configs: [{ role: "web", guarantees: { cpus: 1 }, limits: {} }],
    });
    const good = { role: "batch", guarantees: { cpus: 1 }, limits: {} };
    const bads: QuotaConfig[] = [
      { role: "ops", guarantees: { cpus: 3 }, limits: { cpus: 2 } },
      { role: "ops", guarantees: { cpus: -1 }, limits: {} },
      { role: "ops", guarantees: {}, limits: { mem: Number.NaN } },
      { role: "batch", guarantees: {}, limits: {} },
    ];
    for (const bad of bads) {
      assertRejected(state, { type: "UpdateQuota", configs: [good, bad] }, "invalid_quota");
    }
  });
});

describe("registry maintenance", () => {
  const schedule = (...hosts: string[][]): RegistryOperation => ({
    type: "UpdateMaintenanceSchedule",
    windows: hosts.map((group) => ({ machineIds: group.map(m), unavailability: UNAVAILABLE })),
  });

  test("scheduled machines start DRAINING; machines left out of a new schedule are up", () => {
    const state = build(schedule(["m1", "m2"], ["m3"]));
    assert.deepEqual(
      [...state.maintenance.machines.values()].map((x) => [x.id.hostname, x.mode]),
      [
        ["m1", "DRAINING"],
        ["m2", "DRAINING"],
        ["m3", "DRAINING"],
      ],
    );
    applyRegistryOperation(state, schedule(["m3"]));
    assert.deepEqual([...state.maintenance.machines.keys()], ["m3|"]);
    assert.deepEqual(registryInvariantViolations(state), []);
  });

  test("a schedule naming a machine twice or an empty machine is rejected", () => {
    const state = build(schedule(["m1"]));
    assertRejected(state, schedule(["m1"], ["M1"]), "invalid_schedule");
    assertRejected(state, schedule([]), "invalid_schedule");
    assertRejected(state, schedule([""]), "invalid_schedule");
  });

  test("machines go DOWN from DRAINING and back UP from DOWN, leaving the schedule", () => {
    const state = build(schedule(["m1", "m2"]));
    const down: RegistryOperation = { type: "StartMaintenance", machines: [m("m1")] };
    const up: RegistryOperation = { type: "StopMaintenance", machines: [m("m1")] };
    assertRejected(state, up, "machine_not_down");
    assert.equal(applyRegistryOperation(state, down).changed, true);
    assert.equal(state.maintenance.machines.get("m1|")?.mode, "DOWN");
    assertRejected(state, down, "machine_not_draining");
    assertRejected(state, schedule(["m2"]), "invalid_schedule");
    assert.equal(applyRegistryOperation(state, up).changed, true);
    assert.deepEqual(
      state.maintenance.windows.map((w) => w.machineIds),
      [[m("m2")]],
    );
    assertRejected(state, up, "machine_not_scheduled");
    assert.deepEqual(registryInvariantViolations(state), []);
  });
});

test("the last leader's MasterInfo is recorded", () => {
  const info = { id: "m-1", ip: 16777343, port: 5050, hostname: "master" };
  const state = build({ type: "SetMasterInfo", info: info as never });
  assert.deepEqual(state.masterInfo, info);
  assert.equal(
    applyRegistryOperation(state, { type: "SetMasterInfo", info: info as never }).changed,
    false,
  );
});

describe("registry properties", () => {
  const ids = ["a0", "a1", "a2", "a3", "a4"];
  const id = fc.constantFrom(...ids);
  const opArb: fc.Arbitrary<RegistryOperation> = fc.oneof(
    id.map((x) => admit(x)),
    id.map((x) => ({ type: "UpdateAgentInfo", info: agentInfo(x, `h-${x}-2`) }) as const),
    fc.tuple(id, fc.nat()).map(([x, t]) => unreachable(x, t)),
    id.map((x) => ({ type: "MarkAgentReachable", info: agentInfo(x) }) as const),
    fc.tuple(id, fc.nat()).map(([x, t]) => gone(x, t)),
    fc
      .tuple(fc.subarray(ids), fc.subarray(ids))
      .map(([u, g]) => ({ type: "PruneUnreachable", unreachable: u, gone: g }) as const),
    id.map((x) => ({ type: "RemoveAgent", agentId: x }) as const),
    id.map((x) => ({ type: "DrainAgent", agentId: x, config: DRAIN }) as const),
    id.map((x) => ({ type: "MarkAgentDrained", agentId: x }) as const),
    id.map((x) => ({ type: "DeactivateAgent", agentId: x }) as const),
    id.map((x) => ({ type: "ReactivateAgent", agentId: x }) as const),
  );

  test("random operation sequences never break the registry's invariants", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const state = emptyRegistryState();
        for (const op of ops) {
          applyRegistryOperation(state, op);
          assert.deepEqual(registryInvariantViolations(state), []);
        }
      }),
    );
  });

  test("a failed operation never changes the state; a no-op reports no change", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), opArb, (prefix, op) => {
        const state = emptyRegistryState();
        for (const p of prefix) applyRegistryOperation(state, p);
        const before = cloneRegistryState(state);
        const result = applyRegistryOperation(state, op);
        if (!result.changed) assert.deepEqual(state, before);
      }),
    );
  });

  test("an agent leaves the gone list only through pruning", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const state = emptyRegistryState();
        for (const op of ops) {
          const goneBefore = [...state.gone.keys()];
          applyRegistryOperation(state, op);
          for (const x of goneBefore) {
            if (!state.gone.has(x)) assert.equal(op.type, "PruneUnreachable");
          }
        }
      }),
    );
  });
});

// Random runs of maintenance against the master core and the real allocator (fast-check):
// schedules, DOWN, UP, agents joining, frameworks answering or dropping out, time passing. After
// every step: no agent is registered on a DOWN machine, an offer carries a window exactly when
// its agent's machine is scheduled, every inverse offer is for an agent of a DRAINING machine
// held by its framework, and the core's invariants hold.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Allocator } from "../../../src/allocator/index.ts";
import { machineKey } from "../../../src/master/core/registry-state.ts";
import type { MachineID } from "../../../src/wire/framework.ts";
import { Harness } from "./harness.ts";

const MACHINES = [1, 2, 3];
const WINDOW = { start: { nanoseconds: 1_900_000_000_000_000_000 } };
const machine = (n: number): MachineID => ({ hostname: `a${n}`, ip: `10.0.0.${n}` });

type Step =
  | { kind: "schedule"; machines: number[] }
  | { kind: "down" | "up"; machine: number }
  | { kind: "agent"; machine: number }
  | { kind: "answer"; accept: boolean; refuseSeconds: number }
  | { kind: "reconnect" }
  | { kind: "advance"; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.subarray(MACHINES).map((machines) => ({ kind: "schedule" as const, machines })),
  },
  fc.constantFrom(...MACHINES).map((m) => ({ kind: "down" as const, machine: m })),
  fc.constantFrom(...MACHINES).map((m) => ({ kind: "up" as const, machine: m })),
  fc.constantFrom(...MACHINES).map((m) => ({ kind: "agent" as const, machine: m })),
  fc
    .tuple(fc.boolean(), fc.constantFrom(0, 2, 30))
    .map(([accept, refuseSeconds]) => ({ kind: "answer" as const, accept, refuseSeconds })),
  fc.constant({ kind: "reconnect" as const }),
  {
    weight: 4,
    arbitrary: fc.integer({ min: 1, max: 8_000 }).map((ms) => ({ kind: "advance" as const, ms })),
  },
);

function run(h: Harness, fw: { frameworkId: string; streamId: string }, s: Step) {
  switch (s.kind) {
    case "schedule":
      h.operator({
        type: "UPDATE_MAINTENANCE_SCHEDULE",
        windows: s.machines.map((n) => ({ machineIds: [machine(n)], unavailability: WINDOW })),
      });
      return fw;
    case "down":
      h.operator({ type: "START_MAINTENANCE", machines: [machine(s.machine)] });
      return fw;
    case "up":
      h.operator({ type: "STOP_MAINTENANCE", machines: [machine(s.machine)] });
      return fw;
    case "agent":
      h.addAgent(`a${s.machine}`, "cpus:2;mem:512", {
        address: { ip: `10.0.0.${s.machine}`, port: 5051 },
      });
      return fw;
    case "answer": {
      const held = h.master.getFrameworks().frameworks?.[0]?.inverse_offers ?? [];
      const body = {
        inverse_offer_ids: held.map((io) => io.id),
        filters: { refuse_seconds: s.refuseSeconds },
      };
      h.call(
        fw.streamId,
        fw.frameworkId,
        s.accept
          ? { type: "ACCEPT_INVERSE_OFFERS", accept_inverse_offers: body }
          : { type: "DECLINE_INVERSE_OFFERS", decline_inverse_offers: body },
      );
      return fw;
    }
    case "reconnect":
      h.step({ kind: "scheduler_stream_closed", streamId: fw.streamId });
      return h.subscribe({ id: { value: fw.frameworkId }, failover_timeout: 3600 });
    case "advance":
      h.advance(s.ms);
      return fw;
  }
}

function check(h: Harness): void {
  assert.deepEqual(h.master.invariantViolations(), []);
  const modes = h.registry.maintenance.machines;
  const s = h.master.snapshot(h.nowMs);
  const machineOf = new Map(
    s.agents.map((a) => [a.id, machineKey({ hostname: a.info.hostname, ip: a.ip })]),
  );
  for (const agent of s.agents) {
    assert.notEqual(modes.get(machineOf.get(agent.id)!)?.mode, "DOWN", `${agent.id} on DOWN`);
  }
  for (const offer of s.offers) {
    const scheduled = modes.has(machineOf.get(offer.agentId)!);
    assert.equal(offer.offer.unavailability !== undefined, scheduled, `offer ${offer.id}`);
  }
  for (const f of h.master.getFrameworks().frameworks ?? []) {
    for (const io of f.inverse_offers ?? []) {
      const agentId = io.agent_id?.value ?? "";
      assert.equal(modes.get(machineOf.get(agentId) ?? "")?.mode, "DRAINING", io.id.value);
    }
  }
}

test("random maintenance runs keep the machines, offers and inverse offers consistent", () => {
  // Coverage: the runs must have made inverse offers and taken agents down, or they prove little.
  let inverseOffers = 0;
  let downs = 0;
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
      const h = new Harness({ allocator: new Allocator({ seed: 3 }) });
      for (const n of MACHINES)
        run(h, { frameworkId: "", streamId: "" }, { kind: "agent", machine: n });
      let fw = h.subscribe({ failover_timeout: 3600 });
      h.allocate();
      for (const s of steps) {
        fw = run(h, fw, s);
        check(h);
      }
      for (const o of h.outputs) {
        if (o.kind === "framework_event" && o.event.type === "INVERSE_OFFERS") inverseOffers++;
        if (o.kind === "agent_event" && o.event.type === "SHUTDOWN") downs++;
      }
    }),
    { numRuns: 150 },
  );
  assert.ok(inverseOffers > 20 && downs > 5, `${inverseOffers} inverse offers, ${downs} downs`);
});

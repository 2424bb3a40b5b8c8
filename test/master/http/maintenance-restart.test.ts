// Maintenance across a master restart with the sqlite registry (the HA test covers the
// ZooKeeper registry): the schedule and machine modes come back from --work_dir; a DRAINING
// machine's re-registered agent is offered with its window and its framework asked again; a
// DOWN machine's agent is still refused.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type Loose, operatorCall, startTestMaster, subscribeScheduler } from "./helpers.ts";
import { TestAgent } from "./test-agent.ts";

const A = { hostname: "m-a", address: { ip: "10.8.0.1", port: 5051 } };
const B = { hostname: "m-b", address: { ip: "10.8.0.2", port: 5051 } };
const machineOf = (agent: typeof A) => ({ hostname: agent.hostname, ip: agent.address.ip });
const WINDOW = { start: { nanoseconds: 1_900_000_000_000_000_000 } };
const SCHEDULE = {
  windows: [{ machine_ids: [machineOf(A), machineOf(B)], unavailability: WINDOW }],
};

describe("maintenance across a master restart (sqlite registry)", () => {
  const workDir = mkdtempSync(join(tmpdir(), "tessera-maintenance-restart-"));
  after(() => rmSync(workDir, { recursive: true, force: true }));
  const flags = { registry: "sqlite", work_dir: workDir };

  it("the schedule and modes are recovered: DRAINING agents are offered with the window and inverse offers go out again, DOWN agents stay refused", async () => {
    const first = await startTestMaster(flags);
    let agentA = "";
    let agentB = "";
    try {
      const a = await TestAgent.start(first.url, A);
      const b = await TestAgent.start(first.url, B);
      agentA = a.agentId;
      agentB = b.agentId;
      const update = await operatorCall(first, {
        type: "UPDATE_MAINTENANCE_SCHEDULE",
        update_maintenance_schedule: { schedule: SCHEDULE },
      });
      assert.equal(update.status, 200, update.body);
      const down = await operatorCall(first, {
        type: "START_MAINTENANCE",
        start_maintenance: { machines: [machineOf(B)] },
      });
      assert.equal(down.status, 200, down.body);
      await b.waitForEnd();
      a.close();
    } finally {
      await first.close();
    }

    const second = await startTestMaster(flags);
    try {
      const schedule = (await operatorCall(second, { type: "GET_MAINTENANCE_SCHEDULE" }))
        .json as Loose;
      assert.deepEqual(schedule.get_maintenance_schedule.schedule, SCHEDULE);
      const status = (await operatorCall(second, { type: "GET_MAINTENANCE_STATUS" })).json as Loose;
      assert.deepEqual(status.get_maintenance_status.status, {
        draining_machines: [{ id: machineOf(A) }],
        down_machines: [machineOf(B)],
      });
      const a = await TestAgent.start(second.url, { ...A, agentId: agentA });
      const scheduler = await subscribeScheduler(second);
      try {
        const offers = (await scheduler.events.next("OFFERS")) as Loose;
        const offer = offers.offers.offers[0];
        assert.equal(offer.agent_id.value, agentA);
        assert.deepEqual(offer.unavailability, WINDOW);
        const inverse = (await scheduler.events.next("INVERSE_OFFERS")) as Loose;
        assert.equal(inverse.inverse_offers.inverse_offers[0].agent_id.value, agentA);
        await assert.rejects(TestAgent.start(second.url, { ...B, agentId: agentB }));
      } finally {
        scheduler.close();
        a.close();
      }
    } finally {
      await second.close();
    }
  });
});

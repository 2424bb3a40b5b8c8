// Maintenance over the master's HTTP APIs (reference security-ui-maintenance.md §5, §4.2,
// §4.5) on a real master with a test agent and a scheduler: the v1 calls and the v0 endpoints
// agree, the scheduler gets inverse offers and windows in its offers, answers show in the
// status, DOWN shuts the agent down and refuses it, UP lets it back; refusals are Mesos's 400s.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Loose, launchRunning, operatorCall } from "./helpers.ts";
import { masterSuite } from "./suite.ts";
import { TestAgent } from "./test-agent.ts";

const MACHINE = { hostname: "maint1", ip: "10.9.0.1" };
const WINDOW = { start: { nanoseconds: 1_900_000_000_000_000_000 } };
const SCHEDULE = { windows: [{ machine_ids: [MACHINE], unavailability: WINDOW }] };
const AGENT = { hostname: "maint1", address: { ip: "10.9.0.1", port: 5051 } };

describe("maintenance over HTTP: v1 calls and v0 endpoints", () => {
  const { master, agent, scheduler } = masterSuite({ agent: AGENT });

  const v0 = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${master.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
    });
    return { status: res.status, text: await res.text() };
  };
  const v0Json = async (path: string) => {
    const res = await v0("GET", path);
    assert.equal(res.status, 200, res.text);
    return JSON.parse(res.text) as Loose;
  };
  const status = async () => {
    const res = await operatorCall(master, { type: "GET_MAINTENANCE_STATUS" });
    assert.equal(res.status, 200, res.body);
    return (res.json as Loose).get_maintenance_status.status;
  };

  it("a schedule is shown by both APIs; the framework holding the agent's resources gets an inverse offer, its offers carry the window, and its DECLINE shows in the status", async () => {
    await launchRunning(master, scheduler, agent, "t1");
    const empty = await operatorCall(master, { type: "GET_MAINTENANCE_SCHEDULE" });
    assert.deepEqual((empty.json as Loose).get_maintenance_schedule, { schedule: {} });
    assert.deepEqual(await v0Json("/master/maintenance/schedule"), {});

    const update = await operatorCall(master, {
      type: "UPDATE_MAINTENANCE_SCHEDULE",
      update_maintenance_schedule: { schedule: SCHEDULE },
    });
    assert.equal(update.status, 200, update.body);
    assert.equal(update.body, "");
    const got = await operatorCall(master, { type: "GET_MAINTENANCE_SCHEDULE" });
    assert.deepEqual((got.json as Loose).get_maintenance_schedule.schedule, SCHEDULE);
    assert.deepEqual(await v0Json("/master/maintenance/schedule"), SCHEDULE);

    const event = (await scheduler.events.next("INVERSE_OFFERS")) as Loose;
    const inverse = event.inverse_offers.inverse_offers[0];
    assert.equal(inverse.agent_id.value, agent.agentId);
    assert.equal(inverse.framework_id.value, scheduler.frameworkId);
    assert.deepEqual(inverse.unavailability, WINDOW);
    assert.equal(inverse.url.address.ip, "10.9.0.1");
    const frameworks = (await operatorCall(master, { type: "GET_FRAMEWORKS" })).json as Loose;
    const mine = frameworks.get_frameworks.frameworks[0];
    assert.deepEqual(
      mine.inverse_offers.map((io: Loose) => io.id.value),
      [inverse.id.value],
    );
    assert.ok(mine.offers.length > 0, "the agent is still offered");
    for (const offer of mine.offers) assert.deepEqual(offer.unavailability, WINDOW);

    const draining = await status();
    assert.deepEqual(draining, { draining_machines: [{ id: MACHINE }] });
    const declined = await scheduler.call({
      type: "DECLINE_INVERSE_OFFERS",
      decline_inverse_offers: { inverse_offer_ids: [inverse.id] },
    });
    assert.equal(declined.status, 202, declined.body);
    const answered = (await status()).draining_machines[0].statuses;
    assert.equal(answered.length, 1);
    assert.equal(answered[0].status, "DECLINE");
    assert.equal(answered[0].framework_id.value, scheduler.frameworkId);
    assert.ok(Number(answered[0].timestamp.nanoseconds) > 0);
    const v0Status = await v0Json("/master/maintenance/status");
    assert.equal(v0Status.draining_machines[0].statuses[0].status, "DECLINE");
  });

  it("refusals are 400s with Mesos's messages and change nothing", async () => {
    const negative = await operatorCall(master, {
      type: "UPDATE_MAINTENANCE_SCHEDULE",
      update_maintenance_schedule: {
        schedule: {
          windows: [
            {
              machine_ids: [MACHINE],
              unavailability: { ...WINDOW, duration: { nanoseconds: -5 } },
            },
          ],
        },
      },
    });
    assert.equal(negative.status, 400);
    assert.equal(negative.body, "Unavailability 'duration' is negative");
    const up = await operatorCall(master, {
      type: "STOP_MAINTENANCE",
      stop_maintenance: { machines: [MACHINE] },
    });
    assert.equal(up.status, 400);
    assert.equal(
      up.body,
      `Machine '{"hostname":"maint1","ip":"10.9.0.1"}' is not in DOWN mode and cannot be brought up`,
    );
    assert.equal((await v0("POST", "/master/machine/down", "{not json")).status, 400);
    assert.equal((await v0("POST", "/master/maintenance/schedule", "[1]")).status, 400);
    const unknown = await v0("POST", "/master/machine/down", JSON.stringify([{ hostname: "x" }]));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.text, `Machine '{"hostname":"x"}' is not part of a maintenance schedule`);
    assert.equal((await v0("GET", "/master/machine/down")).status, 405);
    assert.deepEqual(await v0Json("/master/maintenance/schedule"), SCHEDULE);
  });

  it("POST /master/machine/down shuts the agent down and removes it (its task is LOST), the machine is refused while DOWN, and /master/machine/up lets it back", async () => {
    const down = await v0("POST", "/master/machine/down", JSON.stringify([MACHINE]));
    assert.equal(down.status, 200, down.text);
    const shutdown = (await agent.waitFor("SHUTDOWN")) as Loose;
    assert.equal(shutdown.shutdown.message, "Operator initiated 'Machine DOWN'");
    await agent.waitForEnd();
    const lost = (await scheduler.events.next("UPDATE")) as Loose;
    assert.equal(lost.update.status.state, "TASK_LOST");
    assert.equal(lost.update.status.reason, "REASON_AGENT_REMOVED");
    assert.deepEqual(await status(), { down_machines: [MACHINE] });
    const agents = (await operatorCall(master, { type: "GET_AGENTS" })).json as Loose;
    assert.deepEqual(agents.get_agents.agents ?? [], []);

    await assert.rejects(TestAgent.start(master.url, AGENT), /SUBSCRIBED|ended/);

    const upRes = await v0("POST", "/master/machine/up", JSON.stringify([MACHINE]));
    assert.equal(upRes.status, 200, upRes.text);
    assert.deepEqual(await v0Json("/master/maintenance/schedule"), {});
    assert.deepEqual(await status(), {});
    const back = await TestAgent.start(master.url, AGENT);
    assert.notEqual(back.agentId, "");
    back.close();
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServicesOutput } from "../../../src/frameworks/services/services-outputs.ts";
import { FakeMesos, startApp } from "./update-harness.ts";

const answers = (out: ServicesOutput[]) =>
  out.flatMap((o) => (o.kind === "inverse_offer" ? [o.accept] : []));
const kills = (out: ServicesOutput[]) => out.filter((o) => o.kind === "kill").length;
const onAgent = (mesos: FakeMesos, agent: string) =>
  mesos.running().filter((i) => i.agentId === agent).length;

describe("SLA-aware maintenance", () => {
  test("a host drains only as fast as the app's SLA allows, and the inverse offer is accepted once it is empty", () => {
    const mesos = new FakeMesos(4);
    // 4 instances fit the first offer: all land on S0. Half must stay up for 10 s.
    startApp(mesos, { instances: 4, slaPolicy: { percentage: 50, durationSeconds: 10 } });
    assert.equal(onAgent(mesos, "S0"), 4);
    for (let k = 0; k < 10; k++) mesos.step();

    let out = mesos.inverseOffer("S0");
    assert.deepEqual(answers(out), [false]);
    assert.equal(kills(out), 2, "two may go while two stay up");
    mesos.step();
    assert.equal(mesos.running().length, 4);
    assert.equal(onAgent(mesos, "S0"), 2, "the moved ones run elsewhere, nothing new lands on S0");

    out = mesos.inverseOffer("S0");
    assert.deepEqual(answers(out), [false]);
    assert.equal(kills(out), 0, "the moved ones are not up for 10 s yet: the rest waits");

    for (let k = 0; k < 10; k++) mesos.step();
    out = mesos.inverseOffer("S0");
    assert.equal(kills(out), 2);
    mesos.step();
    assert.equal(onAgent(mesos, "S0"), 0);
    assert.deepEqual(answers(mesos.inverseOffer("S0")), [true]);
    assert.deepEqual(mesos.core.drainingAgents(), ["S0"]);
  });

  test("with the default SLA (95% up for 30 min) a host holding most of an app is not drained", () => {
    const mesos = new FakeMesos(4);
    startApp(mesos, { instances: 3 });
    for (let k = 0; k < 60; k++) mesos.step();
    const out = mesos.inverseOffer("S0");
    assert.deepEqual(answers(out), [false]);
    assert.equal(kills(out), 0);
  });

  test("an agent with none of the framework's instances is accepted at once; it drains no more once it offers without an unavailability", () => {
    const mesos = new FakeMesos(4);
    startApp(mesos, { instances: 1 });
    assert.deepEqual(answers(mesos.inverseOffer("S3")), [true]);
    assert.deepEqual(mesos.core.drainingAgents(), ["S3"]);
    mesos.maintenance.delete("S3");
    mesos.step();
    assert.deepEqual(mesos.core.drainingAgents(), []);
  });
});

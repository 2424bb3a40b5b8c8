import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CheckpointWrite } from "../../src/agent/core/types.ts";
import { SimCheckpointStore } from "../../src/sim/checkpoint-store.ts";
import { VirtualClock } from "../../src/sim/virtual-clock.ts";

const agentWrite: CheckpointWrite = {
  type: "agent",
  agentId: "A1",
  info: { hostname: "h1", port: 5051, resources: [], attributes: [] },
};
const frameworkWrite: CheckpointWrite = {
  type: "framework",
  agentId: "A1",
  frameworkId: "F1",
  info: {
    user: "u",
    name: "f",
    failover_timeout: 0,
    checkpoint: true,
    roles: [],
    capabilities: [],
  },
};

describe("simulated checkpoint storage", () => {
  it("reports a write durable after its delay and recovers it", () => {
    const clock = new VirtualClock();
    const store = new SimCheckpointStore(clock);
    let durable = 0;
    store.write(agentWrite, 10, () => durable++);
    assert.equal(store.recover(), undefined);
    clock.runUntil(10);
    assert.equal(durable, 1);
    assert.equal(store.recover()?.agentId, "A1");
  });

  it("loses writes that were not durable when the agent crashed", () => {
    const clock = new VirtualClock();
    const store = new SimCheckpointStore(clock);
    let durable = 0;
    store.write(agentWrite, 5, () => durable++);
    clock.runUntil(5);
    store.write(frameworkWrite, 10, () => durable++);
    store.crash();
    clock.runUntil(100);
    assert.equal(durable, 1);
    assert.deepEqual(store.recover()?.frameworks, []);
  });

  it("recovers nothing after the disk is wiped", () => {
    const clock = new VirtualClock();
    const store = new SimCheckpointStore(clock);
    store.write(agentWrite, 1, () => {});
    clock.runUntil(1);
    store.wipe();
    assert.equal(store.recover(), undefined);
  });
});

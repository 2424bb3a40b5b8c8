import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SimNetwork } from "../../src/sim/network.ts";
import { streamOf } from "../../src/sim/prng.ts";
import { VirtualClock } from "../../src/sim/virtual-clock.ts";

const FAULTY = { minLatencyMs: 1, maxLatencyMs: 50, dropRate: 0.1, duplicateRate: 0.1 };

function run(seed: number): { net: SimNetwork; ordered: number[]; unordered: number[] } {
  const clock = new VirtualClock();
  const net = new SimNetwork(clock, streamOf(seed, "network"), FAULTY);
  const ordered: number[] = [];
  const unordered: number[] = [];
  for (let i = 0; i < 200; i++) {
    net.send("master", "agent-1", { ordered: true, label: "event" }, () => ordered.push(i));
    net.send("agent-1", "master", { ordered: false, label: "call" }, () => unordered.push(i));
  }
  clock.runUntil(10_000);
  return { net, ordered, unordered };
}

describe("simulated network", () => {
  it("delivers stream messages once each in send order, even with faults on", () => {
    const { ordered } = run(7);
    assert.deepEqual(
      ordered,
      Array.from({ length: 200 }, (_, i) => i),
    );
  });

  it("loses, duplicates and reorders unordered messages", () => {
    const { net, unordered } = run(7);
    assert.ok(net.dropped > 0 && net.duplicated > 0);
    assert.notDeepEqual(
      unordered,
      [...unordered].sort((a, b) => a - b),
    );
  });

  it("drops everything to and from a partitioned node until it heals", () => {
    const clock = new VirtualClock();
    const net = new SimNetwork(clock, streamOf(1, "network"));
    let got = 0;
    net.partition("agent-1", 100);
    net.send("master", "agent-1", { ordered: true, label: "x" }, () => got++);
    clock.runUntil(50);
    clock.at(150, () => net.send("master", "agent-1", { ordered: true, label: "x" }, () => got++));
    clock.runUntil(300);
    assert.equal(got, 1);
  });

  it("gives the same trace hash for the same seed and a different one for another seed", () => {
    assert.equal(run(42).net.trace.hex(), run(42).net.trace.hex());
    assert.notEqual(run(42).net.trace.hex(), run(43).net.trace.hex());
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../../src/sim/virtual-clock.ts";

describe("virtual clock", () => {
  it("runs events in time order, and same-time events in the order they were scheduled", () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.at(20, () => seen.push("c"));
    clock.at(10, () => seen.push("a"));
    clock.at(10, () => seen.push("b"));
    clock.at(5, () => clock.after(5, () => seen.push("d")));
    clock.runUntil(100);
    assert.deepEqual(seen, ["a", "b", "d", "c"]);
    assert.equal(clock.nowMs, 100);
  });

  it("leaves later events queued and skips cancelled ones", () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const e = clock.at(3, () => seen.push(3));
    clock.at(7, () => seen.push(7));
    clock.cancel(e);
    clock.runUntil(5);
    assert.deepEqual(seen, []);
    clock.runUntil(10);
    assert.deepEqual(seen, [7]);
    assert.equal(clock.steps, 1);
  });

  it("orders many random events exactly like a stable sort by time", () => {
    const clock = new VirtualClock();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 97);
    const seen: number[] = [];
    for (const [i, t] of times.entries()) clock.at(t, () => seen.push(i));
    clock.runUntil(1000);
    const expected = times
      .map((t, i) => [t, i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(
      seen,
      expected.map(([, i]) => i),
    );
  });
});

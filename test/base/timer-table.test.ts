import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type TimerClock, TimerTable, wallClock } from "../../src/base/timer-table.ts";
import { VirtualClock, virtualTimerClock } from "../../src/sim/virtual-clock.ts";

function table(clock: TimerClock<unknown>) {
  const fired: [string, number][] = [];
  return { fired, timers: new TimerTable(clock, (id, atMs) => fired.push([id, atMs])) };
}

describe("timer table", () => {
  it("fires each timer once at its deadline, in deadline order", () => {
    const clock = new VirtualClock();
    const { fired, timers } = table(virtualTimerClock(clock));
    timers.set("b", 20);
    timers.set("a", 10);
    assert.equal(timers.size, 2);
    assert.equal(timers.deadline("a"), 10);
    clock.runUntil(100);
    assert.deepEqual(fired, [
      ["a", 10],
      ["b", 20],
    ]);
    assert.equal(timers.size, 0);
  });

  it("setting a timer again replaces its deadline; a cancelled one never fires", () => {
    const clock = new VirtualClock();
    const { fired, timers } = table(virtualTimerClock(clock));
    timers.set("a", 10);
    timers.set("a", 30);
    timers.set("b", 20);
    timers.cancel("b");
    clock.runUntil(100);
    assert.deepEqual(fired, [["a", 30]]);
  });

  it("clear cancels everything and stays usable; close ignores later timers", () => {
    const clock = new VirtualClock();
    const { fired, timers } = table(virtualTimerClock(clock));
    timers.set("a", 10);
    timers.clear();
    timers.set("b", 20);
    clock.runUntil(50);
    assert.deepEqual(fired, [["b", 20]]);
    timers.close();
    timers.set("c", 60);
    clock.runUntil(100);
    assert.deepEqual(fired, [["b", 20]]);
    assert.equal(timers.size, 0);
  });

  it("on the wall clock, a deadline in the past fires on a later turn", async () => {
    let resolve: (v: [string, number]) => void = () => {};
    const done = new Promise<[string, number]>((r) => {
      resolve = r;
    });
    const timers = new TimerTable(wallClock(), (id, atMs) => resolve([id, atMs]));
    timers.set("late", 5);
    assert.equal(timers.size, 1, "not fired synchronously");
    assert.deepEqual(await done, ["late", 5]);
  });
});

// The built-in resource estimator and QoS controller (src/agent/oversubscription/estimate.ts):
// unused = given minus measured, per non-revocable container; a container measured once has no
// rate (the estimate counts it used, the controller idle); corrections end the youngest
// revocable containers until the rest fit what is unused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type ContainerSample,
  qosCorrections,
  revocableResources,
  unusedResources,
} from "../../../src/agent/oversubscription/estimate.ts";

function sample(id: string, at: number, cpuSeconds: number, extra: Partial<ContainerSample> = {}) {
  return {
    containerId: id,
    launchedMs: 0,
    cpus: 1,
    memMb: 512,
    revocableCpus: 0,
    revocableMemMb: 0,
    cpuSeconds,
    rssBytes: 128 * 1024 * 1024,
    atSeconds: at,
    ...extra,
  } satisfies ContainerSample;
}

describe("the usage resource estimator", () => {
  it("offers what each container was given and did not use since the last sample", () => {
    const before = new Map([
      ["a", sample("a", 10, 5)],
      ["b", sample("b", 10, 1)],
    ]);
    // a used 0.25 cpu over 4 s, b a whole one.
    const now = [sample("a", 14, 6), sample("b", 14, 5)];
    const unused = unusedResources(now, before);
    assert.deepEqual(unused, { cpus: 0.75, memMb: 768 });
    assert.deepEqual(revocableResources(unused), [
      { name: "cpus", type: "SCALAR", scalar: { value: 0.75 }, revocable: {} },
      { name: "mem", type: "SCALAR", scalar: { value: 768 }, revocable: {} },
    ]);
  });

  it("offers no cpus of a container before it was measured twice; the QoS view counts them idle", () => {
    const now = [sample("new", 3, 0.5)];
    assert.equal(unusedResources(now, new Map()).cpus, 0);
    assert.equal(unusedResources(now, new Map(), "idle").cpus, 1);
  });

  it("revocable containers count for nothing in the estimate, and nothing becomes an empty list", () => {
    const revocable = sample("r", 4, 0, { cpus: 0, memMb: 0, revocableCpus: 2 });
    assert.deepEqual(unusedResources([revocable], new Map([["r", sample("r", 2, 0)]])), {
      cpus: 0,
      memMb: 0,
    });
    assert.deepEqual(revocableResources({ cpus: 0, memMb: 0 }), []);
  });
});

describe("the usage QoS controller", () => {
  const revocable = (id: string, launchedMs: number, cpus: number) =>
    sample(id, 0, 0, { cpus: 0, memMb: 0, revocableCpus: cpus, launchedMs });

  it("ends nothing while the revocable containers fit what is unused", () => {
    assert.deepEqual(qosCorrections([revocable("r1", 1, 0.5)], { cpus: 0.5, memMb: 0 }), []);
  });

  it("ends the youngest revocable containers first, until the rest fit", () => {
    const samples = [
      revocable("old", 1, 0.4),
      revocable("young", 3, 0.4),
      revocable("mid", 2, 0.4),
    ];
    assert.deepEqual(qosCorrections(samples, { cpus: 0.5, memMb: 0 }), ["young", "mid"]);
    assert.deepEqual(qosCorrections(samples, { cpus: 0, memMb: 0 }), ["young", "mid", "old"]);
  });

  it("property: what is left after the corrections fits, and only what had to go went", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cpus: fc.integer({ min: 1, max: 100 }), at: fc.nat(1000) }), {
          maxLength: 12,
        }),
        fc.integer({ min: 0, max: 600 }),
        (containers, unusedHundredths) => {
          const samples = containers.map((c, i) => revocable(`r${i}`, c.at, c.cpus / 100));
          const unused = { cpus: unusedHundredths / 100, memMb: 0 };
          const ended = new Set(qosCorrections(samples, unused));
          const left = samples.filter((s) => !ended.has(s.containerId));
          const held = left.reduce((sum, s) => sum + s.revocableCpus, 0);
          assert.ok(held <= unused.cpus + 0.01 + 1e-9, `${held} left over ${unused.cpus}`);
          // Every ended one is at least as young as every one left.
          for (const e of samples.filter((s) => ended.has(s.containerId)))
            for (const l of left) assert.ok(e.launchedMs >= l.launchedMs);
        },
      ),
    );
  });
});

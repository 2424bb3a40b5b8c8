import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  cgroupLimits,
  cpuMaxValue,
  nextHardMemLimitBytes,
  validateResources,
} from "../../../src/agent/containerizer/cgroup-limits.ts";
import {
  memoryLimitation,
  polledMemoryLimitation,
  waitStatusOf,
} from "../../../src/agent/containerizer/termination.ts";

const MB = 1024 * 1024;

test("cpu shares are 1024 per cpu, at least 2; the CFS quota is cpus x 100 ms, at least 1 ms", () => {
  const l = cgroupLimits({ cpus: 0.2, memMb: 64 }, true);
  assert.equal(l.cpuShares, 204);
  assert.equal(l.cfsQuotaUs, 20_000);
  assert.equal(l.cfsPeriodUs, 100_000);
  assert.equal(cgroupLimits({ cpus: 0.001, memMb: 64 }, true).cpuShares, 2);
  assert.equal(cgroupLimits({ cpus: 0.001, memMb: 64 }, true).cfsQuotaUs, 1000);
  assert.equal(cgroupLimits({ cpus: 2, memMb: 64 }, false).cfsQuotaUs, null);
});

test("cgroup v2 values: cpu.weight 100 per cpu within [1, 10000], cpu.max quota and period", () => {
  assert.equal(cgroupLimits({ cpus: 1.5, memMb: 64 }, true).cpuWeight, 150);
  assert.equal(cgroupLimits({ cpus: 0.001, memMb: 64 }, true).cpuWeight, 1);
  assert.equal(cgroupLimits({ cpus: 500, memMb: 64 }, true).cpuWeight, 10_000);
  assert.equal(cpuMaxValue(cgroupLimits({ cpus: 0.5, memMb: 64 }, true)), "50000 100000");
  assert.equal(cpuMaxValue(cgroupLimits({ cpus: 0.5, memMb: 64 }, false)), "max 100000");
});

test("the memory limit is mem in bytes, never below 32 MB", () => {
  assert.equal(cgroupLimits({ cpus: 1, memMb: 64 }, true).memLimitBytes, 64 * MB);
  assert.equal(cgroupLimits({ cpus: 1, memMb: 8 }, true).memLimitBytes, 32 * MB);
});

test("the hard memory limit is only ever raised", () => {
  fc.assert(
    fc.property(fc.option(fc.nat(), { nil: null }), fc.nat(), (current, wanted) => {
      const next = nextHardMemLimitBytes(current, wanted);
      assert.ok(next >= wanted);
      if (current !== null) assert.ok(next >= current);
      assert.ok(next === wanted || next === current);
    }),
  );
});

test("limits are monotonic in the resources asked for", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.01, max: 64, noNaN: true }),
      fc.double({ min: 0.01, max: 64, noNaN: true }),
      (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const l = cgroupLimits({ cpus: lo, memMb: lo * 100 }, true);
        const h = cgroupLimits({ cpus: hi, memMb: hi * 100 }, true);
        assert.ok(l.cpuShares <= h.cpuShares);
        assert.ok((l.cfsQuotaUs ?? 0) <= (h.cfsQuotaUs ?? 0));
        assert.ok(l.memLimitBytes <= h.memLimitBytes);
      },
    ),
  );
});

test("non-positive or non-finite resources are rejected with a message", () => {
  assert.match(validateResources({ cpus: 0, memMb: 64 }) ?? "", /cpus/);
  assert.match(validateResources({ cpus: 1, memMb: Number.NaN }) ?? "", /mem/);
  assert.equal(validateResources({ cpus: 0.1, memMb: 1 }), null);
});

test("wait statuses are encoded as wait(2) does", () => {
  assert.equal(waitStatusOf(0, null), 0);
  assert.equal(waitStatusOf(3, null), 768);
  assert.equal(waitStatusOf(null, "SIGKILL"), 9);
  assert.equal(waitStatusOf(null, null), null);
});

test("memory limitations carry REASON_CONTAINER_LIMITATION_MEMORY and the sizes", () => {
  const oom = memoryLimitation(64 * MB, 64 * MB);
  assert.equal(oom.reason, "REASON_CONTAINER_LIMITATION_MEMORY");
  assert.equal(oom.message, "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB");
  assert.equal(polledMemoryLimitation(10 * MB, 64 * MB), null);
  assert.equal(
    polledMemoryLimitation(100 * MB, 64 * MB)?.reason,
    "REASON_CONTAINER_LIMITATION_MEMORY",
  );
});

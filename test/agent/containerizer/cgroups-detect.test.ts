import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type CgroupsDetection,
  cgroupIsolatorSupport,
} from "../../../src/agent/containerizer/cgroups-detect.ts";

const ok = (base: string) => ({ ok: true as const, base });
const no = (reason: string) => ({ ok: false as const, reason });

const hybrid: CgroupsDetection = {
  v1: {
    cpu: ok("/cg/cpu"),
    cpuacct: ok("/cg/cpuacct"),
    memory: ok("/cg/memory/me"),
    pids: ok("/cg/pids"),
  },
  v2: { cpu: no("not offered"), memory: no("not offered"), pids: no("not offered") },
};

test("v1 hierarchies serve both isolators when cpu, cpuacct and memory are usable", () => {
  const s = cgroupIsolatorSupport(hybrid);
  assert.equal(s.cpu.version, 1);
  assert.equal(s.mem.version, 1);
  assert.match(s.mem.detail, /\/cg\/memory\/me/);
});

test("a pure v2 machine uses cgroup2 for both", () => {
  const s = cgroupIsolatorSupport({
    v1: {
      cpu: no("not mounted"),
      cpuacct: no("not mounted"),
      memory: no("not mounted"),
      pids: no("not mounted"),
    },
    v2: {
      cpu: ok("/sys/fs/cgroup/x"),
      memory: ok("/sys/fs/cgroup/x"),
      pids: ok("/sys/fs/cgroup/x"),
    },
  });
  assert.equal(s.cpu.version, 2);
  assert.equal(s.mem.version, 2);
  assert.equal(s.pids.version, 2);
});

test("nothing usable: both isolators are off with the reasons from v1 and v2", () => {
  const s = cgroupIsolatorSupport({
    v1: {
      cpu: no("v1 cpu hierarchy not mounted"),
      cpuacct: no("x"),
      memory: no("y"),
      pids: no("z"),
    },
    v2: {
      cpu: no("no cgroup2 mount"),
      memory: no("no cgroup2 mount"),
      pids: no("no cgroup2 mount"),
    },
  });
  assert.equal(s.cpu.ok, false);
  assert.match(s.cpu.detail, /v1 cpu hierarchy not mounted; no cgroup2 mount/);
});

test("cpu on v1 and memory only on v2 is refused for memory (one backend serves both)", () => {
  const s = cgroupIsolatorSupport({
    v1: { ...hybrid.v1, memory: no("not mounted") },
    v2: { cpu: no("bound to v1"), memory: ok("/sys/fs/cgroup/unified"), pids: no("not offered") },
  });
  assert.equal(s.cpu.ok, true);
  assert.equal(s.mem.ok, false);
  assert.match(s.mem.detail, /different cgroup version/);
});

test("the pids controller serves cgroups/pids on the version of cpu and memory, and only there", () => {
  assert.equal(cgroupIsolatorSupport(hybrid).pids.version, 1);
  const split = cgroupIsolatorSupport({
    v1: {
      cpu: no("not mounted"),
      cpuacct: no("not mounted"),
      memory: no("not mounted"),
      pids: ok("/cg/pids"),
    },
    v2: { cpu: ok("/sys/fs/cgroup/x"), memory: ok("/sys/fs/cgroup/x"), pids: no("not offered") },
  });
  assert.equal(split.pids.ok, false);
  assert.match(split.pids.detail, /different cgroup version/);
});

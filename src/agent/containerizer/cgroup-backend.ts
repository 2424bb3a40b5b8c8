// Opens the cgroups backend the chosen isolators need: v1 or v2, whichever detection found for
// cpu (else memory, else pids), with only the controllers asked for; none without a cgroups
// isolator. `pidsMax`: cgroups/pids's limit of each container (0: none, only counted).
import { assert } from "../../base/assert.ts";
import type { CgroupBackend, CgroupResult } from "./cgroup-fs.ts";
import type { CgroupsSupport } from "./cgroups-detect.ts";
import { CgroupsV1 } from "./cgroups-v1.ts";
import { CgroupsV2 } from "./cgroups-v2.ts";
import type { IsolatorName } from "./isolation-flags.ts";

/** Throws where the file system refuses (the caller reports it as CGROUP_ERROR). */
export function openCgroupBackend(
  isolators: readonly IsolatorName[],
  cgroups: CgroupsSupport,
  cgroupsRoot: string,
  pidsMax = 0,
): CgroupResult<CgroupBackend | null> {
  const cpu = isolators.includes("cgroups/cpu");
  const mem = isolators.includes("cgroups/mem");
  const pids = isolators.includes("cgroups/pids");
  const version = cpu
    ? cgroups.cpu.version
    : mem
      ? cgroups.mem.version
      : pids
        ? cgroups.pids.version
        : null;
  if (version === 1) {
    const d = cgroups.detection.v1;
    const base = (p: typeof d.cpu) => (p.ok ? p.base : undefined);
    const backend = new CgroupsV1(
      {
        cpu: cpu ? base(d.cpu) : undefined,
        cpuacct: cpu ? base(d.cpuacct) : undefined,
        memory: mem ? base(d.memory) : undefined,
        pids: pids ? base(d.pids) : undefined,
      },
      cgroupsRoot,
      pidsMax,
    );
    return { ok: true, value: backend };
  }
  if (version === 2) {
    const d = cgroups.detection.v2;
    const probe = cpu ? d.cpu : mem ? d.memory : d.pids;
    assert(probe.ok, "a chosen cgroups v2 isolator has a usable base");
    return CgroupsV2.open({ base: probe.base, cpu, memory: mem, pids, pidsMax }, cgroupsRoot);
  }
  return { ok: true, value: null };
}

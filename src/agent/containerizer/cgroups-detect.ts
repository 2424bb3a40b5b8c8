// Finds what cgroups can do here: v1 hierarchies and the cgroup2 mount, which controllers are
// usable (proved by creating and removing a probe cgroup), and from that whether the
// cgroups/cpu and cgroups/mem isolators work and why not. Nothing is assumed about the
// layout: other machines may be pure v2, hybrid like this one, or have no cgroups at all.
//
// Every cgroup is nested under the agent's own cgroup of that controller (from
// /proc/self/cgroup), never under the hierarchy's root: the agent may itself run in a cgroup
// with limits that must keep covering its containers.

import { mkdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { readText, writeControl } from "./cgroup-fs.ts";
import type { IsolatorAvailability } from "./isolation-flags.ts";
import { parseCgroupMounts, parseProcCgroup } from "./proc-parse.ts";

export type Probe =
  | { readonly ok: true; readonly base: string }
  | { readonly ok: false; readonly reason: string };

export interface CgroupsDetection {
  readonly v1: {
    readonly cpu: Probe;
    readonly cpuacct: Probe;
    readonly memory: Probe;
    readonly pids: Probe;
  };
  readonly v2: { readonly cpu: Probe; readonly memory: Probe; readonly pids: Probe };
}

export interface CgroupIsolatorSupport extends IsolatorAvailability {
  readonly version: 1 | 2 | null;
}

export interface CgroupsSupport {
  readonly detection: CgroupsDetection;
  readonly cpu: CgroupIsolatorSupport;
  readonly mem: CgroupIsolatorSupport;
  readonly pids: CgroupIsolatorSupport;
}

/** Decides, from the probes, which cgroup version serves each isolator. Pure. */
export function cgroupIsolatorSupport(d: CgroupsDetection): {
  cpu: CgroupIsolatorSupport;
  mem: CgroupIsolatorSupport;
  pids: CgroupIsolatorSupport;
} {
  const pick = (v1: Probe[], v2: Probe, what: string): CgroupIsolatorSupport => {
    const v1Failed = v1.find((p) => !p.ok);
    if (v1Failed === undefined) {
      const bases = v1.map((p) => (p.ok ? p.base : "")).join(", ");
      return { ok: true, version: 1, detail: `cgroups v1 at ${bases}` };
    }
    if (v2.ok) return { ok: true, version: 2, detail: `cgroups v2 at ${v2.base}` };
    const reason1 = v1Failed.ok ? "" : v1Failed.reason;
    const reason2 = v2.ok ? "" : v2.reason;
    return { ok: false, version: null, detail: `no usable ${what}: ${reason1}; ${reason2}` };
  };
  const cpu = pick([d.v1.cpu, d.v1.cpuacct], d.v2.cpu, "cpu controller");
  let mem = pick([d.v1.memory], d.v2.memory, "memory controller");
  // One backend serves both isolators; a split (cpu on v1, memory on v2) is not supported.
  if (cpu.ok && mem.ok && cpu.version !== mem.version) {
    mem = {
      ok: false,
      version: null,
      detail: "the memory controller is on a different cgroup version than cpu (not supported)",
    };
  }
  let pids = pick([d.v1.pids], d.v2.pids, "pids controller");
  const version = cpu.ok ? cpu.version : mem.ok ? mem.version : null;
  if (pids.ok && version !== null && pids.version !== version) {
    // The v1 pids hierarchy may serve a v2 backend's containers only if a v2 pids exists.
    pids =
      d.v2.pids.ok && version === 2
        ? { ok: true, version: 2, detail: `cgroups v2 at ${d.v2.pids.base}` }
        : {
            ok: false,
            version: null,
            detail:
              "the pids controller is on a different cgroup version than cpu and memory (not supported)",
          };
  }
  return { cpu, mem, pids };
}

function probeDir(base: string, rootName: string): string | null {
  const probe = join(base, `${rootName}-probe-${process.pid}`);
  try {
    mkdirSync(probe);
  } catch (e) {
    return `cannot create a cgroup under ${base}: ${(e as Error).message}`;
  }
  try {
    rmdirSync(probe);
  } catch (e) {
    return `cannot remove probe cgroup ${probe}: ${(e as Error).message}`;
  }
  return null;
}

function probeV1(
  controller: string,
  mounts: ReadonlyMap<string, string>,
  own: ReadonlyMap<string, string>,
  rootName: string,
  requiredFile: string,
): Probe {
  const mount = mounts.get(controller);
  if (mount === undefined) {
    return { ok: false, reason: `v1 ${controller} hierarchy not mounted` };
  }
  const base = join(mount, own.get(controller) ?? "/");
  if (readText(join(base, requiredFile)) === null) {
    return { ok: false, reason: `${join(base, requiredFile)} is missing or unreadable` };
  }
  const error = probeDir(base, rootName);
  return error === null ? { ok: true, base } : { ok: false, reason: error };
}

function probeV2(
  controller: "cpu" | "memory" | "pids",
  mount: string | null,
  ownPath: string | null,
  rootName: string,
): Probe {
  if (mount === null || ownPath === null) return { ok: false, reason: "no cgroup2 mount" };
  const base = join(mount, ownPath);
  const available = (readText(join(base, "cgroup.controllers")) ?? "").trim().split(/\s+/);
  if (!available.includes(controller)) {
    return {
      ok: false,
      reason: `cgroup2 at ${base} does not offer the ${controller} controller (cgroup.controllers: '${available.join(" ")}')`,
    };
  }
  const delegated = (readText(join(base, "cgroup.subtree_control")) ?? "").trim().split(/\s+/);
  if (!delegated.includes(controller)) {
    // Needed for our child cgroups to get the controller. Fails with EBUSY when the agent's
    // own cgroup holds processes and is not the root (the no-internal-process rule).
    const error = writeControl(join(base, "cgroup.subtree_control"), `+${controller}`);
    if (error !== null) {
      return { ok: false, reason: `cannot enable ${controller} below ${base}: ${error}` };
    }
  }
  const error = probeDir(base, rootName);
  return error === null ? { ok: true, base } : { ok: false, reason: error };
}

/** Probes this machine (a few mkdir/rmdir; call once at agent start). */
export function detectCgroups(rootName: string): CgroupsSupport {
  const mounts = parseCgroupMounts(readText("/proc/self/mounts") ?? "");
  const own = parseProcCgroup(readText("/proc/self/cgroup") ?? "");
  const detection: CgroupsDetection = {
    v1: {
      cpu: probeV1("cpu", mounts.v1, own.v1, rootName, "cpu.shares"),
      cpuacct: probeV1("cpuacct", mounts.v1, own.v1, rootName, "cpuacct.usage"),
      memory: probeV1("memory", mounts.v1, own.v1, rootName, "memory.limit_in_bytes"),
      // The hierarchy's root has no pids.max (only its children do): the probe cgroup proves it.
      pids: probeV1("pids", mounts.v1, own.v1, rootName, "cgroup.procs"),
    },
    v2: {
      cpu: probeV2("cpu", mounts.v2, own.v2, rootName),
      memory: probeV2("memory", mounts.v2, own.v2, rootName),
      pids: probeV2("pids", mounts.v2, own.v2, rootName),
    },
  };
  return { detection, ...cgroupIsolatorSupport(detection) };
}

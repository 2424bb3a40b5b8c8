// The agent's default resources (reference §8.1, Mesos's `Containerizer::resources`): cpus =
// online CPUs, mem = RAM - 1 GB when RAM >= 2 GB else half, disk = the work dir's filesystem -
// 5 GB when >= 10 GB else half, ports [31000-32000]. `--resources` overrides per name.
// The arithmetic is pure (`defaultResourcesText`); `detectMachine` reads the machine.
import { statfsSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { parseResourcesFlag, type Resources } from "../resources/index.ts";
import type { ParseResult } from "../resources/result.ts";

const MB = 1024 * 1024;
const GB = 1024 * MB;

export interface MachineFacts {
  cpus: number;
  memBytes: number | undefined;
  /** Size of the filesystem holding --work_dir. */
  diskBytes: number | undefined;
}

export function defaultMemMb(memBytes: number | undefined): number {
  if (memBytes === undefined || memBytes <= 0) return 1024;
  return Math.trunc((memBytes >= 2 * GB ? memBytes - GB : memBytes / 2) / MB);
}

export function defaultDiskMb(diskBytes: number | undefined): number {
  if (diskBytes === undefined || diskBytes <= 0) return 10 * 1024;
  return Math.trunc((diskBytes >= 10 * GB ? diskBytes - 5 * GB : diskBytes / 2) / MB);
}

/** The defaults in the `--resources` text form, each overridden by a name `--resources` gives. */
export function defaultResourcesText(facts: MachineFacts, given: readonly string[] = []): string {
  const parts: string[] = [];
  const cpus = facts.cpus > 0 ? facts.cpus : 1;
  if (!given.includes("cpus")) parts.push(`cpus:${cpus}`);
  if (!given.includes("mem")) parts.push(`mem:${defaultMemMb(facts.memBytes)}`);
  if (!given.includes("disk")) parts.push(`disk:${defaultDiskMb(facts.diskBytes)}`);
  if (!given.includes("ports")) parts.push("ports:[31000-32000]");
  return parts.join(";");
}

export function detectMachine(workDir: string): MachineFacts {
  return { cpus: availableParallelism(), memBytes: totalmem(), diskBytes: fsBytes(workDir) };
}

/** The size of the file system that holds (or will hold) `dir`: a work dir not made yet is
 *  measured where it will be made, its nearest existing ancestor. */
function fsBytes(dir: string): number | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      const st = statfsSync(at);
      return st.blocks * st.bsize;
    } catch {
      if (dirname(at) === at) return undefined;
    }
  }
}

/** `--resources` (text or JSON) merged over the detected defaults. */
export function agentResources(
  flag: string | undefined,
  facts: MachineFacts,
): ParseResult<Resources> {
  let given: Resources | undefined;
  if (flag !== undefined && flag.trim() !== "") {
    const parsed = parseResourcesFlag(flag);
    if (!parsed.ok) return parsed;
    given = parsed.value;
  }
  const names = given === undefined ? [] : [...new Set(given.toArray().map((r) => r.name))];
  const defaults = parseResourcesFlag(defaultResourcesText(facts, names));
  if (!defaults.ok) return defaults;
  return { ok: true, value: given === undefined ? defaults.value : defaults.value.add(given) };
}

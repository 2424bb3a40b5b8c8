// `--isolation`: which isolators a container gets (reference §8.4). Pure: parsing, validation,
// and the choice of the default "strongest set that works" from what detection found.
//
// Mesos's default is `posix/cpu,posix/mem`; Tessera instead defaults to the strongest set that
// works on the machine (cgroups where usable, the pids controller included, pid and mount
// namespaces when running as root),
// and says why anything weaker was chosen. disk/du is only used when named, as in Mesos: it
// walks every running sandbox each --container_disk_watch_interval.

import type { CodedResult } from "./result.ts";

export const ISOLATORS = [
  "posix/cpu",
  "posix/mem",
  "cgroups/cpu",
  "cgroups/mem",
  "cgroups/pids",
  "namespaces/pid",
  "filesystem/linux",
  "disk/du",
] as const;
export type IsolatorName = (typeof ISOLATORS)[number];

// Mesos's deprecated aliases and umbrella names (§8.4), expanded before validation.
// `filesystem/posix` is what Mesos adds when no filesystem isolator is named: it is the
// absence of one here.
const ALIASES: Readonly<Record<string, readonly IsolatorName[]>> = {
  process: ["posix/cpu", "posix/mem"],
  cgroups: ["cgroups/cpu", "cgroups/mem"],
  "cgroups/all": ["cgroups/cpu", "cgroups/mem", "cgroups/pids"],
  "filesystem/posix": [],
  "posix/disk": ["disk/du"],
};

export type IsolationErrorCode = "UNKNOWN_ISOLATOR" | "ISOLATOR_UNAVAILABLE";

export type IsolationResult<T> = CodedResult<IsolationErrorCode, T>;

/** Whether an isolator works on this machine, and if not, why (for the start-up report). */
export interface IsolatorAvailability {
  readonly ok: boolean;
  /** What it uses when ok ("cgroups v1 at /sys/fs/cgroup/cpu/..."), or why it cannot work. */
  readonly detail: string;
}

export type Availability = Readonly<Record<IsolatorName, IsolatorAvailability>>;

export interface IsolationChoice {
  readonly isolators: readonly IsolatorName[];
  /** One line per known isolator: on (and with what) or off (and why), for the agent's log. */
  readonly explanation: readonly string[];
}

function isIsolatorName(name: string): name is IsolatorName {
  return (ISOLATORS as readonly string[]).includes(name);
}

/** Parses a comma-separated `--isolation` value; duplicates collapse, order is kept. */
export function parseIsolation(text: string): IsolationResult<IsolatorName[]> {
  const out: IsolatorName[] = [];
  const add = (name: IsolatorName) => {
    if (!out.includes(name)) out.push(name);
  };
  for (const raw of text.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    const alias = ALIASES[name];
    if (alias !== undefined) {
      for (const n of alias) add(n);
    } else if (isIsolatorName(name)) {
      add(name);
    } else {
      return {
        ok: false,
        code: "UNKNOWN_ISOLATOR",
        message: `Unknown or unsupported isolator '${name}' in --isolation; known: ${[...ISOLATORS, ...Object.keys(ALIASES)].join(", ")}`,
      };
    }
  }
  return { ok: true, value: out };
}

/**
 * The isolators to use. With an explicit `--isolation`, every named isolator must work here
 * (a clear error naming the first that does not). Without one, the strongest set that works:
 * cgroups over posix for cpu and memory, plus namespaces/pid and filesystem/linux if possible.
 */
export function chooseIsolators(
  requested: readonly IsolatorName[] | undefined,
  availability: Availability,
): IsolationResult<IsolationChoice> {
  let chosen: IsolatorName[];
  if (requested !== undefined) {
    for (const name of requested) {
      const a = availability[name];
      if (!a.ok) {
        return {
          ok: false,
          code: "ISOLATOR_UNAVAILABLE",
          message: `Isolator '${name}' was asked for in --isolation but cannot work on this machine: ${a.detail}`,
        };
      }
    }
    chosen = [...requested];
  } else {
    chosen = [
      availability["cgroups/cpu"].ok ? "cgroups/cpu" : "posix/cpu",
      availability["cgroups/mem"].ok ? "cgroups/mem" : "posix/mem",
    ];
    // A fork bomb must meet a limit (issue 18): the pids controller wherever it works.
    if (availability["cgroups/pids"].ok) chosen.push("cgroups/pids");
    if (availability["namespaces/pid"].ok) chosen.push("namespaces/pid");
    if (availability["filesystem/linux"].ok) chosen.push("filesystem/linux");
  }
  const explanation = ISOLATORS.map((name) => {
    const a = availability[name];
    if (chosen.includes(name)) return `${name}: on (${a.detail})`;
    if (!a.ok) return `${name}: off (${a.detail})`;
    if (requested !== undefined) return `${name}: off (not in --isolation)`;
    return name === "disk/du"
      ? `${name}: off (only when named in --isolation: it walks every sandbox periodically)`
      : `${name}: off (a stronger isolator covers it)`;
  });
  return { ok: true, value: { isolators: chosen, explanation } };
}

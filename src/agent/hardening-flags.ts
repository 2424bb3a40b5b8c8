// The agent's task isolation flags beyond Mesos's own (issue 18; docs/task-isolation.md):
// `--allow_root_tasks` (default true, as Mesos runs root tasks; false: a task that would run
// as root fails to launch) and `--container_pids_limit` (each container's process limit:
// cgroups/pids's pids.max, else RLIMIT_NPROC for tasks not running as root; 0: none).
import type { FlagReader } from "../base/flag-parsing.ts";
import { DEFAULT_CONTAINER_PIDS_LIMIT } from "./containerizer/containerizer.ts";

export interface HardeningFlags {
  allowRootTasks: boolean;
  containerPidsLimit: number;
}

// The kernel's pid_max cannot exceed 2^22: no limit above it means anything.
const MAX_PIDS_LIMIT = 4_194_304;

export const HARDENING_FLAG_SPECS = [
  {
    name: "allow_root_tasks",
    kind: "bool",
    default: "true",
    help: "run tasks whose user is root (or all tasks, without --switch_user, on a root agent); false: they fail to launch",
  },
  {
    name: "container_pids_limit",
    kind: "string",
    default: String(DEFAULT_CONTAINER_PIDS_LIMIT),
    help: "processes and threads a container may have (cgroups/pids, else RLIMIT_NPROC for non-root tasks); 0: no limit",
  },
] as const;

export function readHardeningFlags(r: FlagReader): HardeningFlags {
  return {
    allowRootTasks: r.bool("allow_root_tasks"),
    containerPidsLimit: r.integer("container_pids_limit", 0, MAX_PIDS_LIMIT),
  };
}

export function hardeningFlagValues(flags: HardeningFlags): Record<string, string> {
  return {
    allow_root_tasks: String(flags.allowRootTasks),
    container_pids_limit: String(flags.containerPidsLimit),
  };
}

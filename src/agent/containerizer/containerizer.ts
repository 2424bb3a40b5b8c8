// The agent's containerizer: the interface the agent core's shell uses, and the factory that
// detects the machine, chooses isolators from `--isolation` and builds the implementation.
//
//   const made = createContainerizer({ isolation: "cgroups/cpu,cgroups/mem" });
//   if (!made.ok) fail(made.message);             // unknown / unavailable isolator, nothing created
//   log(made.value.explanation);                 // which isolators are on, and why others are off
//   const c = made.value.containerizer;
//   await c.launch(id, { sandboxDir, command: { shell: true, value: "echo hi" }, env: {},
//                        resources: { cpus: 0.5, memMb: 64 } })       -> { pid }
//   await c.wait(id)                              -> Termination (exit status, limitation?)
//   await c.exited(id)                            -> the same, before the cleanup
//   c.usage(id)                                   -> ResourceStatistics
//   await c.update(id, resources)                 -> raise/lower cpu, raise memory limit
//   await c.destroy(id, { gracePeriodMs: 3000 })  -> SIGTERM the tree, SIGKILL after grace
//   await c.recover([{ containerId, pid, sandboxDir }]) -> after an agent restart
//   c.containers(); c.close();
//
// Mesos behaviours matched: a container ends when its first process ends (the rest of its tree
// is killed and its cgroups removed before wait() resolves); an OOM kill or a limit breach
// destroys the container and is reported as a limitation with
// REASON_CONTAINER_LIMITATION_MEMORY; the hard memory limit is only ever raised; containers
// survive an agent restart and are re-attached by pid. Launching is one clone and one exec in
// the native launcher (plus cgroup setup: a mkdir and a few writes per hierarchy); nothing
// polls on the launch/exit path.

import type { ContainerInfo } from "../../wire/container.ts";
import type { ResourceStatistics } from "../../wire/usage.ts";
import { formatStoutDuration } from "../core/executor-env.ts";
import type { ContainerNetworkJoin } from "../network/network-join.ts";
import type { ContainerResources } from "./cgroup-limits.ts";
import { detectCgroups } from "./cgroups-detect.ts";
import {
  type Availability,
  chooseIsolators,
  type IsolationErrorCode,
  type IsolatorName,
  parseIsolation,
} from "./isolation-flags.ts";
import type { CommandSpec } from "./launcher.ts";
import { launcherDirsUnderTmp } from "./launcher-dirs.ts";
import { LinuxContainerizer } from "./linux-containerizer.ts";
import { detectNamespaces, findTools } from "./namespaces-detect.ts";
import { nativeLauncher } from "./native-launcher.ts";
import type { CodedResult } from "./result.ts";
import type { Termination } from "./termination.ts";

export type { ContainerResources } from "./cgroup-limits.ts";
export type { CommandSpec } from "./launcher.ts";
export type { Limitation, LimitationReason, Termination } from "./termination.ts";

/** What the Docker containerizer needs of a DOCKER ContainerInfo task (agent/docker). */
export interface DockerLaunch {
  readonly info: ContainerInfo;
  /** The task's host port ranges, for the port mapping check. */
  readonly ports: readonly (readonly [number, number])[];
}

export interface LaunchConfig {
  /** The container's sandbox (Mesos: .../runs/<container_id>); created if missing. */
  readonly sandboxDir: string;
  readonly command: CommandSpec;
  /** The complete environment of the container's process (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Run as this user (needs root unless it is the agent's own user). */
  readonly user?: string | undefined;
  readonly resources: ContainerResources;
  /** The container's own network (src/agent/network), or none: the host's. */
  readonly network?: ContainerNetworkJoin | undefined;
  /** A container image's root file system to run in (src/agent/images), or none: the host's. */
  readonly rootfs?: ContainerRootfs | undefined;
  /** ContainerInfo type DOCKER for the Docker containerizer (src/agent/docker), which the
   *  composing containerizer hands this launch to. */
  readonly docker?: DockerLaunch | undefined;
}

export interface ContainerRootfs {
  /** The provisioned rootfs on the host; the sandbox is bound at /mnt/mesos/sandbox in it. */
  readonly dir: string;
  /** The task's cwd inside the rootfs. */
  readonly cwd: string;
  /** Overlay backend: the mount options of the overlay the launcher mounts on `dir` first,
   *  inside the container's mount namespace (so the mount goes with the container). */
  readonly overlay?: string | undefined;
  /** Host paths bound at absolute paths inside the rootfs (images/image-volumes.ts). */
  readonly volumes?: readonly { from: string; to: string; readOnly: boolean }[] | undefined;
}

export type ContainerizerErrorCode =
  | IsolationErrorCode
  | "INVALID_CONTAINER_ID"
  | "INVALID_RESOURCES"
  | "CONTAINER_EXISTS"
  | "UNKNOWN_CONTAINER"
  | "UNKNOWN_USER"
  | "USER_SWITCH_NOT_PERMITTED"
  | "CGROUP_ERROR"
  | "LAUNCH_FAILED";

export type ContainerizerResult<T> = CodedResult<ContainerizerErrorCode, T>;

/** A container the agent's checkpoint knows, for recover(). */
export interface KnownContainer {
  readonly containerId: string;
  /** Undefined when its pid file was never written (the agent died while the launch was in
   *  flight): the containerizer's own logs name the pid, if the process was started. */
  readonly pid: number | undefined;
  readonly resources?: ContainerResources | undefined;
  /** Its sandbox, for disk/du. */
  readonly sandboxDir?: string | undefined;
}

export interface RecoverResult {
  /** Live containers re-attached (wait/usage/destroy work on them). */
  readonly recovered: readonly string[];
  /** Known containers whose process had ended; their cgroups were removed. */
  readonly gone: readonly string[];
  /** Cgroups of containers the agent did not know about, killed and removed. */
  readonly orphansRemoved: readonly string[];
}

export interface ContainerizerErrors {
  readonly destroy: number;
  readonly runtimeLog: number;
}

export interface Containerizer {
  readonly isolators: readonly IsolatorName[];
  launch(containerId: string, config: LaunchConfig): Promise<ContainerizerResult<{ pid: number }>>;
  /** Resolves when the container has ended and been cleaned up. For a recovered container
   *  (not the agent's child) the end is seen by polling its pid every `pollIntervalMs`
   *  (Node has no pidfd), and the exit status is the one the launcher of the previous run
   *  logged (exit-log.ts), or unknown (null) where it logged none. */
  wait(containerId: string): Promise<ContainerizerResult<Termination>>;
  /** Resolves as soon as the container's first process has ended, with what wait() will
   *  resolve with, but before the rest of its tree is killed and its cgroups removed. Mesos's
   *  command executor reports its task's end when it reaps the task, not once the container is
   *  cleaned up; the cleanup then runs off that path. */
  exited(containerId: string): Promise<ContainerizerResult<Termination>>;
  update(containerId: string, resources: ContainerResources): ContainerizerResult<void>;
  usage(containerId: string): ContainerizerResult<ResourceStatistics>;
  destroy(
    containerId: string,
    options: { gracePeriodMs: number },
  ): Promise<ContainerizerResult<Termination>>;
  /** Re-attaches `known` containers and destroys orphans: those the runtime log names that are
   *  not known, and with `cgroupOrphans` (default true) every other cgroup under the root. */
  recover(
    known: readonly KnownContainer[],
    options?: { cgroupOrphans?: boolean },
  ): Promise<RecoverResult>;
  containers(): string[];
  /** Host pids of a live container's processes (none for an unknown container). */
  pids(containerId: string): number[];
  /** Operating errors since start: containers whose cleanup failed (Mesos's
   *  container_destroy_errors), and failed writes of the runtime log. */
  errors(): ContainerizerErrors;
  /** Resolves once the cleanup (kills, cgroup removal) of every container that ended is done. */
  settle(): Promise<void>;
  /** Stops polling and removes the (empty) cgroups root. Running containers are left alone. */
  close(): void;
}

export interface ContainerizerOptions {
  /** `--isolation`; absent means the strongest set that works here. */
  readonly isolation?: string | undefined;
  /** Mesos `--cgroups_root` (default "mesos"; Tessera's is "tessera"). */
  readonly cgroupsRoot?: string | undefined;
  /** Set the CFS quota from cpus (default true; Mesos's `--cgroups_enable_cfs` is false). */
  readonly enableCfs?: boolean | undefined;
  /** How often posix/mem, OOM and recovered-pid checks run (default 500 ms). */
  readonly pollIntervalMs?: number | undefined;
  /** Mesos `--sandbox_directory`: where filesystem/linux shows the sandbox. */
  readonly sandboxMountPoint?: string | undefined;
  /** Directories below /tmp that containers keep seeing through their private /tmp
   *  (filesystem/linux); default: the agent's own install where it is there (launcher-dirs.ts). */
  readonly launcherDirs?: readonly string[] | undefined;
  /** Where the containerizer records the containers it starts, to find the ones no checkpoint
   *  knows after a crash (Mesos's --runtime_dir); unset: not recorded. */
  readonly runtimeDir?: string | undefined;
  /** disk/du: Mesos's `--container_disk_watch_interval` (default 15 s). */
  readonly diskWatchIntervalMs?: number | undefined;
  /** disk/du: Mesos's `--enforce_container_disk_quota` (default false: measured only). */
  readonly enforceDiskQuota?: boolean | undefined;
  /** Each container's process limit: cgroups/pids's pids.max, else RLIMIT_NPROC for tasks
   *  not running as root (task-hardening.ts); 0: none. Default DEFAULT_CONTAINER_PIDS_LIMIT. */
  readonly pidsLimit?: number | undefined;
  /** How first processes are started: the native launcher (the default, where it can be
   *  built) or the Node helper with sh/unshare/setpriv wrappers. */
  readonly launcher?: "native" | "node" | undefined;
  /** Told of each operating error (a cleanup or runtime log write that failed), to log it. */
  readonly onError?: ((message: string) => void) | undefined;
}

export interface CreatedContainerizer {
  readonly containerizer: Containerizer;
  /** One line per isolator: on (with what) or off (and why), for the agent's start-up log. */
  readonly explanation: readonly string[];
}

export const DEFAULT_CGROUPS_ROOT = "tessera";
export const DEFAULT_POLL_INTERVAL_MS = 500;
export const DEFAULT_SANDBOX_MOUNT_POINT = "/mnt/mesos/sandbox";
export const DEFAULT_DISK_WATCH_INTERVAL_MS = 15_000;
/**
 * `--container_pids_limit`'s default: room for a JVM's or a build's threads (pids.max counts
 * threads), far below the kernel's pid_max, so that one fork bomb cannot use up the machine.
 */
export const DEFAULT_CONTAINER_PIDS_LIMIT = 4096;

/** Detects the machine and builds a containerizer; a bad `--isolation` creates nothing. */
export function createContainerizer(
  options: ContainerizerOptions = {},
): ContainerizerResult<CreatedContainerizer> {
  // Parse first: an unknown isolator must fail before anything is probed or created.
  let requested: IsolatorName[] | undefined;
  if (options.isolation !== undefined) {
    const parsed = parseIsolation(options.isolation);
    if (!parsed.ok) return parsed;
    requested = parsed.value;
  }
  const cgroupsRoot = options.cgroupsRoot ?? DEFAULT_CGROUPS_ROOT;
  if (!/^[A-Za-z0-9_.-]+$/.test(cgroupsRoot)) {
    return { ok: false, code: "CGROUP_ERROR", message: `invalid cgroups root '${cgroupsRoot}'` };
  }
  const diskWatchIntervalMs = options.diskWatchIntervalMs ?? DEFAULT_DISK_WATCH_INTERVAL_MS;
  const enforceDiskQuota = options.enforceDiskQuota ?? false;
  const tools = findTools();
  const cgroups = detectCgroups(cgroupsRoot);
  const namespaces = detectNamespaces(tools);
  const posix = { ok: true, detail: "usage from /proc" };
  const availability: Availability = {
    "posix/cpu": posix,
    "posix/mem": { ok: true, detail: "usage from /proc, limit enforced by polling" },
    "cgroups/cpu": cgroups.cpu,
    "cgroups/mem": cgroups.mem,
    "cgroups/pids": cgroups.pids,
    "namespaces/pid": namespaces.pid,
    "filesystem/linux": namespaces.filesystem,
    "disk/du": {
      ok: true,
      detail: `sandbox disk use measured every ${formatStoutDuration(diskWatchIntervalMs)}, ${enforceDiskQuota ? "quota enforced" : "quota not enforced (--enforce_container_disk_quota)"}`,
    },
  };
  const chosen = chooseIsolators(requested, availability);
  if (!chosen.ok) return chosen;
  const native = options.launcher === "node" ? null : nativeLauncher();
  const launcherLine =
    native === null
      ? "launcher: Node helper with sh/unshare/setpriv wrappers (asked for)"
      : native.ok
        ? `launcher: native (${native.path})`
        : `launcher: Node helper with sh/unshare/setpriv wrappers, slower (native launcher unavailable: ${native.reason})`;
  const made = LinuxContainerizer.create({
    isolators: chosen.value.isolators,
    cgroups,
    tools,
    cgroupsRoot,
    enableCfs: options.enableCfs ?? true,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    sandboxMountPoint: options.sandboxMountPoint ?? DEFAULT_SANDBOX_MOUNT_POINT,
    launcherDirs: launcherDirsUnderTmp(options.launcherDirs),
    diskWatchIntervalMs,
    enforceDiskQuota,
    pidsLimit: options.pidsLimit ?? DEFAULT_CONTAINER_PIDS_LIMIT,
    runtimeDir: options.runtimeDir ?? null,
    nativeLauncher: native?.ok === true ? native.path : null,
    onError: options.onError ?? (() => {}),
  });
  if (!made.ok) return made;
  const explanation = [...chosen.value.explanation, launcherLine];
  return { ok: true, value: { containerizer: made.value, explanation } };
}

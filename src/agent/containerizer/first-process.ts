// Starting a container's first process through one of the two launchers: the native launcher
// (it prepares the sandbox itself, off the agent's event loop) or the Node spawn helper with
// sh/unshare/setpriv wrappers (the sandbox prepared here). See launcher.ts for the plan.
import { accessSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../base/assert.ts";
import type { ContainerUser } from "./container-user.ts";
import type { ContainerizerErrorCode, ContainerizerResult, LaunchConfig } from "./containerizer.ts";
import type { IsolatorName } from "./isolation-flags.ts";
import { buildLaunchPlan, prepareSandbox } from "./launcher.ts";
import type { Tools } from "./namespaces-detect.ts";
import { type NativeLaunchRequest, nativeDialect } from "./native-launcher.ts";
import { type HelperSpawnResult, nodeHelperDialect, SpawnHelper } from "./spawn-helper.ts";
import { type TaskHardening, taskHardening } from "./task-hardening.ts";

export interface Launchers {
  /** The native launcher, or null to use the Node helper. */
  readonly native: SpawnHelper<NativeLaunchRequest> | null;
  readonly helper: SpawnHelper | null;
  readonly tools: Tools;
  /** filesystem/linux's mount point, or null when the isolator is off. */
  readonly mountPoint: string | null;
  /** With filesystem/linux: the agent's install dirs its private /tmp would hide. */
  readonly launcherDirs: readonly string[];
  readonly pidNamespace: boolean;
  /** What every container gives up before its task runs (task-hardening.ts). */
  readonly hardening: TaskHardening;
}

/** The launchers of a containerizer with this configuration (`exitLog`: exit-log.ts). */
export function makeLaunchers(
  config: {
    readonly isolators: readonly IsolatorName[];
    readonly nativeLauncher: string | null;
    readonly tools: Tools;
    readonly sandboxMountPoint: string;
    readonly pidsLimit: number;
    readonly launcherDirs: readonly string[];
  },
  exitLog: string | null,
): Launchers {
  const native = config.nativeLauncher;
  const pidsCgroup = config.isolators.includes("cgroups/pids");
  return {
    native:
      native === null ? null : new SpawnHelper<NativeLaunchRequest>(nativeDialect(native, exitLog)),
    helper: native === null ? new SpawnHelper(nodeHelperDialect(exitLog)) : null,
    tools: config.tools,
    mountPoint: config.isolators.includes("filesystem/linux") ? config.sandboxMountPoint : null,
    launcherDirs: config.launcherDirs,
    pidNamespace: config.isolators.includes("namespaces/pid"),
    hardening: taskHardening(pidsCgroup, config.pidsLimit, !!native || !!config.tools.unshare),
  };
}

export function startFirstProcess(
  launchers: Launchers,
  containerId: string,
  launch: LaunchConfig,
  cgroupProcsFiles: string[],
  user: ContainerUser | null,
): Promise<HelperSpawnResult> {
  const { mountPoint, pidNamespace, hardening, launcherDirs } = launchers;
  if (launchers.native !== null) {
    return launchers.native.spawn({
      name: containerId,
      command: launch.command,
      sandboxDir: launch.sandboxDir,
      env: launch.env,
      stdoutPath: join(launch.sandboxDir, "stdout"),
      stderrPath: join(launch.sandboxDir, "stderr"),
      cgroupProcsFiles,
      pidNamespace,
      mountPoint,
      launcherDirs,
      user,
      hardening,
      network: launch.network,
      rootfs: launch.rootfs,
    });
  }
  if (launch.network !== undefined) {
    const why = "a container network needs the native launcher (a C compiler to build it)";
    return Promise.resolve({ ok: false, message: why });
  }
  if (launch.rootfs !== undefined) {
    const why = "a container image needs the native launcher (a C compiler to build it)";
    return Promise.resolve({ ok: false, message: why });
  }
  assert(launchers.helper !== null, "a launcher exists");
  const tools = launchers.tools;
  const plan = buildLaunchPlan({
    command: launch.command,
    cgroupProcsFiles,
    pidNamespace,
    filesystem:
      mountPoint === null ? null : { sandboxDir: launch.sandboxDir, mountPoint, launcherDirs },
    user,
    hardening,
    tools: {
      sh: tools.sh,
      unshare: tools.unshare ?? "unshare",
      setpriv: tools.setpriv ?? "setpriv",
      prlimit: tools.prlimit,
    },
  });
  // Started through setpriv (capabilities, task-hardening.ts), a program that is not there
  // would be an exit 127, not the launch error a direct spawn gives (and the native launcher).
  const missing = missingProgram(launch.command);
  if (missing !== null) return Promise.resolve({ ok: false, message: missing });
  let logs: { stdout: string; stderr: string };
  try {
    logs = prepareSandbox(launch.sandboxDir, user, mountPoint !== null);
  } catch (e) {
    return Promise.resolve({ ok: false, message: (e as Error).message });
  }
  return launchers.helper.spawn({
    name: containerId,
    plan,
    cwd: launch.sandboxDir,
    env: launch.env,
    stdoutPath: logs.stdout,
    stderrPath: logs.stderr,
  });
}

function missingProgram(command: LaunchConfig["command"]): string | null {
  if (command.shell || !command.value.includes("/")) return null;
  try {
    accessSync(command.value, constants.X_OK);
    return null;
  } catch (e) {
    return `cannot execute ${command.value}: ${(e as Error).message}`;
  }
}

/**
 * A launch that failed before its process was started still leaves its sandbox, as Mesos
 * does, so that the task's files can be browsed (the launcher creates it on every other path).
 */
export function failKeepingSandbox<T>(
  launch: LaunchConfig,
  code: ContainerizerErrorCode,
  message: string,
): ContainerizerResult<T> {
  try {
    mkdirSync(launch.sandboxDir, { recursive: true });
  } catch {
    // The failure reported is the launch's; a sandbox that cannot be made changes nothing.
  }
  return fail(code, message);
}

export function fail<T>(code: ContainerizerErrorCode, message: string): ContainerizerResult<T> {
  return { ok: false, code, message };
}

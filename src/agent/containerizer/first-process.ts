// Starting a container's first process through one of the two launchers: the native launcher
// (it prepares the sandbox itself, off the agent's event loop) or the Node spawn helper with
// sh/unshare/setpriv wrappers (the sandbox prepared here). See launcher.ts for the plan.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../base/assert.ts";
import type { ContainerUser } from "./container-user.ts";
import type { ContainerizerErrorCode, ContainerizerResult, LaunchConfig } from "./containerizer.ts";
import { buildLaunchPlan, prepareSandbox } from "./launcher.ts";
import type { Tools } from "./namespaces-detect.ts";
import type { NativeLaunchRequest } from "./native-launcher.ts";
import type { HelperSpawnResult, SpawnHelper } from "./spawn-helper.ts";

export interface Launchers {
  /** The native launcher, or null to use the Node helper. */
  readonly native: SpawnHelper<NativeLaunchRequest> | null;
  readonly helper: SpawnHelper | null;
  readonly tools: Tools;
  /** filesystem/linux's mount point, or null when the isolator is off. */
  readonly mountPoint: string | null;
  readonly pidNamespace: boolean;
}

export function startFirstProcess(
  launchers: Launchers,
  containerId: string,
  launch: LaunchConfig,
  cgroupProcsFiles: string[],
  user: ContainerUser | null,
): Promise<HelperSpawnResult> {
  const { mountPoint, pidNamespace } = launchers;
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
      user,
    });
  }
  assert(launchers.helper !== null, "a launcher exists");
  const tools = launchers.tools;
  const plan = buildLaunchPlan({
    command: launch.command,
    cgroupProcsFiles,
    pidNamespace,
    filesystem: mountPoint === null ? null : { sandboxDir: launch.sandboxDir, mountPoint },
    user,
    tools: {
      sh: tools.sh,
      unshare: tools.unshare ?? "unshare",
      setpriv: tools.setpriv ?? "setpriv",
    },
  });
  let logs: { stdout: string; stderr: string };
  try {
    logs = prepareSandbox(launch.sandboxDir, user, mountPoint !== null);
  } catch (e) {
    return Promise.resolve({ ok: false, message: (e as Error).message });
  }
  return launchers.helper.spawn({
    plan,
    cwd: launch.sandboxDir,
    env: launch.env,
    stdoutPath: logs.stdout,
    stderrPath: logs.stderr,
  });
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

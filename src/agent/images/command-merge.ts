// How a task's CommandInfo and its image's config combine (Mesos's docker/runtime isolator,
// containers.md §2). Command: `shell=true` runs `/bin/sh -c value`; `shell=false` with a value
// execs it with its arguments; both ignore the image's Entrypoint and Cmd. With no value: the
// Entrypoint followed by the arguments, Cmd added only when there are none; without an
// Entrypoint, Cmd[0] followed by the arguments, or by Cmd[1..] when there are none; neither
// is a launch failure. Environment, low to high: the agent's, the image's Env, then the
// executor's and the CommandInfo's. cwd: WorkingDir, else the sandbox. User: ignored, as in
// Mesos (with a warning). Pure.
import type { CommandSpec } from "../containerizer/launcher.ts";
import type { ImageRuntimeConfig } from "./image-config.ts";

/** Where the sandbox appears inside an image's rootfs (Mesos's `--sandbox_directory`). */
export const CONTAINER_SANDBOX = "/mnt/mesos/sandbox";

export type MergedCommand =
  | { readonly ok: true; readonly command: CommandSpec }
  | { readonly ok: false; readonly message: string };

/** `command.value` "" counts as unset (the executor passes an absent value that way). */
export function mergeCommand(command: CommandSpec, config: ImageRuntimeConfig): MergedCommand {
  const args = command.arguments ?? [];
  if (command.value !== "") {
    if (command.shell) return { ok: true, command: { shell: true, value: command.value } };
    const argv = args.length > 0 ? args : [command.value];
    return { ok: true, command: { shell: false, value: command.value, arguments: argv } };
  }
  if (command.shell) return { ok: false, message: "a shell command needs a value" };
  const entrypoint = config.entrypoint ?? [];
  const cmd = config.cmd ?? [];
  let argv: readonly string[];
  if (entrypoint.length > 0) argv = [...entrypoint, ...(args.length > 0 ? args : cmd)];
  else if (cmd.length > 0) argv = [cmd[0] as string, ...(args.length > 0 ? args : cmd.slice(1))];
  else
    return {
      ok: false,
      message: "neither the task nor its image names a command (no Entrypoint or Cmd)",
    };
  return { ok: true, command: { shell: false, value: argv[0] as string, arguments: argv } };
}

/** The image's `Env` (`K=V` strings) as a record; a malformed entry is skipped. */
export function imageEnv(config: ImageRuntimeConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of config.env) {
    const eq = kv.indexOf("=");
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/** The task's cwd inside the rootfs: WorkingDir, else the sandbox. */
export function workingDir(config: ImageRuntimeConfig): string {
  return config.workingDir ?? CONTAINER_SANDBOX;
}

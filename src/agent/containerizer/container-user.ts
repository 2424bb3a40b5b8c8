// `--switch_user`: the user a container's first process runs as, looked up in /etc/passwd, and
// whether this agent may switch to it (root, and a way to drop privileges).
import { readFileSync } from "node:fs";
import type { ContainerizerResult } from "./containerizer.ts";
import { findPasswdEntry } from "./proc-parse.ts";

export interface ContainerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The user to switch to; null to run as the agent's own user. `canDropPrivileges`: the
 *  launcher can switch (the native one always; the Node helper through setpriv). */
export function resolveContainerUser(
  user: string | undefined,
  canDropPrivileges: boolean,
): ContainerizerResult<ContainerUser | null> {
  if (user === undefined) return { ok: true, value: null };
  let entry: ReturnType<typeof findPasswdEntry> = null;
  try {
    entry = findPasswdEntry(readFileSync("/etc/passwd", "utf8"), user);
  } catch {
    // No passwd file: every user is unknown.
  }
  if (entry === null) {
    return refuse("UNKNOWN_USER", `Failed to launch as user '${user}': no such user on this agent`);
  }
  if (entry.uid === process.getuid?.()) return { ok: true, value: null };
  if (process.getuid?.() !== 0) {
    return refuse(
      "USER_SWITCH_NOT_PERMITTED",
      `Failed to launch as user '${user}': the agent is not running as root`,
    );
  }
  if (!canDropPrivileges) {
    return refuse("USER_SWITCH_NOT_PERMITTED", `Failed to launch as user '${user}': no setpriv`);
  }
  return { ok: true, value: { name: user, uid: entry.uid, gid: entry.gid } };
}

function refuse(
  code: "UNKNOWN_USER" | "USER_SWITCH_NOT_PERMITTED",
  message: string,
): ContainerizerResult<never> {
  return { ok: false, code, message };
}

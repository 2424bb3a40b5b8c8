// Whether namespaces/pid and filesystem/linux can work here: they need root (to create pid and
// mount namespaces and to mount), util-linux's `unshare` (and `setpriv` for a user switch), and
// a kernel that allows it — proved by running `unshare` once at start, as Mesos's linux
// launcher checks for namespace support before it is chosen.

import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import type { IsolatorAvailability } from "./isolation-flags.ts";

const SEARCH_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"];

/** Absolute path of an executable found in the usual system directories, or null. */
export function findTool(name: string): string | null {
  for (const dir of SEARCH_DIRS) {
    const path = `${dir}/${name}`;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  return null;
}

export interface Tools {
  readonly sh: string;
  readonly unshare: string | null;
  readonly setpriv: string | null;
  /** util-linux's prlimit: RLIMIT_NPROC under posix isolation without the native launcher. */
  readonly prlimit?: string | null | undefined;
}

export function findTools(): Tools {
  return {
    sh: findTool("sh") ?? "/bin/sh",
    unshare: findTool("unshare"),
    setpriv: findTool("setpriv"),
    prlimit: findTool("prlimit"),
  };
}

// A probe that hangs means something is badly wrong; it must not hang the agent's start.
const PROBE_TIMEOUT_MS = 5_000;

function probe(unshare: string, flags: readonly string[]): string | null {
  const result = spawnSync(unshare, [...flags, "--", "true"], {
    stdio: ["ignore", "ignore", "pipe"],
    timeout: PROBE_TIMEOUT_MS,
  });
  if (result.status === 0) return null;
  const stderr = result.stderr?.toString().trim() ?? "";
  return `'unshare ${flags.join(" ")} true' failed${stderr === "" ? "" : `: ${stderr}`}`;
}

export function detectNamespaces(tools: Tools): {
  pid: IsolatorAvailability;
  filesystem: IsolatorAvailability;
} {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    const off = { ok: false, detail: "needs root (the agent is not running as root)" };
    return { pid: off, filesystem: off };
  }
  if (tools.unshare === null) {
    const off = { ok: false, detail: "util-linux 'unshare' not found" };
    return { pid: off, filesystem: off };
  }
  const pidError = probe(tools.unshare, ["--pid", "--fork", "--mount-proc", "--kill-child"]);
  const mountError = probe(tools.unshare, ["--mount", "--propagation", "private"]);
  return {
    pid:
      pidError === null
        ? {
            ok: true,
            detail: `pid namespace with its own /proc (support checked with ${tools.unshare})`,
          }
        : { ok: false, detail: pidError },
    filesystem:
      mountError === null
        ? { ok: true, detail: "mount namespace: private /tmp, sandbox bind-mounted" }
        : { ok: false, detail: mountError },
  };
}

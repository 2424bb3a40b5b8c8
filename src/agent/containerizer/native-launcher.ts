// The native launcher (native/launcher.c): builds it once per source version and speaks its
// protocol. It starts a container's first process with one clone() and one exec, doing in
// C what the wrapper chain of launcher.ts does with sh, unshare, mount and setpriv (each exec
// costs ~2 ms on the machines we measured, and a namespaced launch through them ~80 ms).
//
// The binary is compiled with the machine's C compiler the first time an agent needs it and
// cached under node_modules/.cache/tessera, named by a hash of its source, so an edit of the
// source never runs a stale binary. Compiling to a temporary name and renaming keeps agents
// that start together from seeing a half-written file. Without a compiler the agent falls back
// to the Node helper (spawn-helper.ts) and says so at start.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ContainerNetworkJoin } from "../network/network-join.ts";
import type { ContainerRootfs } from "./containerizer.ts";
import type { CommandSpec } from "./launcher.ts";
import { privateTmpTarget } from "./launcher-dirs.ts";
import type { LauncherDialect, Reply } from "./spawn-helper.ts";
import type { TaskHardening } from "./task-hardening.ts";

const SOURCE = fileURLToPath(new URL("../../../native/launcher.c", import.meta.url));
// Compiled with it, and hashed with it: an edit of either rebuilds.
const STEPS = fileURLToPath(new URL("../../../native/steps.c", import.meta.url));
const STEPS_HEADER = fileURLToPath(new URL("../../../native/steps.h", import.meta.url));
const NETNS = fileURLToPath(new URL("../../../native/netns.c", import.meta.url));
const NETNS_HEADER = fileURLToPath(new URL("../../../native/netns.h", import.meta.url));
const ROOTFS = fileURLToPath(new URL("../../../native/rootfs.c", import.meta.url));
const ROOTFS_HEADER = fileURLToPath(new URL("../../../native/rootfs.h", import.meta.url));
const CACHE_DIR = fileURLToPath(new URL("../../../node_modules/.cache/tessera", import.meta.url));
const COMPILE_TIMEOUT_MS = 60_000;

/** What the native launcher starts, with every isolation step it takes on the way. */
export interface NativeLaunchRequest {
  /** The container id, named in the launcher's exit log (exit-log.ts). */
  readonly name?: string | undefined;
  readonly command: CommandSpec;
  readonly sandboxDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  readonly cgroupProcsFiles: readonly string[];
  readonly pidNamespace: boolean;
  /** filesystem/linux: the sandbox is bind-mounted here, `<sandbox>/tmp` on /tmp. */
  readonly mountPoint: string | null;
  /** With `mountPoint`: directories below /tmp kept visible, read-only (launcher-dirs.ts). */
  readonly launcherDirs?: readonly string[] | undefined;
  readonly user: { readonly name: string; readonly uid: number; readonly gid: number } | null;
  /** What the container gives up (task-hardening.ts); absent: nothing. */
  readonly hardening?: TaskHardening | undefined;
  /** The container's own network (network/cni): its namespace and generated /etc files. */
  readonly network?: ContainerNetworkJoin | undefined;
  /** Run in this image rootfs (enter_rootfs in launcher.c); `mountPoint` is then unused. */
  readonly rootfs?: ContainerRootfs | undefined;
}

export type NativeLauncherBuild =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: string };

let built: NativeLauncherBuild | undefined;

/** The launcher's binary, compiled on first use (once per process and source version). */
export function nativeLauncher(): NativeLauncherBuild {
  built ??= probe(build());
  return built;
}

/** Runs the binary once with no input (it exits 0 at once): a cache on a noexec mount, say,
 *  must fall back to the Node helper at start, not fail every launch. */
function probe(b: NativeLauncherBuild): NativeLauncherBuild {
  if (!b.ok) return b;
  const ran = spawnSync(b.path, [], { input: "", timeout: COMPILE_TIMEOUT_MS });
  if (ran.status === 0) return b;
  const why = ran.error?.message ?? `exit status ${ran.status ?? ran.signal}`;
  return { ok: false, reason: `${b.path} does not run: ${why}` };
}

function build(): NativeLauncherBuild {
  const hasher = createHash("sha256");
  try {
    for (const file of [SOURCE, STEPS, STEPS_HEADER, NETNS, NETNS_HEADER, ROOTFS, ROOTFS_HEADER])
      hasher.update(readFileSync(file));
  } catch (e) {
    return { ok: false, reason: `no launcher source: ${(e as Error).message}` };
  }
  const hash = hasher.digest("hex").slice(0, 16);
  const path = join(CACHE_DIR, `tessera-launcher-${hash}`);
  try {
    accessSync(path, constants.X_OK);
    return { ok: true, path };
  } catch {
    // Not built yet.
  }
  const compiler = ["cc", "gcc", "clang"].find(
    (c) => spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0,
  );
  if (compiler === undefined) return { ok: false, reason: "no C compiler (cc) to build it" };
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    return { ok: false, reason: `cannot create ${CACHE_DIR}: ${(e as Error).message}` };
  }
  const compiled = spawnSync(compiler, ["-O2", "-o", temp, SOURCE, STEPS, NETNS, ROOTFS], {
    encoding: "utf8",
    timeout: COMPILE_TIMEOUT_MS,
  });
  if (compiled.status !== 0) {
    rmSync(temp, { force: true });
    return { ok: false, reason: `${compiler} failed: ${compiled.stderr.trim().slice(0, 500)}` };
  }
  renameSync(temp, path);
  return { ok: true, path };
}

/** The request's tokens as native/launcher.c reads them (its header has the grammar). */
export function encodeNativeRequest(id: number, r: NativeLaunchRequest): Buffer {
  const { command } = r;
  const file = command.shell ? "/bin/sh" : command.value;
  const argv = command.shell
    ? ["sh", "-c", command.value]
    : [command.arguments?.[0] ?? command.value, ...(command.arguments ?? []).slice(1)];
  const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`);
  const tokens: string[] = ["id", String(id), "file", file];
  if (r.name !== undefined) tokens.push("name", r.name);
  tokens.push("argv", String(argv.length), ...argv, "env", String(env.length), ...env);
  tokens.push("stdout", r.stdoutPath, "stderr", r.stderrPath, "mkdir", r.sandboxDir);
  for (const procs of r.cgroupProcsFiles) tokens.push("cgroup", procs);
  if (r.pidNamespace) tokens.push("pidns");
  if (r.rootfs !== undefined) {
    tokens.push(...rootfsTokens(r.sandboxDir, r.rootfs));
  } else if (r.mountPoint === null) {
    tokens.push("cwd", r.sandboxDir);
  } else {
    // The task starts in the mount point: the sandbox's host path is hidden once /tmp is
    // replaced, when the work dir is under /tmp.
    const tmp = join(r.sandboxDir, "tmp");
    tokens.push("mountns", "mkdir", tmp, "bind", r.sandboxDir, r.mountPoint);
    // Bound into `<sandbox>/tmp` while the host's /tmp can still be seen, then carried along
    // by the recursive bind over /tmp; read-only once there.
    const kept = r.launcherDirs ?? [];
    for (const dir of kept) {
      const at = privateTmpTarget(tmp, dir);
      tokens.push("mkdir", at, "bind", dir, at);
    }
    tokens.push("bind", tmp, "/tmp");
    for (const dir of kept) tokens.push("rdonly", dir);
    tokens.push("cwd", r.mountPoint);
  }
  if (r.user !== null) tokens.push("user", r.user.name, String(r.user.uid), String(r.user.gid));
  hardeningTokens(tokens, r);
  networkTokens(tokens, r.network);
  for (const t of tokens) {
    // A NUL would split a token in two: refuse rather than launch something else.
    if (t.includes("\0")) throw new Error("a launch argument contains a NUL byte");
  }
  const payload = Buffer.from(`${tokens.join("\0")}\0`, "utf8");
  return Buffer.concat([Buffer.from(`${payload.length}\n`), payload]);
}

function hardeningTokens(tokens: string[], r: NativeLaunchRequest): void {
  const h = r.hardening;
  if (h === undefined) return;
  // In an image the host paths made read-only are out of sight: the rootfs is the container's.
  if (h.mountNamespace && r.rootfs === undefined) {
    if (!r.pidNamespace && r.mountPoint === null) tokens.push("mountns");
    for (const path of h.readOnly) tokens.push("rdonly", path);
    for (const path of h.rootReadOnly) tokens.push("rdonly-root", path);
  }
  if (h.capsMask !== null) tokens.push("caps", h.capsMask);
  if (h.nprocLimit !== null) tokens.push("nproc", String(h.nprocLimit));
}

/** Joins the namespace; the generated /etc files are bound over the host's in the
 *  container's own mount namespace. */
function networkTokens(tokens: string[], network: ContainerNetworkJoin | undefined): void {
  if (network === undefined) return;
  tokens.push("netns", network.netnsPath, "mountns");
  for (const [from, to] of network.files) tokens.push("netfile", from, to);
}

/** In a new mount namespace: the sandbox bound at /mnt/mesos/sandbox of the rootfs, then the
 *  pivot into it; the cwd is a path inside it. */
function rootfsTokens(sandboxDir: string, rootfs: ContainerRootfs): string[] {
  const mount = join(rootfs.dir, "mnt/mesos/sandbox");
  const overlay = rootfs.overlay === undefined ? [] : ["overlay", rootfs.overlay];
  // The provisioner made the mount point in the rootfs (the copy) or its view (the overlay:
  // in the upper dir or the image); made again on the host below an overlay it would be three
  // hidden directories more to create and remove on every image task.
  const made = rootfs.overlay === undefined ? ["mkdir", mount] : [];
  const bind = [...made, "bind", sandboxDir, mount];
  // Volumes after the sandbox, so those below it land on its mount; read-only once inside.
  const volumes = (rootfs.volumes ?? []).flatMap((v) => [
    "bind",
    v.from,
    join(rootfs.dir, v.to),
    ...(v.readOnly ? ["rdonly", v.to] : []),
  ]);
  return ["mountns", ...overlay, ...bind, ...volumes, "rootfs", rootfs.dir, "cwd", rootfs.cwd];
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** One line of the launcher's output ("S id pid", "F id message", "X id code signal"). */
export function decodeNativeReply(line: string): Reply | null {
  const [kind, idText, ...rest] = line.split(" ");
  const id = Number(idText);
  if (!Number.isInteger(id)) return null;
  switch (kind) {
    case "S":
      return { id, pid: Number(rest[0]) };
    case "F":
      return { id, error: rest.join(" ") };
    case "X": {
      const code = Number(rest[0]);
      const signal = Number(rest[1]);
      return {
        id,
        code: code < 0 ? null : code,
        signal: signal === 0 ? null : (SIGNAL_NAMES.get(signal) ?? "SIGKILL"),
      };
    }
    default:
      return null;
  }
}

/** `exitLog`: the file the launcher appends its containers' starts and ends to (exit-log.ts). */
export function nativeDialect(
  path: string,
  exitLog: string | null = null,
): LauncherDialect<NativeLaunchRequest> {
  return {
    file: path,
    args: exitLog === null ? [] : [exitLog],
    encode: encodeNativeRequest,
    decode: decodeNativeReply,
  };
}

// Shared helpers of the containerizer tests: throwaway sandboxes, a unique cgroups root per
// test file, bounded waiting for an observable event, and checks that nothing was left behind.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectCgroups } from "../../../src/agent/containerizer/cgroups-detect.ts";
import {
  type Containerizer,
  type ContainerizerOptions,
  createContainerizer,
  type LaunchConfig,
} from "../../../src/agent/containerizer/containerizer.ts";
import { encodeNativeRequest } from "../../../src/agent/containerizer/native-launcher.ts";
import {
  containerMembers,
  scanProcesses,
} from "../../../src/agent/containerizer/posix-isolator.ts";

export const PATH_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" };

/** What most containers in these tests get. */
export const SMALL = { cpus: 0.5, memMb: 64 };

/** A shell script's launch in `sandboxDir`, with only PATH set and SMALL resources unless `extra` says otherwise. */
export function shell(
  sandboxDir: string,
  script: string,
  extra: Partial<LaunchConfig> = {},
): LaunchConfig {
  return {
    sandboxDir,
    command: { shell: true, value: script },
    env: PATH_ENV,
    resources: SMALL,
    ...extra,
  };
}

/** A process that fills `mb` MB of memory and then idles (over a lower limit, it gets killed). */
export function memoryHog(
  sandboxDir: string,
  mb: number,
  resources: LaunchConfig["resources"],
): LaunchConfig {
  return {
    sandboxDir,
    command: {
      shell: false,
      value: process.execPath,
      arguments: [
        "node",
        "-e",
        `Buffer.alloc(${mb} * 1024 * 1024, 1); setTimeout(() => {}, 60000)`,
      ],
    },
    env: PATH_ENV,
    resources,
  };
}

export function uniqueRoot(tag: string): string {
  return `tessera-test-${tag}-${process.pid}`;
}

export function makeSandboxParent(): {
  dir: string;
  sandbox(name: string): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "tessera-ctr-"));
  return {
    dir,
    sandbox: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The launcher the containerizer tests use: the native one unless a test file that re-runs
 *  them through the Node helper (node-launcher.test.ts) asks for that. */
export function testLauncher(): "native" | "node" {
  return process.env.TESSERA_TEST_LAUNCHER === "node" ? "node" : "native";
}

export function make(options: ContainerizerOptions): Containerizer {
  const made = createContainerizer({ launcher: testLauncher(), ...options });
  if (!made.ok) throw new Error(`${made.code}: ${made.message}`);
  return made.value.containerizer;
}

export function readSandbox(sandbox: string, file: "stdout" | "stderr"): string {
  try {
    return readFileSync(join(sandbox, file), "utf8");
  } catch {
    return "";
  }
}

/** Whether any live (non-zombie) process remains in the session or process group. Zombies
 *  are excluded: orphans are reaped by init, on its own schedule. */
export function groupAlive(pgid: number): boolean {
  return containerMembers(scanProcesses(), pgid).length > 0;
}

/** Directories named `root` in any cgroup hierarchy (v1 controllers or cgroup2). */
export function cgroupRootDirs(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (name === root) out.push(path);
      else if (!name.startsWith("tessera")) visit(path, depth + 1);
    }
  };
  if (existsSync("/sys/fs/cgroup")) visit("/sys/fs/cgroup", 0);
  return out;
}

/** Container cgroups still present under `root` in any hierarchy. */
export function leftoverCgroups(root: string): string[] {
  return cgroupRootDirs(root).flatMap((dir) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name)),
  );
}

/** Why cgroups cannot be tested here, or null when both cpu and memory work. */
export function cgroupsUnavailable(root: string): string | null {
  const support = detectCgroups(root);
  if (!support.cpu.ok) return `cgroups/cpu unavailable: ${support.cpu.detail}`;
  if (!support.mem.ok) return `cgroups/mem unavailable: ${support.mem.detail}`;
  return null;
}

/** A native launcher's request (id 1) to run `value` with sh in `sandbox`, no cgroups or namespaces. */
export function plainShellRequest(name: string, value: string, sandbox: string): Buffer {
  return encodeNativeRequest(1, {
    name,
    command: { shell: true, value },
    sandboxDir: sandbox,
    env: { PATH: "/bin:/usr/bin" },
    stdoutPath: join(sandbox, "stdout"),
    stderrPath: join(sandbox, "stderr"),
    cgroupProcsFiles: [],
    pidNamespace: false,
    mountPoint: null,
    user: null,
  });
}

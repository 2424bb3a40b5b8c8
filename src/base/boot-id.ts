// What the agent reads about this boot of the machine: its id (changes on every reboot; the
// checkpoint and the containerizer's runtime log use it to tell state of an earlier boot) and
// when it started (to turn a process's start time in /proc into wall-clock time).
import { readFileSync } from "node:fs";

/** The host's boot id; undefined where the kernel does not expose one. */
export function readBootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

/** When this machine booted, ms since the epoch (`btime` of /proc/stat), or undefined. */
export function readBootTimeMs(): number | undefined {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1000;
  } catch {
    return undefined;
  }
}

// A bench master in a process of its own (bench/master-child.ts), so that what is measured is
// the master's CPU and not its load's: started with flags, asked for its CPU time over IPC,
// closed, or killed with SIGKILL (the failover benches' crash of the leader). Its soft
// open-file limit is raised to the hard one (bench/file-limit.ts).
// BENCH_MASTER_PROF=<dir>: each bench master writes a CPU profile there (node --cpu-prof; a
// SIGKILLed master writes none), or only of a window (profileStart / profileStop).
import { forkWithFileLimit } from "./file-limit.ts";

export interface ChildMaster {
  readonly url: string;
  readonly port: number;
  readonly id: string;
  readonly pid: number;
  /** The child's CPU time so far (user + system), in ms. */
  cpuMs(): Promise<number>;
  /** The child's resident set size, in bytes. */
  rssBytes(): Promise<number>;
  /** Times of the allocation cycles (ms) since last asked. */
  allocationMs(): Promise<number[]>;
  /** Profiles the master from now until `profileStop` (under BENCH_MASTER_PROF, if set). */
  profileStart(): Promise<void>;
  profileStop(): Promise<void>;
  close(): Promise<void>;
  /** SIGKILL, as a crash: resolves once the process is gone. */
  kill(): Promise<void>;
  /** With BENCH_MASTER_PROBE=1: what the child's probe saw since last asked (master-child.ts). */
  probe<T>(): Promise<T>;
}

export interface ChildMasterOptions {
  /** Extra node flags (e.g. a larger heap for tens of thousands of agents). */
  readonly nodeArgs?: readonly string[];
  /** Whether this master profiles its whole life under BENCH_MASTER_PROF (default true). */
  readonly profile?: boolean;
  /** Extra environment (e.g. BENCH_MASTER_PROBE=1, see master-child.ts). */
  readonly env?: Readonly<Record<string, string>>;
}

function profileFlags(): string[] {
  const dir = process.env.BENCH_MASTER_PROF;
  return dir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

/** Starts bench/master-child.ts with these flags and waits until it listens. */
export async function childMaster(
  flags: Record<string, string>,
  options: ChildMasterOptions = {},
): Promise<ChildMaster> {
  const child = forkWithFileLimit(
    new URL("./master-child.ts", import.meta.url).pathname,
    [JSON.stringify(flags)],
    [...(options.nodeArgs ?? []), ...(options.profile === false ? [] : profileFlags())],
    "ignore",
    options.env,
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once("message", (m) => resolve(m as T));
      child.once("exit", (code) => reject(new Error(`the bench master exited (${code})`)));
    });
  const { url, port, id } = await next<{ url: string; port: number; id: string }>();
  return {
    url,
    port,
    id,
    pid: child.pid ?? 0,
    async cpuMs() {
      const answer = next<{ cpu: NodeJS.CpuUsage }>();
      child.send("cpu");
      const { cpu } = await answer;
      return (cpu.user + cpu.system) / 1000;
    },
    async rssBytes() {
      const answer = next<{ rss: number }>();
      child.send("rss");
      return (await answer).rss;
    },
    async allocationMs() {
      const answer = next<{ allocationMs: number[] }>();
      child.send("allocations");
      return (await answer).allocationMs;
    },
    async profileStart() {
      if (process.env.BENCH_MASTER_PROF === undefined) return;
      const answer = next<unknown>();
      child.send("profile-start");
      await answer;
    },
    async profileStop() {
      if (process.env.BENCH_MASTER_PROF === undefined) return;
      const answer = next<unknown>();
      child.send("profile-stop");
      await answer;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send("close");
      await exited;
    },
    async probe<T>() {
      const answer = new Promise<T>((resolve) => {
        const on = (m: unknown) => {
          const p = (m as { probe?: T }).probe;
          if (p === undefined) return;
          child.off("message", on);
          resolve(p);
        };
        child.on("message", on);
      });
      child.send("probe");
      return answer;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

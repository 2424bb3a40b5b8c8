// The one Containerizer implementation, combining the chosen isolators: cgroups (v1 or v2)
// and/or posix for cpu and memory, a pid namespace, filesystem/linux, and disk/du (sandboxes
// measured, and the disk quota enforced if asked; disk-du.ts). See containerizer.ts
// for the contract and launcher.ts for how a process is started.

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../base/assert.ts";
import { readBootId, readBootTimeMs } from "../../base/boot-id.ts";
import type { ResourceStatistics } from "../../wire/usage.ts";
import type { CgroupBackend } from "./cgroup-fs.ts";
import {
  BYTES_PER_MB,
  type ContainerResources,
  cgroupLimits,
  validateResources,
} from "./cgroup-limits.ts";
import type { CgroupsSupport } from "./cgroups-detect.ts";
import { CgroupsV1 } from "./cgroups-v1.ts";
import { CgroupsV2 } from "./cgroups-v2.ts";
import type {
  Containerizer,
  ContainerizerErrorCode,
  ContainerizerResult,
  KnownContainer,
  LaunchConfig,
  RecoverResult,
} from "./containerizer.ts";
import { diskLimitation, diskUsageBytes } from "./disk-du.ts";
import type { IsolatorName } from "./isolation-flags.ts";
import { buildLaunchPlan, prepareSandbox } from "./launcher.ts";
import type { Tools } from "./namespaces-detect.ts";
import { type NativeLaunchRequest, nativeDialect } from "./native-launcher.ts";
import {
  containerMembers,
  posixStatistics,
  processEnded,
  readProcStat,
  scanProcesses,
  USER_HZ,
} from "./posix-isolator.ts";
import { findPasswdEntry } from "./proc-parse.ts";
import { type RuntimeEntry, RuntimeLog, sameProcess } from "./runtime-log.ts";
import {
  type HelperExit,
  type HelperSpawnResult,
  NODE_HELPER_DIALECT,
  SpawnHelper,
} from "./spawn-helper.ts";
import {
  type Limitation,
  memoryLimitation,
  polledMemoryLimitation,
  type Termination,
  waitStatusOf,
} from "./termination.ts";

export interface LinuxContainerizerConfig {
  readonly isolators: readonly IsolatorName[];
  readonly cgroups: CgroupsSupport;
  readonly tools: Tools;
  readonly cgroupsRoot: string;
  readonly enableCfs: boolean;
  readonly pollIntervalMs: number;
  readonly sandboxMountPoint: string;
  /** disk/du: how often sandboxes are measured, and whether a quota breach ends a container. */
  readonly diskWatchIntervalMs: number;
  readonly enforceDiskQuota: boolean;
  /** Where the containerizer records the containers it starts (runtime-log.ts); null: nowhere,
   *  and containers no checkpoint knows are not found after a crash. */
  readonly runtimeDir: string | null;
  /** The native launcher's binary, or null to launch through the Node helper and wrappers. */
  readonly nativeLauncher: string | null;
}

interface Container {
  readonly id: string;
  readonly pid: number;
  /** Started by our spawn helper, which reports its end. False for a recovered container
   *  (not ours) or when the helper died: its end is found by polling its pid. */
  ownChild: boolean;
  startTimeTicks: number | null;
  resources: ContainerResources | null;
  /** Its sandbox (disk/du measures it); null when unknown. */
  readonly sandboxDir: string | null;
  /** disk/du's last measure of the sandbox, in bytes. */
  diskUsedBytes: number | undefined;
  readonly inCgroups: boolean;
  limitation: Limitation | undefined;
  destroyRequested: boolean;
  ended: boolean;
  readonly termination: Promise<Termination>;
  readonly resolve: (t: Termination) => void;
  /** Resolved when the first process ended, before the cleanup (see Containerizer.exited). */
  readonly exited: Promise<Termination>;
  readonly resolveExited: (t: Termination) => void;
}

// Container ids become cgroup and path names: keep them to a safe alphabet (Mesos's are UUIDs).
const CONTAINER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;
// How many ended containers' terminations are kept for a late wait() (oldest dropped first).
const MAX_REMEMBERED_TERMINATIONS = 1024;
// While destroying a recovered container, how often to look whether its process is gone.
const DESTROY_POLL_MS = 10;

export class LinuxContainerizer implements Containerizer {
  private readonly live = new Map<string, Container>();
  private readonly ended = new Map<string, Termination>();
  /** Forks containers' first processes from a small process (see spawn-helper.ts). */
  private readonly native: SpawnHelper<NativeLaunchRequest> | null;
  private readonly helper: SpawnHelper | null;
  /** Containers whose first process is being started, by id. */
  private readonly launching = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private diskTimer: NodeJS.Timeout | null = null;
  /** The disk/du pass under way, if any (passes never overlap). */
  private measuring: Promise<void> | null = null;
  private readonly posixMem: boolean;
  private readonly diskDu: boolean;
  private readonly runtimeLog: RuntimeLog | null;
  private readonly cgroupMem: boolean;

  private constructor(
    private readonly config: LinuxContainerizerConfig,
    private readonly backend: (CgroupBackend & { cpuUsageSecs(id: string): number | null }) | null,
  ) {
    this.posixMem = config.isolators.includes("posix/mem");
    this.cgroupMem = config.isolators.includes("cgroups/mem");
    this.diskDu = config.isolators.includes("disk/du");
    this.runtimeLog =
      config.runtimeDir === null
        ? null
        : new RuntimeLog(join(config.runtimeDir, "containers.log"), readBootId());
    const native = config.nativeLauncher;
    this.native = native === null ? null : new SpawnHelper(nativeDialect(native));
    this.helper = native === null ? new SpawnHelper(NODE_HELPER_DIALECT) : null;
  }

  get isolators(): readonly IsolatorName[] {
    return this.config.isolators;
  }

  static create(config: LinuxContainerizerConfig): ContainerizerResult<LinuxContainerizer> {
    const cpu = config.isolators.includes("cgroups/cpu");
    const mem = config.isolators.includes("cgroups/mem");
    let backend: CgroupBackend | null = null;
    const version = cpu ? config.cgroups.cpu.version : mem ? config.cgroups.mem.version : null;
    try {
      if (version === 1) {
        const d = config.cgroups.detection.v1;
        const base = (p: typeof d.cpu) => (p.ok ? p.base : undefined);
        backend = new CgroupsV1(
          {
            cpu: cpu ? base(d.cpu) : undefined,
            cpuacct: cpu ? base(d.cpuacct) : undefined,
            memory: mem ? base(d.memory) : undefined,
          },
          config.cgroupsRoot,
        );
      } else if (version === 2) {
        const d = config.cgroups.detection.v2;
        const probe = cpu ? d.cpu : d.memory;
        assert(probe.ok, "a chosen cgroups v2 isolator has a usable base");
        const opened = CgroupsV2.open({ base: probe.base, cpu, memory: mem }, config.cgroupsRoot);
        if (!opened.ok) return opened;
        backend = opened.value;
      }
      if (config.isolators.includes("filesystem/linux")) {
        // The mount point must exist on the host to bind the sandbox onto it (as in Mesos).
        mkdirSync(config.sandboxMountPoint, { recursive: true });
      }
    } catch (e) {
      return { ok: false, code: "CGROUP_ERROR", message: (e as Error).message };
    }
    return { ok: true, value: new LinuxContainerizer(config, backend) };
  }

  containers(): string[] {
    return [...this.live.keys()];
  }

  async launch(
    containerId: string,
    launch: LaunchConfig,
  ): Promise<ContainerizerResult<{ pid: number }>> {
    if (!CONTAINER_ID_PATTERN.test(containerId)) {
      return fail("INVALID_CONTAINER_ID", `invalid container id '${containerId}'`);
    }
    if (
      this.live.has(containerId) ||
      this.launching.has(containerId) ||
      this.backend?.exists(containerId)
    ) {
      return fail("CONTAINER_EXISTS", `container '${containerId}' already exists`);
    }
    const invalid = validateResources(launch.resources);
    if (invalid !== null) return failKeepingSandbox(launch, "INVALID_RESOURCES", invalid);
    const user = this.resolveUser(launch.user);
    if (!user.ok) return failKeepingSandbox(launch, user.code, user.message);

    let procsFiles: string[] = [];
    if (this.backend !== null) {
      const made = this.backend.create(
        containerId,
        cgroupLimits(launch.resources, this.config.enableCfs),
      );
      if (!made.ok) {
        await this.backend.destroy(containerId);
        return failKeepingSandbox(launch, made.code, made.message);
      }
      procsFiles = made.value;
    }
    const started = this.start(launch, procsFiles, user.value);
    // destroy() of a container still being started waits for the start (see destroy()).
    this.launching.set(containerId, started);
    const spawned = await started;
    this.launching.delete(containerId);
    if (!spawned.ok) {
      if (this.backend !== null) await this.backend.destroy(containerId);
      return fail("LAUNCH_FAILED", spawned.message);
    }
    const container = this.track(
      containerId,
      spawned.pid,
      true,
      launch.resources,
      null,
      launch.sandboxDir,
    );
    this.runtimeLog?.launched({ containerId, pid: spawned.pid, startedAtMs: Date.now() });
    void spawned.exit.then((exit) => this.childEnded(container, exit));
    return { ok: true, value: { pid: spawned.pid } };
  }

  /** Asks the launcher to start the container's first process. The native launcher prepares
   *  the sandbox itself (off the agent's event loop); for the Node helper it is done here. */
  private start(
    launch: LaunchConfig,
    cgroupProcsFiles: string[],
    user: { name: string; uid: number; gid: number } | null,
  ): Promise<HelperSpawnResult> {
    const filesystem = this.config.isolators.includes("filesystem/linux");
    const pidNamespace = this.config.isolators.includes("namespaces/pid");
    if (this.native !== null) {
      return this.native.spawn({
        command: launch.command,
        sandboxDir: launch.sandboxDir,
        env: launch.env,
        stdoutPath: join(launch.sandboxDir, "stdout"),
        stderrPath: join(launch.sandboxDir, "stderr"),
        cgroupProcsFiles,
        pidNamespace,
        mountPoint: filesystem ? this.config.sandboxMountPoint : null,
        user,
      });
    }
    assert(this.helper !== null, "a launcher exists");
    const tools = this.config.tools;
    const plan = buildLaunchPlan({
      command: launch.command,
      cgroupProcsFiles,
      pidNamespace,
      filesystem: filesystem
        ? { sandboxDir: launch.sandboxDir, mountPoint: this.config.sandboxMountPoint }
        : null,
      user,
      tools: {
        sh: tools.sh,
        unshare: tools.unshare ?? "unshare",
        setpriv: tools.setpriv ?? "setpriv",
      },
    });
    let logs: { stdout: string; stderr: string };
    try {
      logs = prepareSandbox(launch.sandboxDir, user, filesystem);
    } catch (e) {
      return Promise.resolve({ ok: false, message: (e as Error).message });
    }
    return this.helper.spawn({
      plan,
      cwd: launch.sandboxDir,
      env: launch.env,
      stdoutPath: logs.stdout,
      stderrPath: logs.stderr,
    });
  }

  private childEnded(c: Container, exit: HelperExit): void {
    if (!exit.lost) {
      this.trackCleanup(this.finish(c, exit.code, exit.signal));
      return;
    }
    // The spawn helper died: watch the pid from now on, as for a recovered container.
    c.ownChild = false;
    c.startTimeTicks = readProcStat(c.pid)?.startTimeTicks ?? null;
    if (!c.ended) this.armPoller();
  }

  private resolveUser(
    user: string | undefined,
  ): ContainerizerResult<{ name: string; uid: number; gid: number } | null> {
    if (user === undefined) return { ok: true, value: null };
    let entry: ReturnType<typeof findPasswdEntry> = null;
    try {
      entry = findPasswdEntry(readFileSync("/etc/passwd", "utf8"), user);
    } catch {
      // No passwd file: every user is unknown.
    }
    if (entry === null) {
      return fail("UNKNOWN_USER", `Failed to launch as user '${user}': no such user on this agent`);
    }
    if (entry.uid === process.getuid?.()) return { ok: true, value: null };
    if (process.getuid?.() !== 0) {
      return fail(
        "USER_SWITCH_NOT_PERMITTED",
        `Failed to launch as user '${user}': the agent is not running as root`,
      );
    }
    if (this.native === null && this.config.tools.setpriv === null) {
      return fail("USER_SWITCH_NOT_PERMITTED", `Failed to launch as user '${user}': no setpriv`);
    }
    return { ok: true, value: { name: user, uid: entry.uid, gid: entry.gid } };
  }

  private track(
    id: string,
    pid: number,
    ownChild: boolean,
    resources: ContainerResources | null,
    startTimeTicks: number | null,
    sandboxDir: string | null,
  ): Container {
    let resolve!: (t: Termination) => void;
    const termination = new Promise<Termination>((r) => {
      resolve = r;
    });
    let resolveExited!: (t: Termination) => void;
    const exited = new Promise<Termination>((r) => {
      resolveExited = r;
    });
    const container: Container = {
      id,
      pid,
      ownChild,
      startTimeTicks,
      resources,
      sandboxDir,
      diskUsedBytes: undefined,
      inCgroups: this.backend?.exists(id) ?? false,
      limitation: undefined,
      destroyRequested: false,
      ended: false,
      termination,
      resolve,
      exited,
      resolveExited,
    };
    this.live.set(id, container);
    if (this.needsPolling(container)) this.armPoller();
    if (this.diskDu && sandboxDir !== null) this.armDiskWatch();
    return container;
  }

  private needsPolling(c: Container): boolean {
    return !c.ownChild || this.posixMem || (this.cgroupMem && c.inCgroups);
  }

  /** The first process ended: kill the rest, remove cgroups, then resolve wait(). */
  private async finish(
    c: Container,
    exitCode: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    if (c.ended) return;
    c.ended = true;
    if (c.limitation === undefined && this.cgroupMem && c.inCgroups) {
      c.limitation = this.oomLimitation(c);
    }
    const termination: Termination = {
      exitCode,
      signal,
      waitStatus: waitStatusOf(exitCode, signal),
      limitation: c.limitation,
      destroyed: c.destroyRequested,
    };
    c.resolveExited(termination);
    // Let the task's end be reported first: the cleanup below (kills, cgroup rmdirs) can take
    // milliseconds and is off the status update's path (see Containerizer.exited).
    await new Promise((resolve) => setImmediate(resolve));
    // With cgroups, emptying the cgroup below catches every descendant.
    if (!c.inCgroups) {
      killGroup(c.pid, "SIGKILL");
      await killSessionRest(c.pid);
    }
    if (this.backend !== null && c.inCgroups) {
      const removed = await this.backend.destroy(c.id);
      assert(removed.ok, `container ${c.id} cgroups removed: ${removed.ok ? "" : removed.message}`);
    }
    this.live.delete(c.id);
    this.runtimeLog?.ended(c.id);
    this.ended.set(c.id, termination);
    if (this.ended.size > MAX_REMEMBERED_TERMINATIONS) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    if (this.live.size === 0) {
      this.disarmPoller();
      this.disarmDiskWatch();
    }
    c.resolve(termination);
  }

  private oomLimitation(c: Container): Limitation | undefined {
    if (this.backend === null || this.backend.oomKillCount(c.id) === 0) return undefined;
    const limit = c.resources === null ? 0 : c.resources.memMb * BYTES_PER_MB;
    return memoryLimitation(limit, this.backend.memPeakBytes(c.id));
  }

  async wait(containerId: string): Promise<ContainerizerResult<Termination>> {
    const c = this.live.get(containerId);
    if (c !== undefined) return { ok: true, value: await c.termination };
    const t = this.ended.get(containerId);
    if (t !== undefined) return { ok: true, value: t };
    return fail("UNKNOWN_CONTAINER", `unknown container '${containerId}'`);
  }

  async exited(containerId: string): Promise<ContainerizerResult<Termination>> {
    const c = this.live.get(containerId);
    if (c !== undefined) return { ok: true, value: await c.exited };
    return this.wait(containerId);
  }

  update(containerId: string, resources: ContainerResources): ContainerizerResult<void> {
    const c = this.live.get(containerId);
    if (c === undefined) return fail("UNKNOWN_CONTAINER", `unknown container '${containerId}'`);
    const invalid = validateResources(resources);
    if (invalid !== null) return fail("INVALID_RESOURCES", invalid);
    c.resources = resources;
    if (this.backend !== null && c.inCgroups) {
      const updated = this.backend.update(
        containerId,
        cgroupLimits(resources, this.config.enableCfs),
      );
      if (!updated.ok) return updated;
    }
    return { ok: true, value: undefined };
  }

  usage(containerId: string): ContainerizerResult<ResourceStatistics> {
    const c = this.live.get(containerId);
    if (c === undefined) return fail("UNKNOWN_CONTAINER", `unknown container '${containerId}'`);
    const stats: ResourceStatistics = { timestamp: Date.now() / 1000 };
    if (this.config.isolators.some((i) => i.startsWith("posix/")) || !c.inCgroups) {
      Object.assign(stats, posixStatistics(containerMembers(scanProcesses(), c.pid)));
    }
    if (c.resources !== null) {
      stats.cpus_limit = c.resources.cpus;
      stats.mem_limit_bytes = c.resources.memMb * BYTES_PER_MB;
    }
    if (this.diskDu) {
      if (c.diskUsedBytes !== undefined) stats.disk_used_bytes = c.diskUsedBytes;
      const diskMb = c.resources?.diskMb ?? 0;
      if (diskMb > 0) stats.disk_limit_bytes = diskMb * BYTES_PER_MB;
    }
    if (this.backend !== null && c.inCgroups) {
      Object.assign(stats, this.backend.statistics(containerId));
    }
    return { ok: true, value: stats };
  }

  /** CPU seconds used, from the cgroup when there is one (finer than ResourceStatistics). */
  cpuUsageSecs(containerId: string): number | null {
    const c = this.live.get(containerId);
    if (c === undefined || this.backend === null || !c.inCgroups) return null;
    return this.backend.cpuUsageSecs(containerId);
  }

  async destroy(
    containerId: string,
    options: { gracePeriodMs: number },
  ): Promise<ContainerizerResult<Termination>> {
    await this.launching.get(containerId);
    const c = this.live.get(containerId);
    if (c === undefined) {
      const t = this.ended.get(containerId);
      if (t !== undefined) return { ok: true, value: t };
      return fail("UNKNOWN_CONTAINER", `unknown container '${containerId}'`);
    }
    c.destroyRequested = true;
    // Mesos's command executor: SIGTERM to the whole tree, SIGKILL after the grace period.
    // In a pid namespace the first process is `unshare`, which would die at once on SIGTERM
    // and take the namespace with it; it is spared so the processes inside get their grace
    // (like any pid 1, the namespace's init only receives the signals it handles).
    const namespaced = this.native === null && this.config.isolators.includes("namespaces/pid");
    this.signalTree(c, "SIGTERM", namespaced ? c.pid : null);
    if (options.gracePeriodMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"grace">((r) => {
        timer = setTimeout(() => r("grace"), options.gracePeriodMs);
      });
      await Promise.race([c.termination, graceOver, this.watchRecovered(c)]);
      clearTimeout(timer);
    }
    if (!c.ended) this.signalTree(c, "SIGKILL", null);
    await Promise.race([c.termination, this.watchRecovered(c)]);
    return { ok: true, value: await c.termination };
  }

  /** For a recovered container, polls its pid quickly and finishes it when gone. */
  private async watchRecovered(c: Container): Promise<void> {
    if (c.ownChild) return new Promise(() => {});
    while (!c.ended && !processEnded(c.pid, c.startTimeTicks)) {
      await new Promise((r) => setTimeout(r, DESTROY_POLL_MS));
    }
    await this.finish(c, null, null);
  }

  private signalTree(c: Container, signal: NodeJS.Signals, spare: number | null): void {
    const pids = new Set<number>();
    if (this.backend !== null && c.inCgroups) {
      for (const pid of this.backend.pids(c.id)) pids.add(pid);
    } else {
      for (const p of containerMembers(scanProcesses(), c.pid)) pids.add(p.pid);
    }
    if (spare === null) {
      killGroup(c.pid, signal);
    } else {
      pids.delete(spare);
    }
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  async recover(
    known: readonly KnownContainer[],
    options: { cgroupOrphans?: boolean } = {},
  ): Promise<RecoverResult> {
    const recovered: string[] = [];
    const gone: string[] = [];
    const knownIds = new Set(known.map((k) => k.containerId));
    for (const k of known) {
      if (this.live.has(k.containerId)) continue;
      const stat = readProcStat(k.pid);
      // Our container leaders are session leaders (setsid); anything else is a reused pid.
      const alive = stat !== null && stat.state !== "Z" && stat.session === k.pid;
      const c = this.track(
        k.containerId,
        k.pid,
        false,
        k.resources ?? null,
        stat?.startTimeTicks ?? null,
        k.sandboxDir ?? null,
      );
      if (alive) {
        recovered.push(k.containerId);
      } else {
        gone.push(k.containerId);
        await this.finish(c, null, null);
      }
    }
    const orphansRemoved: string[] = [];
    if (this.backend !== null && options.cgroupOrphans !== false) {
      for (const id of this.backend.list()) {
        if (knownIds.has(id) || this.live.has(id)) continue;
        const removed = await this.backend.destroy(id);
        if (removed.ok) orphansRemoved.push(id);
      }
    }
    if (this.runtimeLog !== null) {
      // Containers this containerizer started that no checkpoint knows: Mesos destroys them.
      const logged = this.runtimeLog.live();
      const bootMs = readBootTimeMs();
      const startedAtMs = (ticks: number) =>
        bootMs === undefined ? Number.NaN : bootMs + (ticks * 1000) / USER_HZ;
      for (const e of logged.values()) {
        if (knownIds.has(e.containerId) || this.live.has(e.containerId)) continue;
        const stat = readProcStat(e.pid);
        const running =
          stat !== null &&
          stat.state !== "Z" &&
          stat.session === e.pid &&
          sameProcess(e, startedAtMs(stat.startTimeTicks));
        // The leader gone, what is left of its session still has its id as session id (the
        // kernel does not hand out an id in use), so it too can be found and killed.
        const rest = stat === null && containerMembers(scanProcesses(), e.pid).length > 0;
        if (running || rest) {
          killGroup(e.pid, "SIGKILL");
          await killSessionRest(e.pid);
        }
        // Its cgroups are ours by the log, even where the process is gone.
        const cgroups = this.backend?.exists(e.containerId) === true;
        if (cgroups) await this.backend?.destroy(e.containerId);
        if ((running || rest || cgroups) && !orphansRemoved.includes(e.containerId)) {
          orphansRemoved.push(e.containerId);
        }
      }
      const still: RuntimeEntry[] = [];
      for (const c of this.live.values()) {
        const entry = logged.get(c.id);
        if (entry !== undefined) still.push(entry);
        else if (c.startTimeTicks !== null) {
          still.push({ containerId: c.id, pid: c.pid, startedAtMs: startedAtMs(c.startTimeTicks) });
        }
      }
      this.runtimeLog.rewrite(still.filter((e) => Number.isFinite(e.startedAtMs)));
    }
    return { recovered, gone, orphansRemoved };
  }

  /** Cleanups under way: an agent that stops waits for them, so no cgroup is left behind. */
  private readonly finishing = new Set<Promise<void>>();

  private trackCleanup(cleanup: Promise<void>): void {
    this.finishing.add(cleanup);
    void cleanup.finally(() => this.finishing.delete(cleanup));
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.finishing]);
  }

  close(): void {
    this.disarmPoller();
    this.disarmDiskWatch();
    this.runtimeLog?.close();
    // Running containers must not keep the agent's process alive once it is done with them.
    this.native?.close();
    this.helper?.close();
    this.backend?.removeRoot();
  }

  private armPoller(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.poll(), this.config.pollIntervalMs);
    this.timer.unref();
  }

  private disarmPoller(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private armDiskWatch(): void {
    if (this.diskTimer !== null) return;
    this.diskTimer = setInterval(() => void this.measureDisks(), this.config.diskWatchIntervalMs);
    this.diskTimer.unref();
  }

  private disarmDiskWatch(): void {
    if (this.diskTimer === null) return;
    clearInterval(this.diskTimer);
    this.diskTimer = null;
  }

  /** disk/du: measures every live container's sandbox, one after another; with the quota
   *  enforced, a container over its `disk` is ended as Mesos ends it (SIGKILL, limitation). */
  measureDisks(): Promise<void> {
    this.measuring ??= (async () => {
      for (const c of [...this.live.values()]) {
        if (c.ended || c.sandboxDir === null) continue;
        const used = await diskUsageBytes(c.sandboxDir);
        if (c.ended) continue;
        c.diskUsedBytes = used;
        if (!this.config.enforceDiskQuota || c.limitation !== undefined) continue;
        const limitation = diskLimitation(used, c.resources?.diskMb ?? 0);
        if (limitation === null) continue;
        c.limitation = limitation;
        this.signalTree(c, "SIGKILL", null);
      }
    })().finally(() => {
      this.measuring = null;
    });
    return this.measuring;
  }

  /** One pass: memory limits (posix), OOM kills (cgroups), and recovered containers' ends. */
  private poll(): void {
    const all = this.posixMem ? scanProcesses() : null;
    for (const c of this.live.values()) {
      if (c.ended) continue;
      if (!c.ownChild && processEnded(c.pid, c.startTimeTicks)) {
        this.trackCleanup(this.finish(c, null, null));
        continue;
      }
      if (c.limitation !== undefined) continue;
      if (this.cgroupMem && c.inCgroups) {
        c.limitation = this.oomLimitation(c);
      } else if (all !== null && c.resources !== null) {
        const rss = posixStatistics(containerMembers(all, c.pid)).mem_rss_bytes ?? 0;
        c.limitation = polledMemoryLimitation(rss, c.resources.memMb * BYTES_PER_MB) ?? undefined;
      }
      // Mesos destroys a container as soon as an isolator reports a limitation.
      if (c.limitation !== undefined) this.signalTree(c, "SIGKILL", null);
    }
  }
}

// After SIGKILL the kernel still needs a moment to tear processes down; one alive past this
// bound is stuck in the kernel (D state) and is left behind rather than hanging wait().
const SESSION_GONE_TIMEOUT_MS = 5_000;
const SESSION_GONE_POLL_MS = 5;

/**
 * SIGKILLs what is left of a posix container's session and process group until nothing
 * (but zombies) remains. Orphaned zombies are ignored: reaping them is init's job, and a slow
 * init must not delay the container's end. The common case (nothing left) costs one kill(2).
 */
async function killSessionRest(leaderPid: number): Promise<void> {
  try {
    process.kill(-leaderPid, 0);
  } catch {
    return;
  }
  const deadline = Date.now() + SESSION_GONE_TIMEOUT_MS;
  for (;;) {
    const members = containerMembers(scanProcesses(), leaderPid);
    if (members.length === 0 || Date.now() > deadline) return;
    for (const p of members) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
    await new Promise((r) => setTimeout(r, SESSION_GONE_POLL_MS));
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is empty.
  }
}

/**
 * A launch that failed before its process was started still leaves its sandbox, as Mesos
 * does, so that the task's files can be browsed (the launcher creates it on every other path).
 */
function failKeepingSandbox<T>(
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

function fail<T>(code: ContainerizerErrorCode, message: string): ContainerizerResult<T> {
  return { ok: false, code, message };
}

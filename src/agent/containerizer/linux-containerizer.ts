// The one Containerizer implementation, combining the chosen isolators: cgroups (v1 or v2)
// and/or posix for cpu and memory, a pid namespace, filesystem/linux, and disk/du (sandboxes
// measured, and the disk quota enforced if asked; disk-du.ts). See containerizer.ts
// for the contract and launcher.ts for how a process is started.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { readBootId } from "../../base/boot-id.ts";
import type { ResourceStatistics } from "../../wire/usage.ts";
import { openCgroupBackend } from "./cgroup-backend.ts";
import type { CgroupBackend } from "./cgroup-fs.ts";
import {
  BYTES_PER_MB,
  type ContainerResources,
  cgroupLimits,
  validateResources,
} from "./cgroup-limits.ts";
import type { CgroupsSupport } from "./cgroups-detect.ts";
import { type Container, newContainer } from "./container-record.ts";
import { type RecoveringContainerizer, recoverContainers } from "./container-recovery.ts";
import { containerPids, containerUsage } from "./container-usage.ts";
import { resolveContainerUser } from "./container-user.ts";
import {
  measureSandboxes,
  pollContainers,
  Repeating,
  type WatchedIsolators,
} from "./container-watch.ts";
import type {
  Containerizer,
  ContainerizerErrors,
  ContainerizerResult,
  KnownContainer,
  LaunchConfig,
  RecoverResult,
} from "./containerizer.ts";
import { EXIT_LOG_WAIT_MS, ExitLog } from "./exit-log.ts";
import {
  fail,
  failKeepingSandbox,
  type Launchers,
  makeLaunchers,
  startFirstProcess,
} from "./first-process.ts";
import type { IsolatorName } from "./isolation-flags.ts";
import type { Tools } from "./namespaces-detect.ts";
import { processEnded, readProcStat } from "./posix-isolator.ts";
import { killGroup, killSessionRest, signalContainer } from "./process-kill.ts";
import { RuntimeLog } from "./runtime-log.ts";
import type { HelperExit } from "./spawn-helper.ts";
import {
  type Limitation,
  memoryLimitation,
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
  /** filesystem/linux: directories below /tmp kept visible in containers (launcher-dirs.ts). */
  readonly launcherDirs: readonly string[];
  /** disk/du: how often sandboxes are measured, and whether a quota breach ends a container. */
  readonly diskWatchIntervalMs: number;
  readonly enforceDiskQuota: boolean;
  /** cgroups/pids's pids.max per container, else RLIMIT_NPROC (task-hardening.ts); 0: none. */
  readonly pidsLimit: number;
  /** Where the containerizer records the containers it starts (runtime-log.ts); null: nowhere,
   *  and containers no checkpoint knows are not found after a crash. */
  readonly runtimeDir: string | null;
  /** The native launcher's binary, or null to launch through the Node helper and wrappers. */
  readonly nativeLauncher: string | null;
  /** Told of each operating error, to log it. */
  readonly onError: (message: string) => void;
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
  private readonly launchers: Launchers;
  /** Containers whose first process is being started, by id. */
  private readonly launching = new Map<string, Promise<unknown>>();
  private readonly poller: Repeating;
  private readonly diskWatch: Repeating;
  private readonly watched: WatchedIsolators;
  /** The disk/du pass under way, if any (passes never overlap). */
  private measuring: Promise<void> | null = null;
  private readonly posixMem: boolean;
  private readonly diskDu: boolean;
  private readonly runtimeLog: RuntimeLog | null;
  /** Where the native launcher logs its containers' ends, for the next agent (exit-log.ts). */
  private readonly exitLog: ExitLog | null;
  /** Containers not the agent's child whose end is being looked up in the exit log. */
  private readonly endingNotChild = new Set<string>();
  private readonly cgroupMem: boolean;
  /** Containers whose cleanup failed (a cgroup left behind), since start. */
  private cleanupErrors = 0;

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
        : new RuntimeLog(join(config.runtimeDir, "containers.log"), readBootId(), config.onError);
    this.exitLog =
      config.runtimeDir === null ? null : new ExitLog(join(config.runtimeDir, "exits.log"));
    this.watched = {
      posixMem: this.posixMem,
      cgroupMem: this.cgroupMem,
      enforceDiskQuota: config.enforceDiskQuota,
      oomLimitation: (c) => this.oomLimitation(c),
      kill: (c) => signalContainer(c, this.backend, "SIGKILL", null),
      gone: (c) => this.trackCleanup(this.finishNotChild(c)),
    };
    this.poller = new Repeating(config.pollIntervalMs, () =>
      pollContainers(this.live.values(), this.watched),
    );
    this.diskWatch = new Repeating(config.diskWatchIntervalMs, () => void this.measureDisks());
    this.launchers = makeLaunchers(config, this.exitLog?.path ?? null);
  }

  get isolators(): readonly IsolatorName[] {
    return this.config.isolators;
  }

  static create(config: LinuxContainerizerConfig): ContainerizerResult<LinuxContainerizer> {
    let backend: CgroupBackend | null;
    try {
      const { isolators, cgroups, cgroupsRoot, pidsLimit } = config;
      const opened = openCgroupBackend(isolators, cgroups, cgroupsRoot, pidsLimit);
      if (!opened.ok) return opened;
      backend = opened.value;
      // The launcher opens its exit log there when it starts.
      if (config.runtimeDir !== null) mkdirSync(config.runtimeDir, { recursive: true });
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

  pids(containerId: string): number[] {
    const c = this.live.get(containerId);
    return c === undefined ? [] : containerPids(c, this.backend);
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
    const user = resolveContainerUser(
      launch.user,
      this.launchers.native !== null || this.config.tools.setpriv !== null,
    );
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
    const started = startFirstProcess(this.launchers, containerId, launch, procsFiles, user.value);
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

  private childEnded(c: Container, exit: HelperExit): void {
    if (!exit.lost) {
      this.trackCleanup(this.finish(c, exit.code, exit.signal));
      return;
    }
    // The spawn helper died: watch the pid from now on, as for a recovered container.
    c.ownChild = false;
    c.startTimeTicks = readProcStat(c.pid)?.startTimeTicks ?? null;
    if (!c.ended) this.poller.arm();
  }

  private track(
    id: string,
    pid: number,
    ownChild: boolean,
    resources: ContainerResources | null,
    startTimeTicks: number | null,
    sandboxDir: string | null,
  ): Container {
    const inCgroups = this.backend?.exists(id) ?? false;
    const container = newContainer({
      id,
      pid,
      ownChild,
      resources,
      startTimeTicks,
      sandboxDir,
      inCgroups,
    });
    this.live.set(id, container);
    if (this.needsPolling(container)) this.poller.arm();
    if (this.diskDu && sandboxDir !== null) this.diskWatch.arm();
    return container;
  }

  private needsPolling(c: Container): boolean {
    return !c.ownChild || this.posixMem || (this.cgroupMem && c.inCgroups);
  }

  /**
   * The first process ended: kill the rest, remove cgroups, then resolve wait(). A cleanup
   * that fails (a cgroup the kernel will not let go, a process stuck in D state) is an
   * operating error: counted, carried in the termination, and wait() still resolves.
   */
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
    const exited: Termination = {
      exitCode,
      signal,
      waitStatus: waitStatusOf(exitCode, signal),
      limitation: c.limitation,
      destroyed: c.destroyRequested,
    };
    c.resolveExited(exited);
    let cleanupError: string | undefined;
    try {
      // Let the task's end be reported first: the cleanup below (kills, cgroup rmdirs) can take
      // milliseconds and is off the status update's path (see Containerizer.exited).
      await new Promise((resolve) => setImmediate(resolve));
      cleanupError = await this.cleanUp(c);
    } catch (error) {
      cleanupError = `container ${c.id} cleanup failed: ${(error as Error).message}`;
    }
    if (cleanupError !== undefined) {
      this.cleanupErrors++;
      this.config.onError(cleanupError);
    }
    const termination = cleanupError === undefined ? exited : { ...exited, cleanupError };
    this.live.delete(c.id);
    this.runtimeLog?.ended(c.id);
    this.ended.set(c.id, termination);
    if (this.ended.size > MAX_REMEMBERED_TERMINATIONS) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    if (this.live.size === 0) {
      this.poller.disarm();
      this.diskWatch.disarm();
      this.exitLog?.compactIfIdle(this.launching.size === 0);
    }
    c.resolve(termination);
  }

  /** Kills what is left of the container and removes its cgroups; what failed, if anything. */
  private async cleanUp(c: Container): Promise<string | undefined> {
    // With cgroups, emptying the cgroup below catches every descendant.
    if (!c.inCgroups) {
      killGroup(c.pid, "SIGKILL");
      await killSessionRest(c.pid);
    }
    if (this.backend === null || !c.inCgroups) return undefined;
    const removed = await this.backend.destroy(c.id);
    return removed.ok
      ? undefined
      : `container ${c.id}'s cgroups could not be removed: ${removed.message}`;
  }

  errors(): ContainerizerErrors {
    return { destroy: this.cleanupErrors, runtimeLog: this.runtimeLog?.failures ?? 0 };
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
    const posix = this.config.isolators.some((i) => i.startsWith("posix/"));
    return { ok: true, value: containerUsage(c, this.backend, posix, this.diskDu) };
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
    const namespaced = this.launchers.native === null && this.launchers.pidNamespace;
    signalContainer(c, this.backend, "SIGTERM", namespaced ? c.pid : null);
    if (options.gracePeriodMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"grace">((r) => {
        timer = setTimeout(() => r("grace"), options.gracePeriodMs);
      });
      await Promise.race([c.termination, graceOver, this.watchRecovered(c)]);
      clearTimeout(timer);
    }
    if (!c.ended) signalContainer(c, this.backend, "SIGKILL", null);
    await Promise.race([c.termination, this.watchRecovered(c)]);
    return { ok: true, value: await c.termination };
  }

  /** For a recovered container, polls its pid quickly and finishes it when gone. */
  private async watchRecovered(c: Container): Promise<void> {
    if (c.ownChild) return new Promise(() => {});
    while (!c.ended && !processEnded(c.pid, c.startTimeTicks)) {
      await new Promise((r) => setTimeout(r, DESTROY_POLL_MS));
    }
    await this.finishNotChild(c);
  }

  /** A container that is not the agent's child ended: its status is the one its launcher
   *  logged (the agent that started it is gone), or unknown. */
  private async finishNotChild(c: Container, waitMs = EXIT_LOG_WAIT_MS): Promise<void> {
    if (c.ended || this.endingNotChild.has(c.id)) return;
    this.endingNotChild.add(c.id);
    const logged = await this.exitLog?.exitOf(c.id, waitMs);
    this.endingNotChild.delete(c.id);
    await this.finish(c, logged?.code ?? null, logged?.signal ?? null);
  }

  async recover(
    known: readonly KnownContainer[],
    options: { cgroupOrphans?: boolean } = {},
  ): Promise<RecoverResult> {
    const host: RecoveringContainerizer = {
      backend: this.backend,
      runtimeLog: this.runtimeLog,
      isLive: (id) => this.live.has(id),
      live: () => this.live.values(),
      adopt: (k, startTimeTicks) =>
        this.track(
          k.containerId,
          k.pid,
          false,
          k.resources ?? null,
          startTimeTicks,
          k.sandboxDir ?? null,
        ),
      finish: (c) => this.finishNotChild(c),
      loggedPid: (id) => this.runtimeLog?.live().get(id)?.pid ?? this.exitLog?.startedPid(id),
      loggedEnd: (id) => this.exitLog?.hasEnded(id) === true,
    };
    return recoverContainers(host, known, options.cgroupOrphans !== false);
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
    this.poller.disarm();
    this.diskWatch.disarm();
    this.runtimeLog?.close();
    // Running containers must not keep the agent's process alive once it is done with them.
    this.launchers.native?.close();
    this.launchers.helper?.close();
    this.backend?.removeRoot();
  }

  /** disk/du: measures every live container's sandbox now (passes never overlap). */
  measureDisks(): Promise<void> {
    this.measuring ??= measureSandboxes([...this.live.values()], this.watched).finally(() => {
      this.measuring = null;
    });
    return this.measuring;
  }
}

// Launching and ending containers for the agent core's `launch_container` / `destroy_container`
// outputs: the sandbox and its fetched URIs, the executor's environment and user, the hosted
// command executor (src/agent/executor/command-executor.ts) or a custom executor's process,
// the pid file recovery re-attaches by, and each container's end fed back as an input. Also
// KILL_CONTAINER for the operator API, and the sandbox garbage collector that takes every
// ended container's run directory.
import { mkdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { constants as osConstants, userInfo } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { processTls, tlsEnvironment } from "../http/tls.ts";
import type { ExecutorInfo } from "../wire/task.ts";
import type { Containerizer, Termination } from "./containerizer/containerizer.ts";
import { attachVolumes, detachVolumes } from "./containerizer/volume-mounts.ts";
import type { AgentInput, ContainerLaunch } from "./core/types.ts";
import {
  DEFAULT_KILL_GRACE_MS,
  type ExecutorOutcome,
  HostedCommandExecutor,
} from "./executor/command-executor.ts";
import { defaultExecutorCommand } from "./executor/default-executor-command.ts";
import {
  type LocalExecutorEndpoint,
  LocalExecutorTransport,
} from "./executor/executor-transport.ts";
import { fetchUris } from "./executor/fetcher.ts";
import type { AgentCommandFlags } from "./flags.ts";
import type { KillContainerResult } from "./http/endpoints.ts";
import { executorToken } from "./http/security.ts";
import {
  ContainerImages,
  enterContainer,
  envInImage,
  launchInImage,
} from "./images/container-images.ts";
import {
  containerResources,
  type HostedHow,
  inheritedEnv,
  pidFile,
  runsAsRoot,
  type Staged,
} from "./launch-helpers.ts";
import { agentCniIsolator, type CniIsolator } from "./network/cni-isolator.ts";
import { SandboxGc, type SandboxGcStats } from "./sandbox-gc.ts";
import { dockerLaunchFor } from "./with-docker.ts";

export type { RecoveredHosted } from "./launch-helpers.ts";
export { containerResources, pidFile } from "./launch-helpers.ts";

type ContainerWait = Promise<{ ok: true; value: Termination } | { ok: false }>;

export interface LaunchingParts {
  flags: AgentCommandFlags;
  logger: Logger;
  containerizer: Containerizer;
  /** Feeds an input to the core (the dispatcher). */
  dispatch(input: AgentInput): void;
  agentId(): string | undefined;
  /** Where hosted command executors make their calls (in-process, see executor-transport.ts). */
  endpoint: LocalExecutorEndpoint;
}

export class Launching {
  readonly #flags: AgentCommandFlags;
  readonly #logger: Logger;
  readonly #containerizer: Containerizer;
  readonly #dispatch: (input: AgentInput) => void;
  readonly #agentId: () => string | undefined;
  readonly #transport: LocalExecutorTransport;
  readonly #hosted = new Map<string, HostedCommandExecutor>();
  readonly #waited = new Set<string>();
  /** Launches under way (fetching, starting), by container: a destroy or kill that comes
   *  meanwhile waits for it, so that what the launch starts is what it ends. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Sandbox (run directory) of each container launched or recovered, until it ends. */
  readonly #sandboxes = new Map<string, string>();
  /** Sandboxes that may hold volume mounts, by container: taken down when it ends. */
  readonly #withVolumes = new Map<string, string>();
  readonly #gc: SandboxGc;
  /** network/cni: the containers' own networks (src/agent/network). */
  readonly networks: CniIsolator;
  /** The image support; nested containers with their own image use it (src/agent/nested). */
  readonly images: ContainerImages;
  #gcStarting: Promise<void> | undefined;
  #closed = false;
  readonly #user = userInfo().username;
  /** Read once: copying process.env costs a lookup per variable on every launch. */
  #inheritedEnv: Readonly<Record<string, string>> | undefined;

  constructor(parts: LaunchingParts) {
    this.#flags = parts.flags;
    this.#logger = parts.logger;
    this.#containerizer = parts.containerizer;
    this.#dispatch = parts.dispatch;
    this.#agentId = parts.agentId;
    this.#transport = new LocalExecutorTransport(parts.endpoint);
    this.networks = agentCniIsolator(parts.flags, (m) => this.#logger.warn(m));
    this.images = new ContainerImages(parts.flags.images, parts.flags.workDir, parts.logger);
    this.#gc = new SandboxGc({
      workDir: parts.flags.workDir,
      gcDelayMs: parts.flags.gcDelayMs,
      diskHeadroom: parts.flags.gcDiskHeadroom,
      diskWatchIntervalMs: parts.flags.diskWatchIntervalMs,
      logger: parts.logger,
    });
  }

  // --- sandboxes ---------------------------------------------------------------------------

  /** Schedules the sandboxes of containers that ended before this start, then checks the
   *  disk every --disk_watch_interval (sandbox-gc.ts). The walk of the work dir runs beside the
   *  agent's start, not before it: a large work dir must not hold up registration. */
  startSandboxGc(): void {
    const live = new Set(this.#containerizer.containers());
    this.#gcStarting = (async () => {
      await this.#gc.scheduleLeftovers((id) => live.has(id) || this.#sandboxes.has(id));
      const trash = await this.#gc.removeCheckpointTrash();
      if (trash > 0) this.#logger.info({ trash }, "removed checkpoint trash left by a crash");
      if (!this.#closed) this.#gc.start();
    })().catch((error: unknown) => {
      this.#logger.error({ err: error }, "could not start the sandbox garbage collector");
    });
  }

  pullProgress(containerId: string) {
    return this.images.pullProgress(containerId);
  }

  gcStats(): SandboxGcStats {
    return this.#gc.stats();
  }

  /** A recovered container's run directory, collected once it ends. */
  adoptSandbox(containerId: string, directory: string): void {
    this.#sandboxes.set(containerId, directory);
    // Whether the previous run mounted volumes into it is not known here: checked at its end.
    this.#withVolumes.set(containerId, directory);
  }

  /** A container ended (or never started): its sandbox waits for the garbage collector. */
  #sandboxDone(containerId: string): void {
    this.#detachVolumes(containerId);
    void this.networks.detach(containerId);
    void this.images.release(containerId);
    const dir = this.#sandboxes.get(containerId);
    if (dir === undefined) return;
    this.#sandboxes.delete(containerId);
    this.#gc.schedule(dir);
  }

  /** The volumes' mounts go with the container; their data stays (containers.md §5). */
  #detachVolumes(containerId: string): void {
    const dir = this.#withVolumes.get(containerId);
    if (dir === undefined) return;
    this.#withVolumes.delete(containerId);
    const stuck = detachVolumes(dir);
    if (stuck.length > 0) this.#logger.warn({ stuck }, "could not unmount persistent volumes");
  }

  // --- launching ---------------------------------------------------------------------------

  shutdownGraceMs(info: ExecutorInfo): number {
    const ns = info.shutdown_grace_period?.nanoseconds;
    return ns === undefined ? this.#flags.executorShutdownGracePeriodMs : ns / 1e6;
  }

  /** Mesos's `--switch_user`: tasks run as the user named for them, or all as the agent's. */
  #userFor(user: string): string | undefined {
    if (!this.#flags.switchUser) return undefined;
    return user === "" || user === this.#user ? undefined : user;
  }

  /** Launches; whatever fails (a full disk included) ends as `container_launch_failed`. */
  async launch(launch: ContainerLaunch): Promise<void> {
    const started = this.#launch(launch).catch((error: unknown) => {
      this.#launchFailed(launch.containerId, (error as Error).message);
    });
    this.#inFlight.set(launch.containerId, started);
    await started;
    this.#inFlight.delete(launch.containerId);
  }

  /**
   * What a launch needs before its container starts: the user, the Docker or image choice,
   * fetched URIs, volumes and the network. Undefined when the launch has failed (reported).
   */
  async #stage(launch: ContainerLaunch): Promise<Staged | undefined> {
    const { containerId } = launch;
    const user = this.#userFor(launch.user);
    if (!this.#flags.allowRootTasks && runsAsRoot(user)) {
      this.#launchFailed(
        containerId,
        `Refusing to run as root (user '${user ?? this.#user}'): the agent runs with --allow_root_tasks=false`,
      );
      return undefined;
    }
    const { container } = launch.executorInfo;
    // A DOCKER container for the Docker containerizer: the engine has the image and network.
    const docker = dockerLaunchFor(this.#flags, container, launch.resources);
    if (docker === undefined && !this.#flags.docker.mesos) {
      this.#launchFailed(
        containerId,
        "No containerizer for a non-DOCKER container (--containerizers has no mesos)",
      );
      return undefined;
    }
    const prepared =
      docker === undefined
        ? await this.images.prepare(containerId, container, launch.directory)
        : ({ ok: true, image: undefined } as const);
    if (!prepared.ok) {
      this.#launchFailed(containerId, prepared.message);
      return undefined;
    }
    const image = prepared.image;
    // The containerizer creates the sandbox as it launches (the native launcher does it off
    // this event loop); only fetching needs it earlier.
    const uris = launch.executorInfo.command?.uris ?? [];
    if (uris.length > 0) {
      try {
        mkdirSync(launch.directory, { recursive: true });
      } catch (error) {
        this.#launchFailed(containerId, String(error));
        return undefined;
      }
      const fetched = await fetchUris(uris, launch.directory);
      if (!fetched.ok) {
        this.#launchFailed(containerId, fetched.message);
        return undefined;
      }
    }
    const volumes = attachVolumes(this.#flags.workDir, launch.directory, launch.resources, {
      mount: this.#containerizer.isolators.includes("filesystem/linux"),
      warn: (message) => this.#logger.warn({ containerId }, message),
    });
    if (!volumes.ok) {
      this.#launchFailed(containerId, volumes.message);
      return undefined;
    }
    if (volumes.attached.length > 0) this.#withVolumes.set(containerId, launch.directory);
    const joined =
      docker === undefined
        ? await this.networks.attach(containerId, container, launch.resources)
        : ({ ok: true, value: undefined } as const);
    if (!joined.ok) {
      this.#launchFailed(containerId, joined.message);
      return undefined;
    }
    return { user, docker, image, network: joined.value };
  }

  async #launch(launch: ContainerLaunch): Promise<void> {
    const { containerId } = launch;
    const staged = await this.#stage(launch);
    if (staged === undefined) return;
    const { user, docker, image, network } = staged;
    // With TLS on, executors reach the agent over https the way it is configured (Mesos's
    // executors read the same LIBPROCESS_SSL_* variables), flags included.
    this.#inheritedEnv ??= {
      ...(this.#flags.executorEnvironmentVariables ?? inheritedEnv()),
      ...tlsEnvironment(processTls()),
    };
    // The engine merges the image's Env; the agent's own environment is not the container's.
    const env = envInImage(image, docker === undefined ? this.#inheritedEnv : {}, launch.env);
    const resources = containerResources(launch.resources);
    if (launch.commandExecutor) {
      const hosted = this.hostedExecutor(launch, {
        env,
        user,
        resources,
        shutdownGraceMs: this.shutdownGraceMs(launch.executorInfo),
        network,
        image,
        docker,
      });
      this.#dispatch({ kind: "container_launched", containerId });
      void hosted.start();
      return;
    }
    // Mesos's DEFAULT executor (LAUNCH_GROUP) comes with no command: the agent runs its own.
    const command =
      launch.executorInfo.type === "DEFAULT" && launch.executorInfo.command?.value === undefined
        ? { ...launch.executorInfo.command, ...defaultExecutorCommand() }
        : launch.executorInfo.command;
    if (command?.value === undefined) {
      this.#launchFailed(containerId, "ExecutorInfo has no command");
      return;
    }
    // A custom executor's token (the built-in one runs inside the agent and needs none).
    const { authenticateHttpExecutors, jwtSecretKey: jwtKey } = this.#flags.security;
    if (authenticateHttpExecutors && jwtKey !== undefined)
      env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN = executorToken(jwtKey, launch);
    this.#sandboxes.set(containerId, launch.directory);
    const inImage = launchInImage(image, {
      shell: command.shell !== false,
      value: command.value,
      arguments: command.arguments,
    });
    if (!inImage.ok) {
      this.#sandboxDone(containerId);
      this.#launchFailed(containerId, inImage.message);
      return;
    }
    const started = await this.#containerizer.launch(containerId, {
      sandboxDir: launch.directory,
      command: inImage.command,
      env,
      user,
      resources,
      network,
      rootfs: inImage.rootfs,
      docker,
    });
    if (!started.ok) {
      this.#launchFailed(containerId, started.message);
      return;
    }
    const recorded = await this.#writePid(launch, started.value.pid);
    if (recorded !== undefined) {
      // A container recovery could not find again must not run: it is destroyed, and its
      // end is the launch's failure.
      await this.#containerizer.destroy(containerId, { gracePeriodMs: 0 });
      this.#sandboxDone(containerId);
      this.#launchFailed(containerId, recorded);
      return;
    }
    this.#dispatch({ kind: "container_launched", containerId });
    this.watch(containerId, this.#containerizer.wait(containerId));
  }

  #launchFailed(containerId: string, message: string): void {
    this.#detachVolumes(containerId);
    void this.networks.detach(containerId);
    void this.images.release(containerId);
    this.#dispatch({ kind: "container_launch_failed", containerId, message });
  }

  /** A command executor hosted in this process, for a new container or a recovered one. */
  hostedExecutor(
    launch: Pick<
      ContainerLaunch,
      "containerId" | "frameworkId" | "executorId" | "directory" | "checkpoint"
    >,
    how: HostedHow,
  ): HostedCommandExecutor {
    const { containerId } = launch;
    this.#sandboxes.set(containerId, launch.directory);
    let waitPromise = how.recoveredWait;
    const hosted = new HostedCommandExecutor({
      transport: this.#transport,
      frameworkId: launch.frameworkId,
      executorId: launch.executorId,
      env: how.env,
      sandboxDir: launch.directory,
      shutdownGracePeriodMs: how.shutdownGraceMs,
      recovered: how.recovered,
      commandFromImage: how.image !== undefined || how.docker !== undefined,
      runner: {
        launch: async (command, taskEnv) => {
          const inImage = launchInImage(how.image, command);
          if (!inImage.ok) return inImage;
          const started = await this.#containerizer.launch(containerId, {
            sandboxDir: launch.directory,
            command: inImage.command,
            env: taskEnv,
            user: how.user,
            resources: how.resources,
            network: how.network,
            rootfs: inImage.rootfs,
            docker: how.docker,
          });
          if (!started.ok) return { ok: false, message: started.message };
          // The task's end is reported when its process ends (Mesos's executor reaps its
          // child); the container's cleanup runs meanwhile and is awaited in #hostedExit.
          waitPromise = this.#containerizer
            .exited(containerId)
            .then((r) => (r.ok ? r.value : undefined));
          const recorded = launch.checkpoint
            ? await this.#writePid(launch, started.value.pid)
            : undefined;
          if (recorded === undefined) return { ok: true };
          await this.#containerizer.destroy(containerId, { gracePeriodMs: 0 });
          return { ok: false, message: recorded };
        },
        wait: () => waitPromise ?? Promise.resolve(undefined),
        kill: async (gracePeriodMs) => {
          await this.#containerizer.destroy(containerId, { gracePeriodMs });
        },
        inContainer: how.image && (() => enterContainer(this.#containerizer.pids(containerId))),
      },
      onExit: (outcome) => this.#hostedExit(containerId, outcome),
    });
    this.#hosted.set(containerId, hosted);
    return hosted;
  }

  #hostedExit(containerId: string, outcome: ExecutorOutcome): void {
    this.#hosted.delete(containerId);
    if (outcome.kind === "launch_failed") {
      this.#sandboxDone(containerId);
      this.#launchFailed(containerId, outcome.message);
      return;
    }
    // The executor is done; its container has ended once the cleanup finished too.
    void this.#containerizer
      .wait(containerId)
      .then(() => this.exited(containerId, outcome.termination));
  }

  /** The container ended (`t` undefined: how is not known): the core hears of it. */
  exited(containerId: string, t: Termination | undefined): void {
    this.#sandboxDone(containerId);
    const limitation = t?.limitation;
    this.#dispatch({
      kind: "container_exited",
      containerId,
      ...(t?.waitStatus === null || t === undefined ? {} : { status: t.waitStatus }),
      ...(limitation === undefined
        ? {}
        : { reason: limitation.reason, message: limitation.message }),
    });
  }

  /** Reports the container's end once `wait` resolves. */
  watch(containerId: string, wait: ContainerWait): void {
    this.#waited.add(containerId);
    void wait.then((r) => {
      this.#waited.delete(containerId);
      this.exited(containerId, r.ok ? r.value : undefined);
    });
  }

  /** Records the executor's pid for recovery; what went wrong (a full disk), if anything. */
  async #writePid(
    l: { frameworkId: string; executorId: string; containerId: string; checkpoint: boolean },
    pid: number,
  ): Promise<string | undefined> {
    const agentId = this.#agentId();
    if (!l.checkpoint || agentId === undefined) return undefined;
    const path = pidFile(this.#flags.workDir, agentId, l);
    try {
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(path, String(pid));
      return undefined;
    } catch (error) {
      this.#logger.warn({ err: error, path }, "could not record an executor's pid");
      return `could not record the executor's pid: ${(error as Error).message}`;
    }
  }

  // --- ending ------------------------------------------------------------------------------

  /**
   * KILL_CONTAINER: SIGKILL (the default, or signal 9) kills at once; any other signal is
   * taken as a request to stop, SIGTERM then SIGKILL after the default grace period. A command
   * task is killed through its executor, so it ends TASK_KILLED; any other container is
   * destroyed and the agent reports its executor's end.
   */
  async killContainer(
    containerId: string,
    signal: number | undefined,
  ): Promise<KillContainerResult> {
    const graceMs =
      signal === undefined || signal === osConstants.signals.SIGKILL ? 0 : DEFAULT_KILL_GRACE_MS;
    await this.#inFlight.get(containerId);
    const hosted = this.#hosted.get(containerId);
    if (hosted !== undefined) {
      await hosted.killTask(graceMs);
      return { ok: true };
    }
    const destroyed = await this.#containerizer.destroy(containerId, { gracePeriodMs: graceMs });
    return destroyed.ok ? { ok: true } : { ok: false, status: 404, message: destroyed.message };
  }

  async destroy(containerId: string): Promise<void> {
    await this.#inFlight.get(containerId);
    const hosted = this.#hosted.get(containerId);
    if (hosted !== undefined) {
      await hosted.destroy();
      return;
    }
    const result = await this.#containerizer.destroy(containerId, { gracePeriodMs: 0 });
    // Nothing waits on a container that never started: report its end here.
    if (!result.ok && !this.#waited.has(containerId)) this.exited(containerId, undefined);
  }

  /** Leaves the containers running (they are recovered on restart) and stops the collector. */
  async close(): Promise<void> {
    this.#closed = true;
    this.images.close();
    for (const hosted of this.#hosted.values()) hosted.detach();
    await this.#gcStarting;
    await this.#gc.stop();
    await this.networks.settle();
  }
}

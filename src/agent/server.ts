// startAgent: a running Tessera agent. Wires the pure AgentCore to the world: the checkpoint
// (writes made durable in order, completion fed back), the containerizer (launch/destroy
// outputs; container ends fed back as `container_exited`), real timers, the master link, the
// hosted command executors (src/agent/executor/command-executor.ts) and the HTTP server
// (executor API, /state, /monitor/statistics, /files, operator API, /health, /metrics).
//
// Recovery on start (reference §8.3): the checkpoint is read, the containers of checkpointing
// frameworks are re-attached by the pid in `runs/<c>/pids/forked.pid`, and the core decides:
// with --recover=reconnect running tasks keep running (command executors are re-created here
// and re-subscribe; custom executors re-subscribe on their own), with --recover=cleanup every
// container is destroyed and its tasks reported.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { constants as osConstants, hostname as osHostname, userInfo } from "node:os";
import { join } from "node:path";
import { destination, type Logger, pino } from "pino";
import { randomUuidBase64 } from "../base/uuid.ts";
import { advertisedIp as advertisedIpOf } from "../http/advertise.ts";
import { registerCommonEndpoints } from "../http/endpoints.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import { HttpServer } from "../http/server.ts";
import { attributeToWire, parseAttributesText } from "../resources/attributes.ts";
import { resourcesToWire } from "../resources/index.ts";
import type { ExecutorCall } from "../wire/executor.ts";
import type { AgentInfo } from "../wire/framework.ts";
import type { Resource } from "../wire/resource.ts";
import type { ExecutorInfo, TaskInfo } from "../wire/task.ts";
import { applyCheckpointWrites, readAgentState } from "./checkpoint/index.ts";
import type {
  Containerizer,
  ContainerResources,
  KnownContainer,
  Termination,
} from "./containerizer/containerizer.ts";
import { createContainerizer } from "./containerizer/containerizer.ts";
import { AgentCore } from "./core/agent.ts";
import { latestAgentLink, runMetaDir, sandboxPath } from "./core/paths.ts";
import type {
  AgentInput,
  AgentOutput,
  CheckpointWrite,
  ContainerLaunch,
  ExecutorEventOut,
  ExecutorReply,
  RecoveredAgentState,
} from "./core/types.ts";
import {
  DEFAULT_KILL_GRACE_MS,
  type ExecutorOutcome,
  HostedCommandExecutor,
} from "./executor/command-executor.ts";
import {
  type ExecutorEventStream,
  type ExecutorTransport,
  LocalExecutorTransport,
} from "./executor/executor-transport.ts";
import { fetchUris } from "./executor/fetcher.ts";
import {
  type AgentCommandFlags,
  agentFlagValues,
  masterBaseUrl,
  parseAgentFlags,
} from "./flags.ts";
import { type KillContainerResult, registerAgentEndpoints } from "./http/endpoints.ts";
import { registerExecutorApi } from "./http/executor-api.ts";
import { MasterLink } from "./master-link.ts";
import { agentResources, detectMachine } from "./resources-detect.ts";
import { SandboxGc } from "./sandbox-gc.ts";

export interface StartAgentOptions {
  /** Flag values by Mesos name (`master`, `work_dir`, `port`, ...), as on the command line. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  /** Environment for `TESSERA_<FLAG>` variables (default: none; the CLI passes process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
}

export interface RunningAgent {
  /** Where it answers, as it tells others (--advertise_ip/--advertise_port if given). */
  readonly url: string;
  readonly port: number;
  readonly flags: AgentCommandFlags;
  readonly core: AgentCore;
  agentId(): string | undefined;
  /** Resolves once the agent stopped (close(), or the master told it to shut down). */
  readonly stopped: Promise<void>;
  /** Stops the agent; running tasks are left running (they are recovered on restart). */
  close(): Promise<void>;
}

export class AgentStartError extends Error {
  readonly flag: string | undefined;
  constructor(message: string, flag?: string) {
    super(message);
    this.name = "AgentStartError";
    this.flag = flag;
  }
}

/** Sums the scalar resources a container gets (cgroup limits; executor overhead included). */
export function containerResources(resources: readonly Resource[]): ContainerResources {
  let cpus = 0;
  let memMb = 0;
  let diskMb = 0;
  for (const r of resources) {
    const value = r.scalar?.value ?? 0;
    if (r.name === "cpus") cpus += value;
    else if (r.name === "mem") memMb += value;
    else if (r.name === "disk") diskMb += value;
  }
  return { cpus: cpus > 0 ? cpus : 0.1, memMb: memMb > 0 ? memMb : 32, diskMb };
}

function pidFile(
  workDir: string,
  agentId: string,
  l: { frameworkId: string; executorId: string; containerId: string },
) {
  return join(
    runMetaDir(workDir, agentId, l.frameworkId, l.executorId, l.containerId),
    "pids",
    "forked.pid",
  );
}

interface ExecutorStreamSlot {
  stream: ExecutorEventStream | undefined;
  buffered: ExecutorEventOut[];
  closed: boolean;
}

export async function startAgent(options: StartAgentOptions = {}): Promise<RunningAgent> {
  const parsed = parseAgentFlags(options.flags ?? {}, options.env ?? {});
  if (!parsed.ok) throw new AgentStartError(parsed.message, parsed.flag);
  const flags = parsed.flags;
  const logger = options.logger ?? pino({ level: flags.logLevel }, destination(2));

  const machine = detectMachine(flags.workDir);
  const resources = agentResources(flags.resources, machine);
  if (!resources.ok)
    throw new AgentStartError(`Failed to load flag 'resources': ${resources.message}`, "resources");
  let attributes: ReturnType<typeof attributeToWire>[] = [];
  if (flags.attributes !== undefined) {
    const attrs = parseAttributesText(flags.attributes);
    if (!attrs.ok)
      throw new AgentStartError(`Failed to load flag 'attributes': ${attrs.message}`, "attributes");
    attributes = attrs.value.map(attributeToWire);
  }
  const made = createContainerizer({
    isolation: flags.isolation,
    ...(flags.cgroupsRoot === undefined ? {} : { cgroupsRoot: flags.cgroupsRoot }),
    enableCfs: flags.cgroupsEnableCfs,
    diskWatchIntervalMs: flags.containerDiskWatchIntervalMs,
    runtimeDir: join(flags.workDir, "runtime"),
    enforceDiskQuota: flags.enforceContainerDiskQuota,
    sandboxMountPoint: flags.sandboxDirectory,
  });
  if (!made.ok)
    throw new AgentStartError(`Failed to create a containerizer: ${made.message}`, "isolation");
  const containerizer = made.value.containerizer;
  for (const line of made.value.explanation) logger.info(`isolation: ${line}`);
  await mkdir(flags.workDir, { recursive: true });

  const runtime = new AgentRuntime(flags, logger, containerizer);
  const server = new HttpServer({
    prefix: "/slave(1)",
    onHandlerError: (error, request) =>
      logger.error({ err: error, path: request.path }, "HTTP handler failed"),
  });
  const bound = await server.listen({ host: flags.ip, port: flags.port });
  // --advertise_ip/--advertise_port: what the master, executors and tools are told (NAT).
  const advertisedIp = flags.advertiseIp ?? advertisedIpOf(flags.ip);
  const advertisedPort = flags.advertisePort ?? bound.port;
  const hostname =
    flags.hostname ?? flags.advertiseIp ?? (flags.ip === "0.0.0.0" ? osHostname() : flags.ip);
  const agentInfo: AgentInfo = {
    hostname,
    port: advertisedPort,
    resources: resourcesToWire(resources.value) as Resource[],
    attributes: attributes as AgentInfo["attributes"],
  };
  const core = new AgentCore(
    {
      agentInfo,
      endpoint: { ip: advertisedIp, port: advertisedPort },
      workDir: flags.workDir,
      // Under filesystem/linux the sandbox is bind-mounted at a fixed path in the container,
      // and the host path may be hidden (e.g. a work dir under the private /tmp).
      sandboxMountPoint: containerizer.isolators.includes("filesystem/linux")
        ? flags.sandboxDirectory
        : undefined,
      flags: {
        executorRegistrationTimeoutMs: flags.executorRegistrationTimeoutMs,
        executorReregistrationTimeoutMs: flags.executorReregistrationTimeoutMs,
        executorShutdownGracePeriodMs: flags.executorShutdownGracePeriodMs,
        recoveryTimeoutMs: flags.recoveryTimeoutMs,
        registrationBackoffFactorMs: flags.registrationBackoffFactorMs,
        recover: flags.recover,
        maxCompletedExecutorsPerFramework: flags.maxCompletedExecutorsPerFramework,
      },
    },
    {
      random: Math.random,
      uuid: randomUuidBase64,
      containerId: () => randomUUID(),
    },
  );
  const url = `http://${advertisedIp}:${advertisedPort}`;
  runtime.attach(core);

  const metrics = new MetricsRegistry();
  registerCommonEndpoints(server, { metrics, healthy: () => !runtime.closed });
  registerExecutorApi(server, {
    recovered: () => runtime.recovered(),
    call: (call, streamId) => runtime.call(call, streamId),
    attach: (streamId, stream) => runtime.attachStream(streamId, stream),
    abandon: (streamId) => runtime.abandon(streamId),
  });
  const startTimeMs = Date.now();
  registerAgentEndpoints(server, {
    core,
    containerizer,
    metrics,
    agentInfo,
    flags: agentFlagValues(flags),
    workDir: flags.workDir,
    startTimeMs,
    pid: `slave(1)@${advertisedIp}:${advertisedPort}`,
    masterHostname: () => runtime.masterHostname(),
    recovered: () => runtime.recovered(),
    gcStats: () => runtime.gcStats(),
    killContainer: (containerId, signal) => runtime.killContainer(containerId, signal),
  });

  try {
    await runtime.recover();
  } catch (error) {
    await server.close();
    containerizer.close();
    throw error;
  }
  runtime.startSandboxGc();
  if (flags.master !== undefined) {
    const base = masterBaseUrl(flags.master);
    if (base === undefined) {
      await server.close();
      containerizer.close();
      throw new AgentStartError(
        `Cannot reach master '${flags.master}': only host:port is supported yet`,
        "master",
      );
    }
    runtime.connect(base);
  }

  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await runtime.close();
      await server.close();
      await containerizer.settle();
      containerizer.close();
      logger.info("agent stopped");
      resolveStopped();
    })();
    return closing;
  };
  runtime.onShutdown = () => void close();
  logger.info(
    { url, resources: flags.resources, isolators: containerizer.isolators },
    "agent started",
  );
  return {
    url,
    port: bound.port,
    flags,
    core,
    agentId: () => core.agentId,
    stopped,
    close,
  };
}

/** The shell around the core: carries out its outputs and feeds it the world's inputs. */
class AgentRuntime {
  #core: AgentCore | undefined;
  #link: MasterLink | undefined;
  #recovered = false;
  closed = false;
  onShutdown: () => void = () => {};
  readonly #queue: AgentInput[] = [];
  #dispatching = false;
  #requestId = 0;
  readonly #replies = new Map<number, ExecutorReply>();
  readonly #streams = new Map<string, ExecutorStreamSlot>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Checkpoint writes not yet started, and the writer while one runs (see below). */
  readonly #unwritten: { token: number; write: CheckpointWrite }[] = [];
  #checkpoints: Promise<void> | undefined;
  readonly #hosted = new Map<string, HostedCommandExecutor>();
  readonly #waited = new Set<string>();
  /** Sandbox (run directory) of each container launched or recovered, until it ends. */
  readonly #sandboxes = new Map<string, string>();
  readonly #gc: SandboxGc;
  #gcStarting: Promise<void> | undefined;
  readonly #user = userInfo().username;
  /** Read once: copying process.env costs a lookup per variable on every launch. */
  #inheritedEnv: Readonly<Record<string, string>> | undefined;
  /** How hosted command executors reach this agent (in-process, see executor-transport.ts). */
  readonly #transport: ExecutorTransport = new LocalExecutorTransport({
    recovered: () => this.recovered(),
    call: (call, streamId) => this.call(call, streamId),
    attach: (streamId, stream) => this.attachStream(streamId, stream),
    abandon: (streamId) => this.abandon(streamId),
  });

  constructor(
    private readonly flags: AgentCommandFlags,
    private readonly logger: Logger,
    private readonly containerizer: Containerizer,
  ) {
    this.#gc = new SandboxGc({
      workDir: flags.workDir,
      gcDelayMs: flags.gcDelayMs,
      diskHeadroom: flags.gcDiskHeadroom,
      diskWatchIntervalMs: flags.diskWatchIntervalMs,
      logger,
    });
  }

  /** Schedules the sandboxes of containers that ended before this start, then checks the
   *  disk every --disk_watch_interval (sandbox-gc.ts). The walk of the work dir runs beside the
   *  agent's start, not before it: a large work dir must not hold up registration. */
  startSandboxGc(): void {
    const live = new Set(this.containerizer.containers());
    this.#gcStarting = (async () => {
      await this.#gc.scheduleLeftovers((id) => live.has(id) || this.#sandboxes.has(id));
      const trash = await this.#gc.removeCheckpointTrash();
      if (trash > 0) this.logger.info({ trash }, "removed checkpoint trash left by a crash");
      if (!this.closed) this.#gc.start();
    })().catch((error: unknown) => {
      this.logger.error({ err: error }, "could not start the sandbox garbage collector");
    });
  }

  gcStats(): { pending: number; succeeded: number; failed: number } {
    return this.#gc.stats();
  }

  /** A container ended (or never started): its sandbox waits for the garbage collector. */
  #sandboxDone(containerId: string): void {
    const dir = this.#sandboxes.get(containerId);
    if (dir === undefined) return;
    this.#sandboxes.delete(containerId);
    this.#gc.schedule(dir);
  }

  attach(core: AgentCore): void {
    this.#core = core;
  }

  get core(): AgentCore {
    if (this.#core === undefined) throw new Error("agent: runtime used before attach");
    return this.#core;
  }

  recovered(): boolean {
    return this.#recovered;
  }

  masterHostname(): string | undefined {
    if (this.#link === undefined) return undefined;
    return new URL(this.#link.baseUrl).hostname;
  }

  dispatch(input: AgentInput): void {
    if (this.closed) return;
    this.#queue.push(input);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        for (const output of this.core.handle(next, Date.now())) this.#output(output);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  // --- executor API port -------------------------------------------------------------------

  call(call: ExecutorCall, streamId: string | undefined): ExecutorReply {
    const requestId = ++this.#requestId;
    if (streamId !== undefined)
      this.#streams.set(streamId, { stream: undefined, buffered: [], closed: false });
    this.dispatch({
      kind: "executor_call",
      requestId,
      call,
      ...(streamId === undefined ? {} : { streamId }),
    });
    const reply = this.#replies.get(requestId);
    this.#replies.delete(requestId);
    return reply ?? { ok: false, status: 503, message: "Agent is shutting down" };
  }

  attachStream(streamId: string, stream: ExecutorEventStream): void {
    const slot = this.#streams.get(streamId);
    if (slot === undefined || slot.closed) {
      stream.close();
      return;
    }
    slot.stream = stream;
    for (const record of slot.buffered) stream.send(record);
    slot.buffered = [];
    stream.onClose(() => {
      this.#streams.delete(streamId);
      this.dispatch({ kind: "executor_stream_closed", streamId });
    });
  }

  abandon(streamId: string): void {
    this.#streams.delete(streamId);
  }

  // --- outputs -----------------------------------------------------------------------------

  #output(o: AgentOutput): void {
    switch (o.kind) {
      case "master_subscribe":
        this.#link?.subscribe(o.call);
        break;
      case "master_call":
        this.#link?.send(o.call);
        break;
      case "executor_reply":
        this.#replies.set(o.requestId, o.reply);
        break;
      case "executor_event": {
        const slot = this.#streams.get(o.streamId);
        if (slot === undefined || slot.closed) break;
        if (slot.stream === undefined) slot.buffered.push(o.event);
        else slot.stream.send(o.event);
        break;
      }
      case "close_executor_stream": {
        const slot = this.#streams.get(o.streamId);
        if (slot === undefined) break;
        slot.closed = true;
        if (slot.stream !== undefined) {
          // Let the records already written go out first.
          const stream = slot.stream;
          setImmediate(() => stream.close());
        }
        break;
      }
      case "launch_container":
        void this.#launch(o.launch);
        break;
      case "destroy_container":
        void this.#destroy(o.containerId);
        break;
      case "checkpoint":
        this.#unwritten.push({ token: o.token, write: o.write });
        this.#checkpoints ??= this.#writeCheckpoints();
        break;
      case "set_timer": {
        const old = this.#timers.get(o.timerId);
        if (old !== undefined) clearTimeout(old);
        const { timerId } = o;
        this.#timers.set(
          timerId,
          setTimeout(
            () => {
              this.#timers.delete(timerId);
              this.dispatch({ kind: "timer_fired", timerId });
            },
            Math.max(0, o.atMs - Date.now()),
          ),
        );
        break;
      }
      case "cancel_timer": {
        const old = this.#timers.get(o.timerId);
        if (old !== undefined) clearTimeout(old);
        this.#timers.delete(o.timerId);
        break;
      }
      case "shutdown":
        this.logger.warn({ message: o.message }, "the master asked the agent to shut down");
        setTimeout(() => this.onShutdown(), 100);
        break;
    }
  }

  /**
   * Group commit: every write the core asked for while the previous batch was being made
   * durable goes into the next batch, in order, and shares its fsyncs
   * (applyCheckpointWrites). Each write is reported durable (`checkpoint_written`) only once
   * its whole batch is, so nothing is forwarded or acknowledged before it is on disk.
   */
  async #writeCheckpoints(): Promise<void> {
    // Let the rest of the current dispatch add its writes to this batch.
    await Promise.resolve();
    while (this.#unwritten.length > 0) {
      const batch = this.#unwritten.splice(0);
      try {
        await applyCheckpointWrites(
          this.flags.workDir,
          batch.map((b) => b.write),
        );
        for (const { token } of batch) this.dispatch({ kind: "checkpoint_written", token });
      } catch (error) {
        this.logger.error(
          { err: error, writes: batch.map((b) => b.write.type) },
          "checkpoint write failed",
        );
      }
    }
    this.#checkpoints = undefined;
  }

  // --- containers --------------------------------------------------------------------------

  #shutdownGraceMs(info: ExecutorInfo): number {
    const ns = info.shutdown_grace_period?.nanoseconds;
    return ns === undefined ? this.flags.executorShutdownGracePeriodMs : ns / 1e6;
  }

  /** Mesos's `--switch_user`: tasks run as the user named for them, or all as the agent's. */
  #userFor(user: string): string | undefined {
    if (!this.flags.switchUser) return undefined;
    return user === "" || user === this.#user ? undefined : user;
  }

  async #launch(launch: ContainerLaunch): Promise<void> {
    const { containerId } = launch;
    // The containerizer creates the sandbox as it launches (the native launcher does it off
    // this event loop); only fetching needs it earlier.
    const uris = launch.executorInfo.command?.uris ?? [];
    if (uris.length > 0) {
      try {
        mkdirSync(launch.directory, { recursive: true });
      } catch (error) {
        this.dispatch({ kind: "container_launch_failed", containerId, message: String(error) });
        return;
      }
      const fetched = await fetchUris(uris, launch.directory);
      if (!fetched.ok) {
        this.dispatch({ kind: "container_launch_failed", containerId, message: fetched.message });
        return;
      }
    }
    this.#inheritedEnv ??= this.flags.executorEnvironmentVariables ?? inheritedEnv();
    const env: Record<string, string> = { ...this.#inheritedEnv, ...launch.env };
    const user = this.#userFor(launch.user);
    const resources = containerResources(launch.resources);
    if (launch.commandExecutor) {
      const hosted = this.#hostedExecutor(
        launch,
        env,
        user,
        resources,
        this.#shutdownGraceMs(launch.executorInfo),
        undefined,
        undefined,
      );
      this.dispatch({ kind: "container_launched", containerId });
      void hosted.start();
      return;
    }
    const command = launch.executorInfo.command;
    if (command?.value === undefined) {
      this.dispatch({
        kind: "container_launch_failed",
        containerId,
        message: "ExecutorInfo has no command",
      });
      return;
    }
    this.#sandboxes.set(containerId, launch.directory);
    const started = await this.containerizer.launch(containerId, {
      sandboxDir: launch.directory,
      command: {
        shell: command.shell !== false,
        value: command.value,
        arguments: command.arguments,
      },
      env,
      user,
      resources,
    });
    if (!started.ok) {
      this.dispatch({ kind: "container_launch_failed", containerId, message: started.message });
      return;
    }
    await this.#writePid(launch, started.value.pid);
    this.dispatch({ kind: "container_launched", containerId });
    this.#watch(containerId, this.containerizer.wait(containerId));
  }

  #hostedExecutor(
    launch: Pick<
      ContainerLaunch,
      "containerId" | "frameworkId" | "executorId" | "directory" | "checkpoint"
    >,
    env: Record<string, string>,
    user: string | undefined,
    resources: ContainerResources,
    shutdownGraceMs: number,
    recovered: { taskId: string; unacknowledgedTasks: TaskInfo[] } | undefined,
    recoveredWait: Promise<Termination | undefined> | undefined,
  ): HostedCommandExecutor {
    const { containerId } = launch;
    this.#sandboxes.set(containerId, launch.directory);
    let waitPromise = recoveredWait;
    const hosted = new HostedCommandExecutor({
      transport: this.#transport,
      frameworkId: launch.frameworkId,
      executorId: launch.executorId,
      env,
      sandboxDir: launch.directory,
      shutdownGracePeriodMs: shutdownGraceMs,
      recovered,
      runner: {
        launch: async (command, taskEnv) => {
          const started = await this.containerizer.launch(containerId, {
            sandboxDir: launch.directory,
            command,
            env: taskEnv,
            user,
            resources,
          });
          if (!started.ok) return { ok: false, message: started.message };
          // The task's end is reported when its process ends (Mesos's executor reaps its
          // child); the container's cleanup runs meanwhile and is awaited in #hostedExit.
          waitPromise = this.containerizer
            .exited(containerId)
            .then((r) => (r.ok ? r.value : undefined));
          if (launch.checkpoint) await this.#writePid(launch, started.value.pid);
          return { ok: true };
        },
        wait: () => waitPromise ?? Promise.resolve(undefined),
        kill: async (gracePeriodMs) => {
          await this.containerizer.destroy(containerId, { gracePeriodMs });
        },
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
      this.dispatch({ kind: "container_launch_failed", containerId, message: outcome.message });
      return;
    }
    // The executor is done; its container has ended once the cleanup finished too.
    void this.containerizer
      .wait(containerId)
      .then(() => this.#exited(containerId, outcome.termination));
  }

  #exited(containerId: string, t: Termination | undefined): void {
    this.#sandboxDone(containerId);
    const limitation = t?.limitation;
    this.dispatch({
      kind: "container_exited",
      containerId,
      ...(t?.waitStatus === null || t === undefined ? {} : { status: t.waitStatus }),
      ...(limitation === undefined
        ? {}
        : { reason: limitation.reason, message: limitation.message }),
    });
  }

  #watch(
    containerId: string,
    wait: Promise<{ ok: true; value: Termination } | { ok: false }>,
  ): void {
    this.#waited.add(containerId);
    void wait.then((r) => {
      this.#waited.delete(containerId);
      this.#exited(containerId, r.ok ? r.value : undefined);
    });
  }

  async #writePid(
    l: { frameworkId: string; executorId: string; containerId: string; checkpoint: boolean },
    pid: number,
  ): Promise<void> {
    const agentId = this.core.agentId;
    if (!l.checkpoint || agentId === undefined) return;
    const path = pidFile(this.flags.workDir, agentId, l);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, String(pid));
  }

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
    const hosted = this.#hosted.get(containerId);
    if (hosted !== undefined) {
      await hosted.killTask(graceMs);
      return { ok: true };
    }
    const destroyed = await this.containerizer.destroy(containerId, { gracePeriodMs: graceMs });
    return destroyed.ok ? { ok: true } : { ok: false, status: 404, message: destroyed.message };
  }

  async #destroy(containerId: string): Promise<void> {
    const hosted = this.#hosted.get(containerId);
    if (hosted !== undefined) {
      await hosted.destroy();
      return;
    }
    const result = await this.containerizer.destroy(containerId, { gracePeriodMs: 0 });
    // Nothing waits on a container that never started: report its end here.
    if (!result.ok && !this.#waited.has(containerId)) this.#exited(containerId, undefined);
  }

  // --- recovery and the master -------------------------------------------------------------

  async recover(): Promise<void> {
    let state: RecoveredAgentState | undefined;
    try {
      state = await readAgentState(this.flags.workDir);
    } catch (error) {
      const message = (error as Error).message;
      // Mesos's --strict: a checkpoint that cannot be recovered stops the agent, so that the
      // tasks it describes are not silently forgotten; the operator decides.
      if (this.flags.strict) {
        throw new AgentStartError(
          `Failed to recover the agent from ${latestAgentLink(this.flags.workDir)}: ${message}. Remove that link to start afresh, or start with --strict=false to skip what cannot be read`,
          "strict",
        );
      }
      this.logger.error({ err: error }, "could not read the checkpoint; starting afresh");
    }
    const live = new Map<string, Promise<{ ok: true; value: Termination } | { ok: false }>>();
    // Recovery runs even with nothing checkpointed: containers no checkpoint knows (tasks of
    // frameworks that do not checkpoint, an earlier agent's cgroups) are orphans to destroy.
    const known: KnownContainer[] = [];
    if (state !== undefined && !state.rebooted) {
      for (const fw of state.frameworks) {
        if (fw.info.checkpoint !== true || fw.info.id === undefined) continue;
        for (const ex of fw.executors) {
          const path = pidFile(this.flags.workDir, state.agentId, {
            frameworkId: fw.info.id.value,
            executorId: ex.info.executor_id.value,
            containerId: ex.containerId,
          });
          const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
          if (Number.isInteger(pid) && pid > 0) {
            const sandboxDir = sandboxPath(
              this.flags.workDir,
              state.agentId,
              fw.info.id.value,
              ex.info.executor_id.value,
              ex.containerId,
            );
            known.push({ containerId: ex.containerId, pid, sandboxDir });
          }
        }
      }
    }
    // Every cgroup under the root is this agent's only when it has a checkpoint to go by: a
    // fresh agent leaves alone what another agent sharing the root may run.
    const result = await this.containerizer.recover(known, {
      cgroupOrphans: state !== undefined && !state.rebooted,
    });
    for (const id of result.recovered) live.set(id, this.containerizer.wait(id));
    this.logger.info(
      {
        recovered: result.recovered.length,
        gone: result.gone.length,
        orphans: result.orphansRemoved.length,
      },
      "containers recovered",
    );
    this.#recovered = true;
    this.dispatch({ kind: "recover", state });
    if (state === undefined) return;
    for (const fw of state.frameworks) {
      const frameworkId = fw.info.id?.value;
      if (fw.info.checkpoint !== true || frameworkId === undefined) continue;
      for (const ex of fw.executors) {
        const wait = live.get(ex.containerId);
        const executor = this.core.frameworks
          .get(frameworkId)
          ?.executors.get(ex.info.executor_id.value);
        if (wait === undefined) {
          // Its process is gone: the core reports its tasks.
          if (executor !== undefined && executor.phase !== "terminated")
            this.#exited(ex.containerId, undefined);
          continue;
        }
        const directory = sandboxPath(
          this.flags.workDir,
          state.agentId,
          frameworkId,
          ex.info.executor_id.value,
          ex.containerId,
        );
        this.#sandboxes.set(ex.containerId, directory);
        const isCommand = ex.info.source === ex.info.executor_id.value;
        const task = ex.tasks[0]?.task;
        if (
          isCommand &&
          this.flags.recover === "reconnect" &&
          executor?.phase === "running" &&
          task !== undefined
        ) {
          const staging = task.state === "TASK_STAGING";
          const hosted = this.#hostedExecutor(
            {
              containerId: ex.containerId,
              frameworkId,
              executorId: ex.info.executor_id.value,
              directory,
              checkpoint: true,
            },
            {},
            undefined,
            { cpus: 0.1, memMb: 32 },
            this.#shutdownGraceMs(ex.info),
            {
              taskId: task.task_id.value,
              unacknowledgedTasks: staging
                ? [
                    {
                      name: task.name,
                      task_id: task.task_id,
                      agent_id: task.agent_id,
                      resources: task.resources,
                    } as TaskInfo,
                  ]
                : [],
            },
            wait.then((r) => (r.ok ? r.value : undefined)),
          );
          void hosted.start();
        } else {
          this.#watch(ex.containerId, wait);
        }
      }
    }
  }

  connect(baseUrl: string): void {
    this.#link = new MasterLink(
      baseUrl,
      {
        event: (event) => this.dispatch({ kind: "master_event", event }),
        disconnected: () => this.dispatch({ kind: "master_disconnected", masterKnown: true }),
      },
      this.logger,
      this.flags.zkSessionTimeoutMs,
    );
    this.dispatch({ kind: "master_connected" });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.#link?.close();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const hosted of this.#hosted.values()) hosted.detach();
    await this.#gcStarting;
    await this.#gc.stop();
    await this.#checkpoints;
  }
}

/** What executors inherit from the agent when --executor_environment_variables is unset. */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("TESSERA_")) out[name] = value;
  }
  return out;
}

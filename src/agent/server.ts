// startAgent: a running Tessera agent. Wires the pure AgentCore to the world, in the shape of
// the master's shell: the dispatcher (dispatcher.ts: the input queue, the output switch, the
// executor streams and the timers), checkpoint group commit (checkpoint/group-commit.ts: writes
// made durable in order, completion or failure fed back), launching (launching.ts: container
// launches, ends and kills, pid files, the sandbox GC), recovery on start (recovery.ts), the
// master link and the HTTP server (executor API, /state, /monitor/statistics, /files,
// operator API, /health, /metrics). Nothing else happens here.
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import { destination, type Logger, pino } from "pino";
import type { ProcessStartOptions } from "../base/process-start.ts";
import { randomUuidBase64 } from "../base/uuid.ts";
import { advertisedIp as advertisedIpOf } from "../http/advertise.ts";
import { registerCommonEndpoints } from "../http/endpoints.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { HttpResponse } from "../http/response.ts";
import { type HttpRequest, HttpServer } from "../http/server.ts";
import { daemonTls, listenWithTls } from "../http/tls-flags.ts";
import { attributeToWire, parseAttributesText } from "../resources/attributes.ts";
import { resourcesToWire } from "../resources/index.ts";
import type { AgentInfo } from "../wire/framework.ts";
import type { Resource } from "../wire/resource.ts";
import { apiContainers } from "./api-containers.ts";
import {
  CheckpointCommitter,
  type CheckpointStore,
  workDirCheckpointStore,
} from "./checkpoint/group-commit.ts";
import type { Containerizer } from "./containerizer/containerizer.ts";
import { createContainerizer } from "./containerizer/containerizer.ts";
import { AgentCore } from "./core/agent.ts";
import { agentSandboxRoot } from "./core/paths.ts";
import { AgentDispatcher } from "./dispatcher.ts";
import {
  type AgentCommandFlags,
  agentFlagValues,
  masterBaseUrl,
  parseAgentFlags,
} from "./flags.ts";
import { registerAgentEndpoints } from "./http/endpoints.ts";
import { registerExecutorApi } from "./http/executor-api.ts";
import { agentSecurity, executorClaimsRefusal } from "./http/security.ts";
import { type AgentUsers, agentRouteRefusal, agentUsers } from "./http/security-checks.ts";
import { Launching } from "./launching.ts";
import { MasterLink } from "./master-link.ts";
import { startOversubscription } from "./oversubscription/oversubscription-loop.ts";
import { type RecoverySummary, recoverAgent } from "./recovery.ts";
import { agentResources, detectMachine } from "./resources-detect.ts";
import { AgentStartError } from "./start-error.ts";
import { withDocker } from "./with-docker.ts";

export { containerResources } from "./launching.ts";
export { AgentStartError } from "./start-error.ts";

export interface StartAgentOptions extends ProcessStartOptions {
  logger?: Logger;
  /** Where checkpoint writes go (default: the work dir). Fault-injection tests wrap it. */
  checkpointStore?: CheckpointStore;
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

/** What the flags and the machine say before anything starts: refused with a clear line. */
function prepare(flags: AgentCommandFlags, logger: Logger) {
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
    pidsLimit: flags.containerPidsLimit,
    sandboxMountPoint: flags.sandboxDirectory,
    onError: (message) => logger.warn(message),
  });
  if (!made.ok)
    throw new AgentStartError(`Failed to create a containerizer: ${made.message}`, "isolation");
  for (const line of made.value.explanation) logger.info(`isolation: ${line}`);
  const containerizer = withDocker(flags, logger, made.value.containerizer);
  return { resources: resources.value, attributes, containerizer };
}

function createCore(
  flags: AgentCommandFlags,
  containerizer: Containerizer,
  agentInfo: AgentInfo,
  endpoint: { ip: string; port: number },
): AgentCore {
  return new AgentCore(
    {
      agentInfo,
      endpoint,
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
}

/** The shell's parts around one core, wired to each other. */
function wire(
  flags: AgentCommandFlags,
  logger: Logger,
  core: AgentCore,
  containerizer: Containerizer,
  store: CheckpointStore,
) {
  let link: MasterLink | undefined;
  let onShutdown: () => void = () => {};
  let oversubscription: { stop(): void } | undefined;
  // The parts call each other through the dispatcher, which exists before they are used.
  let launching: Launching | undefined;
  const committer = new CheckpointCommitter(
    store,
    {
      written: (token) => dispatcher.dispatch({ kind: "checkpoint_written", token }),
      failed: (token, message) =>
        dispatcher.dispatch({ kind: "checkpoint_failed", token, message }),
    },
    logger,
  );
  const dispatcher: AgentDispatcher = new AgentDispatcher({
    core,
    logger,
    master: () => link,
    containers: {
      launch: (l) => void launching?.launch(l),
      destroy: (id) => void launching?.destroy(id),
    },
    checkpoint: committer,
    shutdown: () => setTimeout(() => onShutdown(), 100),
  });
  launching = new Launching({
    flags,
    logger,
    containerizer,
    dispatch: (input) => dispatcher.dispatch(input),
    agentId: () => core.agentId,
    endpoint: dispatcher,
  });
  return {
    dispatcher,
    launching,
    committer,
    masterHostname: () => (link === undefined ? undefined : new URL(link.baseUrl).hostname),
    connect(baseUrl: string) {
      link = new MasterLink(
        baseUrl,
        {
          event: (event) => dispatcher.dispatch({ kind: "master_event", event }),
          disconnected: () =>
            dispatcher.dispatch({ kind: "master_disconnected", masterKnown: true }),
        },
        logger,
        flags.zkSessionTimeoutMs,
        flags.security.credential,
      );
      dispatcher.dispatch({ kind: "master_connected" });
    },
    onShutdown(callback: () => void) {
      onShutdown = callback;
    },
    /** The resource estimator and QoS controller's loop (oversubscription/). */
    startOversubscription() {
      oversubscription = startOversubscription({
        flags: flags.oversubscription,
        core,
        containerizer,
        dispatch: (input) => dispatcher.dispatch(input),
        logger,
      });
    },
    async close() {
      oversubscription?.stop();
      if (dispatcher.closed) return;
      dispatcher.close();
      link?.close();
      await launching?.close();
      await committer.settle();
    },
  };
}

/**
 * The agent's HTTP server with its realms (security.ts); the endpoints' ACL checks start once
 * `guard` hands in the core they read.
 */
/** Executor authentication's claim check against the executors the core runs. */
function executorTokenCheck(core: AgentCore) {
  const containerOf = (fid: string, eid: string) =>
    core.frameworks.get(fid)?.executors.get(eid)?.containerId;
  return (request: HttpRequest, call: Parameters<typeof executorClaimsRefusal>[1]) =>
    executorClaimsRefusal(request, call, containerOf);
}

async function securedServer(
  flags: AgentCommandFlags,
  logger: Logger,
  env: StartAgentOptions["env"],
) {
  const tls = daemonTls(env ?? {}, flags.tls);
  if (!tls.ok) throw new AgentStartError(tls.message, tls.flag);
  const security = agentSecurity(flags.security);
  let routeRefusal: ((route: string, request: HttpRequest) => HttpResponse | undefined) | undefined;
  const server = new HttpServer({
    prefix: "/slave(1)",
    authenticate: (route, request) => {
      const identity = security.authenticate(route, request);
      if ("kind" in identity || routeRefusal === undefined) return identity;
      return routeRefusal(route, { ...request, ...identity }) ?? identity;
    },
    onHandlerError: (error, request) =>
      logger.error({ err: error, path: request.path }, "HTTP handler failed"),
  });
  const guard = (core: AgentCore, users: AgentUsers) => {
    const sandboxRoot = () =>
      core.agentId === undefined ? undefined : agentSandboxRoot(flags.workDir, core.agentId);
    routeRefusal = (route, request) =>
      agentRouteRefusal(security.authorizer, users, sandboxRoot, route, request);
  };
  const listened = await listenWithTls(server, { host: flags.ip, port: flags.port }, tls.settings);
  if (!listened.ok) throw new AgentStartError(listened.message, listened.flag);
  return { server, security, guard, bound: listened.bound };
}

export async function startAgent(options: StartAgentOptions = {}): Promise<RunningAgent> {
  const parsed = parseAgentFlags(options.flags ?? {}, options.env ?? {});
  if (!parsed.ok) throw new AgentStartError(parsed.message, parsed.flag);
  const flags = parsed.flags;
  const logger = options.logger ?? pino({ level: flags.logLevel }, destination(2));
  const { resources, attributes, containerizer } = prepare(flags, logger);
  await mkdir(flags.workDir, { recursive: true });

  const { server, security, guard, bound } = await securedServer(flags, logger, options.env);
  // --advertise_ip/--advertise_port: what the master, executors and tools are told (NAT).
  const advertisedIp = flags.advertiseIp ?? advertisedIpOf(flags.ip);
  const advertisedPort = flags.advertisePort ?? bound.port;
  const hostname =
    flags.hostname ?? flags.advertiseIp ?? (flags.ip === "0.0.0.0" ? osHostname() : flags.ip);
  const agentInfo: AgentInfo = {
    hostname,
    port: advertisedPort,
    resources: resourcesToWire(resources) as Resource[],
    attributes: attributes as AgentInfo["attributes"],
  };
  const core = createCore(flags, containerizer, agentInfo, {
    ip: advertisedIp,
    port: advertisedPort,
  });
  const users = agentUsers(core);
  guard(core, users);
  const url = `${bound.scheme}://${advertisedIp}:${advertisedPort}`;
  const store = testBreak(options.checkpointStore ?? workDirCheckpointStore(flags.workDir), logger);
  const shell = wire(flags, logger, core, containerizer, store);
  const { dispatcher, launching } = shell;

  const metrics = new MetricsRegistry();
  registerCommonEndpoints(server, {
    metrics,
    // A checkpoint that cannot be written: the agent runs but takes no work (503, as Mesos).
    healthy: () => !dispatcher.closed && core.checkpointFailure === undefined,
  });
  registerExecutorApi(
    server,
    dispatcher,
    {
      executor: (frameworkId, executorId) => {
        const executor = core.frameworks.get(frameworkId)?.executors.get(executorId);
        if (executor === undefined) return undefined;
        return { containerId: executor.containerId, hosted: executor.commandExecutor };
      },
      pids: (containerId) => containerizer.pids(containerId),
    },
    executorTokenCheck(core),
  );
  const containers = apiContainers(core, containerizer, flags, logger, launching.images);
  let recovery: RecoverySummary | undefined;
  registerAgentEndpoints(server, {
    core,
    containerizer,
    containers,
    metrics,
    agentInfo,
    flags: agentFlagValues(flags),
    logger,
    workDir: flags.workDir,
    startTimeMs: Date.now(),
    pid: `slave(1)@${advertisedIp}:${advertisedPort}`,
    masterHostname: shell.masterHostname,
    recovered: () => dispatcher.recovered(),
    gcStats: () => launching.gcStats(),
    recovery: () => recovery,
    imagePull: (containerId) => launching.pullProgress(containerId),
    killContainer: (containerId, signal) => launching.killContainer(containerId, signal),
    authorizer: security.authorizer,
  });

  const giveUp = async (error: Error): Promise<never> => {
    await server.close();
    containerizer.close();
    throw error;
  };
  const recovering = recoverAgent({ flags, logger, containerizer, dispatcher, launching });
  recovery = await recovering.catch((error: Error) => giveUp(error));
  launching.startSandboxGc();
  shell.startOversubscription();
  if (flags.master !== undefined) {
    const base = masterBaseUrl(flags.master, bound.scheme);
    if (base === undefined) {
      return giveUp(
        new AgentStartError(
          `Cannot reach master '${flags.master}': only host:port is supported yet`,
          "master",
        ),
      );
    }
    shell.connect(base);
  }

  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await containers.close();
      await shell.close();
      await server.close();
      await containerizer.settle();
      containerizer.close();
      logger.info("agent stopped");
      resolveStopped();
    })();
    return closing;
  };
  shell.onShutdown(() => void close());
  logger.info(
    { url, resources: flags.resources, isolators: containerizer.isolators },
    "agent started",
  );
  return { url, port: bound.port, flags, core, agentId: () => core.agentId, stopped, close };
}

/**
 * TEST ONLY, never for a real agent: `TESSERA_TEST_BREAK=ack-before-checkpoint` makes this a
 * deliberately broken agent whose status updates are taken as durable (acknowledged to the
 * executor and forwarded) without being checkpointed, so that the nemesis harness's own test
 * (test/nemesis/nemesis.test.ts) can prove its checkers catch such a build. The one place the
 * switch is read.
 */
function testBreak(store: CheckpointStore, logger: Logger): CheckpointStore {
  if (process.env.TESSERA_TEST_BREAK !== "ack-before-checkpoint") return store;
  logger.error(
    "TESSERA_TEST_BREAK=ack-before-checkpoint: this agent is broken on purpose (tests only)",
  );
  return { apply: (writes) => store.apply(writes.filter((w) => w.type !== "status_update")) };
}

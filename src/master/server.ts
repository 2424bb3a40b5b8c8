// startMaster: a running Tessera master. Wires the pure MasterCore (with src/allocator's
// Allocator), the registry store, real timers, the HTTP server and its streams, and the APIs:
// scheduler (/api/v1/scheduler), agent channel, operator (/api/v1), legacy JSON endpoints,
// /version, /health, /metrics/snapshot and /metrics.
//
// Leadership (election/leadership.ts): standalone, the master leads at once; with --zk it
// contends in ZooKeeper and is a standby (307 to the leader, 503 while none is known) until
// elected. Elected, it opens and recovers the registry and builds its "reign" (core, allocator,
// dispatcher, operator state) from it; losing leadership closes the reign at once and stops the
// master, for its supervisor to restart as a standby (docs/ha.md).
import { randomUUID } from "node:crypto";
import { hostname as osHostname } from "node:os";
import { destination, type Logger, pino } from "pino";
import { Allocator } from "../allocator/index.ts";
import { type ProcessStartOptions, StartError } from "../base/process-start.ts";
import { MESOS_COMPATIBLE_VERSION } from "../base/version.ts";
import { advertisedIp } from "../http/advertise.ts";
import { registerCommonEndpoints } from "../http/endpoints.ts";
import type { HeartbeatTimer } from "../http/event-stream.ts";
import type { LeadershipView } from "../http/leader.ts";
import { HttpServer } from "../http/server.ts";
import { daemonTls, listenWithTls } from "../http/tls-flags.ts";
import type { MasterInfo } from "../wire/framework.ts";
import { ZkDetector } from "../zk/detector.ts";
import { connectString, formatZkUrl } from "../zk/url.ts";
import { MasterCore } from "./core/master.ts";
import { MasterDispatcher } from "./dispatcher.ts";
import { ZkContender } from "./election/contender.ts";
import { type LeadershipRecord, MasterLeadership } from "./election/leadership.ts";
import { StandaloneContender } from "./election/standalone.ts";
import { flagValues, type MasterCommandFlags, parseMasterFlags } from "./flags.ts";
import { registerAgentChannel } from "./http/agent-channel.ts";
import { registerAgentFilesProxy } from "./http/agent-files-proxy.ts";
import { registerFrameworkProxy } from "./http/framework-proxy.ts";
import { registerLegacyEndpoints } from "./http/legacy.ts";
import { registerMasterFiles } from "./http/legacy-files.ts";
import { registerLegacyWrites } from "./http/legacy-writes.ts";
import { registerMaintenanceEndpoints } from "./http/maintenance-api.ts";
import { MasterMetrics } from "./http/master-metrics.ts";
import { registerMastersEndpoint } from "./http/masters.ts";
import { registerOperatorApi } from "./http/operator-api.ts";
import { OperatorEventHub } from "./http/operator-events.ts";
import { registerLegacyResourceOperations } from "./http/operator-resource-calls.ts";
import { registerSchedulerApi } from "./http/scheduler-api.ts";
import { type MasterSecurity, masterSecurity, taskAuthorizer } from "./http/security.ts";
import { operationAuthorizer } from "./http/security-checks.ts";
import { v1StateSteps } from "./http/state-json.ts";
import { registerUsageRelay } from "./http/usage-relay.ts";
import { registerWebUi } from "./http/webui.ts";
import {
  type MemoryRegistryStorage,
  type OpenRegistryOptions,
  openRegistry,
  type RegistryStore,
} from "./registry/index.ts";
import { readTaskHistory, writeTaskHistory } from "./task-history-file.ts";

export interface StartMasterOptions extends ProcessStartOptions {
  /** Default: pino at --log_level on stderr. Tests pass a silent logger. */
  logger?: Logger;
  heartbeatTimer?: HeartbeatTimer;
  /** Lets an in_memory master "restart" onto its predecessor's registry (tests). */
  registryStorage?: MemoryRegistryStorage;
  /** Seed of the allocator's random choices. */
  seed?: number;
  /** Keeps finished tasks across a restart in this file (task-history-file.ts; `tessera dev`). */
  taskHistoryFile?: string;
}

export interface RunningMaster {
  /** `http://<host>:<port>`, reachable from this machine. */
  readonly url: string;
  readonly port: number;
  readonly masterInfo: MasterInfo;
  readonly flags: MasterCommandFlags;
  /** The leading reign's dispatcher; undefined while a standby (or after stepping down). */
  readonly dispatcher: MasterDispatcher | undefined;
  /** What this master answers about leadership right now. */
  readonly leadership: LeadershipView;
  /** This master's leadership steps with their wall-clock times (standby, elected, ...). */
  readonly leadershipRecords: readonly LeadershipRecord[];
  /** Resolves once this master acts as the leader; rejects if it steps down first. */
  readonly acting: Promise<void>;
  /** Resolves once the master stopped (close(), a registry failure, or lost leadership). */
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

export class MasterStartError extends StartError {}

/** IPv4 dotted quad as Mesos's MasterInfo.ip: network byte order read as a host integer. */
export function ipv4ToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return 0;
  const [a = 0, b = 0, c = 0, d = 0] = parts;
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}

/** The registry this master's flags name (a new store per leadership: see `lead`). */
function registryOptions(
  flags: MasterCommandFlags,
  options: StartMasterOptions,
): OpenRegistryOptions {
  switch (flags.registry) {
    case "sqlite":
      return { kind: "sqlite", workDir: flags.workDir ?? "." };
    case "in_memory":
      return {
        kind: "in_memory",
        ...(options.registryStorage === undefined ? {} : { storage: options.registryStorage }),
      };
    case "zk": {
      const zk = flags.zk;
      if (zk === undefined) throw new Error("bug: --registry=zk without --zk passed the flags");
      return {
        kind: "zk",
        connectString: connectString(zk),
        path: zk.path,
        // The registry's session holds no ephemeral node, so its length does not slow a
        // failover (writes are fenced by compare-and-set); the registry's longer default keeps
        // a brief stall from failing a write, which would stop the leader.
        ...(zk.digest === undefined ? {} : { digest: zk.digest }),
      };
    }
  }
}

/** What exists only while this master leads: built on election from the recovered registry. */
interface Reign {
  readonly registry: RegistryStore;
  readonly core: MasterCore;
  readonly dispatcher: MasterDispatcher;
  readonly hub: OperatorEventHub;
  readonly electedTimeMs: number;
}

/** MasterInfo as Mesos fills it: the advertised address, `master@ip:port`, the packed ip. */
function masterInfoFor(flags: MasterCommandFlags, boundPort: number): MasterInfo {
  const ip = flags.advertiseIp ?? advertisedIp(flags.ip);
  const port = flags.advertisePort ?? boundPort;
  const hostname =
    flags.hostname ?? flags.advertiseIp ?? (flags.ip === "0.0.0.0" ? osHostname() : ip);
  return {
    id: randomUUID(),
    ip: ipv4ToInt(ip),
    port,
    pid: `master@${ip}:${port}`,
    hostname,
    version: MESOS_COMPATIBLE_VERSION,
    address: { hostname, ip, port },
    capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
  };
}

/**
 * One master process: its leadership, the reign while it leads, and its stop. The HTTP routes
 * are registered once and read the current reign per request (none while a standby; the
 * leader guard keeps them out).
 */
class MasterProcess {
  readonly startTimeMs = Date.now();
  readonly leadership: MasterLeadership;
  readonly detector: ZkDetector | undefined;
  readonly stopped: Promise<void>;
  #reign: Reign | undefined;
  #closing: Promise<void> | undefined;
  #resolveStopped: () => void = () => {};
  readonly metrics = new MasterMetrics(
    () => {
      const reign = this.#reign;
      return reign === undefined ? {} : reign.core.metrics(reign.dispatcher.nowMs());
    },
    {
      "master/elected": () => (this.leadership.phase === "leading" ? 1 : 0),
      "master/operator_event_stream_subscribers": () => this.#reign?.hub.size ?? 0,
      "registrar/queued_operations": () => this.#reign?.dispatcher.registryWritesInFlight ?? 0,
      // Inputs are handled as they come (master/dispatcher.ts): a queue seen from outside a
      // drain is empty, and the allocator runs inside the master's loop, with no queue of its own.
      "master/event_queue_messages": () => 0,
      "master/event_queue_dispatches": () => 0,
      "master/event_queue_http_requests": () => 0,
      "allocator/event_queue_dispatches": () => 0,
      "allocator/mesos/event_queue_dispatches": () => 0,
    },
  );

  constructor(
    readonly flags: MasterCommandFlags,
    readonly options: StartMasterOptions,
    readonly masterInfo: MasterInfo,
    readonly logger: Logger,
    readonly server: HttpServer,
    readonly security: MasterSecurity,
  ) {
    this.stopped = new Promise<void>((resolve) => {
      this.#resolveStopped = resolve;
    });
    const zk = flags.zk;
    // With `members`, the detector also keeps the group for /master/masters (masters.ts).
    this.detector =
      zk === undefined
        ? undefined
        : new ZkDetector({ url: zk, sessionTimeoutMs: flags.zkSessionTimeoutMs, members: true });
    const detector = this.detector;
    this.leadership = new MasterLeadership({
      self: masterInfo,
      contender:
        zk === undefined
          ? new StandaloneContender()
          : new ZkContender({ url: zk, masterInfo, sessionTimeoutMs: flags.zkSessionTimeoutMs }),
      ...(detector === undefined ? {} : { detector }),
      recovered: () => this.#reign?.dispatcher.recovered ?? false,
      hooks: {
        lead: () => this.#lead(),
        stepDown: (reason, message) => {
          // Stop acting now (no timer fires, no write starts, the guard answers 503), then exit.
          this.#reign?.dispatcher.close();
          this.#reign?.hub.close();
          // Our own close withdraws the candidacy: an orderly stop, not an error.
          if (reason === "withdrawn") logger.info({ reason, message }, "master stopping");
          else logger.error({ reason, message }, "not the leading master any more: stopping");
          void this.stop();
        },
      },
    });
  }

  get reign(): Reign | undefined {
    return this.#reign;
  }

  /** The reign, for routes behind the leader guard (which passes only while leading). */
  reigning(): Reign {
    if (this.#reign === undefined) throw new Error("bug: a leader-only route ran on a standby");
    return this.#reign;
  }

  /** Elected: recover the registry and start acting on it (reference §5.8). */
  async #lead(): Promise<void> {
    const electedTimeMs = Date.now();
    const registry = await openRegistry(registryOptions(this.flags, this.options));
    let recovered: Awaited<ReturnType<RegistryStore["recover"]>>;
    const fetchStartedAt = performance.now();
    try {
      recovered = await registry.recover();
      this.metrics.timings.registryFetch.record(performance.now() - fetchStartedAt);
    } catch (error) {
      await registry.close().catch(() => undefined);
      throw error;
    }
    if (this.leadership.phase !== "elected") {
      await registry.close().catch(() => undefined);
      return;
    }
    const { flags, options, masterInfo } = this;
    const allocator = new Allocator({
      allocationIntervalMs: flags.core.allocationIntervalMs,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    // --weights counts only while the registry holds none (the core's recovery).
    const core = new MasterCore(
      { masterInfo, flags: flags.core, defaultWeights: flags.weights },
      {
        allocator,
        ...taskAuthorizer(this.security.authorizer),
        ...operationAuthorizer(this.security.authorizer),
      },
    );
    let hub: OperatorEventHub | undefined;
    const dispatcher = new MasterDispatcher({
      core,
      registry,
      logger: this.logger,
      onOperatorEvent: (event) => hub?.publish(event),
      onAbort: () => void this.stop(),
      timings: this.metrics.timings,
    });
    hub = new OperatorEventHub(
      () => core.getState(),
      flags.maxOperatorEventStreamSubscribers,
      () => v1StateSteps(core),
    );
    this.#reign = { registry, core, dispatcher, hub, electedTimeMs };
    // Recovery starts the agent_reregister_timeout: agents in the registry that do not come
    // back in time are marked unreachable (the core's recovery, reference §5.8).
    const historyFile = options.taskHistoryFile;
    const taskHistory =
      historyFile === undefined ? undefined : readTaskHistory(historyFile, this.logger);
    dispatcher.dispatch({
      kind: "recover",
      registry: recovered.state,
      ...(taskHistory === undefined ? {} : { taskHistory }),
    });
    this.logger.info(
      { id: masterInfo.id, agents: recovered.state.admitted.size, version: recovered.version },
      "elected: recovered the registry, acting as the leading master",
    );
  }

  /** Registers every API on the server; each reads the reign current at the request. */
  registerRoutes(): void {
    const master = this;
    const metrics = this.metrics;
    const ctx = {
      get dispatcher() {
        return master.reigning().dispatcher;
      },
      get hub() {
        return master.reigning().hub;
      },
      get electedTimeMs() {
        return master.#reign?.electedTimeMs ?? master.startTimeMs;
      },
      view: () => master.leadership.view(),
      masterInfo: this.masterInfo,
      flags: flagValues(this.flags),
      metrics: () => metrics.snapshot(),
      logger: this.logger,
      startTimeMs: this.startTimeMs,
      cluster: this.flags.cluster,
      security: this.security,
      ...(this.options.heartbeatTimer === undefined
        ? {}
        : { heartbeatTimer: this.options.heartbeatTimer }),
    };
    registerCommonEndpoints(this.server, {
      metrics,
      healthy: () => master.leadership.phase !== "stepped_down",
    });
    registerSchedulerApi(this.server, ctx);
    registerAgentChannel(this.server, ctx);
    registerOperatorApi(this.server, ctx);
    registerLegacyEndpoints(this.server, ctx);
    registerLegacyWrites(this.server, ctx);
    registerMaintenanceEndpoints(this.server, ctx);
    registerLegacyResourceOperations(this.server, ctx);
    registerMasterFiles(this.server, ctx.flags, this.security.authorizer);
    registerAgentFilesProxy(this.server, ctx);
    registerUsageRelay(this.server, ctx);
    registerFrameworkProxy(this.server, ctx);
    registerWebUi(this.server, ctx.view);
    const detector = this.detector;
    registerMastersEndpoint(this.server, {
      self: this.masterInfo,
      ...(detector === undefined ? {} : { members: () => detector.members() }),
    });
  }

  stop(): Promise<void> {
    this.#closing ??= (async () => {
      const historyFile = this.options.taskHistoryFile;
      if (historyFile !== undefined && this.#reign !== undefined) {
        writeTaskHistory(historyFile, this.#reign.core.taskHistory(), this.logger);
      }
      this.#reign?.dispatcher.close();
      this.#reign?.hub.close();
      await this.leadership.close();
      await this.server.close();
      await this.#reign?.registry.close().catch((error: unknown) => {
        this.logger.error({ err: error }, "closing the registry failed");
      });
      this.logger.info("master stopped");
      this.#resolveStopped();
    })();
    return this.#closing;
  }
}

export async function startMaster(options: StartMasterOptions = {}): Promise<RunningMaster> {
  const parsed = parseMasterFlags(options.flags ?? {}, options.env ?? {});
  if (!parsed.ok) throw new MasterStartError(parsed.message, parsed.flag);
  const tls = daemonTls(options.env ?? {}, parsed.flags.tls);
  if (!tls.ok) throw new MasterStartError(tls.message, tls.flag);
  const agentScheme = tls.settings.enabled ? "https" : "http";
  const flags: MasterCommandFlags = {
    ...parsed.flags,
    core: { ...parsed.flags.core, agentScheme },
  };
  const logger =
    options.logger ?? pino({ level: flags.quiet ? "error" : flags.logLevel }, destination(2));

  const security = masterSecurity(flags.security);
  const server = new HttpServer({
    prefix: "/master",
    authenticate: (route, request) => security.authenticate(route, request),
    onHandlerError: (error, request) =>
      logger.error({ err: error, path: request.path }, "HTTP handler failed"),
  });
  const listened = await listenWithTls(server, { host: flags.ip, port: flags.port }, tls.settings);
  if (!listened.ok) throw new MasterStartError(listened.message, listened.flag);
  const bound = listened.bound;
  const masterInfo = masterInfoFor(flags, bound.port);
  const master = new MasterProcess(flags, options, masterInfo, logger, server, security);
  master.registerRoutes();

  const zk = flags.zk;
  const host = flags.ip === "0.0.0.0" ? "127.0.0.1" : bound.host;
  const url = `${bound.scheme}://${host.includes(":") ? `[${host}]` : host}:${bound.port}`;
  const leadership = master.leadership;
  leadership.start();
  if (zk === undefined) {
    // Standalone: the only master leads at once; a registry it cannot open fails the start.
    try {
      await leadership.acting;
    } catch (error) {
      await master.stop();
      throw error;
    }
  }
  logger.info(
    {
      url,
      id: masterInfo.id,
      registry: flags.registry,
      ...(zk === undefined ? {} : { zk: formatZkUrl(zk) }),
    },
    zk === undefined ? "master started" : "master started: contending for leadership",
  );
  return {
    url,
    port: bound.port,
    masterInfo,
    flags,
    get dispatcher() {
      return master.reign?.dispatcher;
    },
    get leadership() {
      return leadership.view();
    },
    get leadershipRecords() {
      return leadership.records;
    },
    acting: leadership.acting,
    stopped: master.stopped,
    close: () => master.stop(),
  };
}

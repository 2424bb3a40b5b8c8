// startMaster: a running Tessera master. Wires the pure MasterCore (with src/allocator's
// Allocator), the registry store, real timers, the HTTP server and its streams, and the APIs:
// scheduler (/api/v1/scheduler), agent channel, operator (/api/v1), legacy JSON endpoints,
// /version, /health, /metrics/snapshot and /metrics.
import { randomUUID } from "node:crypto";
import { networkInterfaces, hostname as osHostname } from "node:os";
import { destination, type Logger, pino } from "pino";
import { Allocator } from "../allocator/index.ts";
import { MESOS_COMPATIBLE_VERSION } from "../cli/version.ts";
import { registerCommonEndpoints } from "../http/endpoints.ts";
import type { HeartbeatTimer } from "../http/event-stream.ts";
import type { LeadershipView } from "../http/leader.ts";
import { HttpServer } from "../http/server.ts";
import type { MasterInfo } from "../wire/framework.ts";
import { MasterCore } from "./core/master.ts";
import { MasterDispatcher } from "./dispatcher.ts";
import { flagValues, type MasterCommandFlags, parseMasterFlags } from "./flags.ts";
import { registerAgentChannel } from "./http/agent-channel.ts";
import type { MasterHttpContext } from "./http/context.ts";
import { registerLegacyEndpoints } from "./http/legacy.ts";
import { MasterMetrics } from "./http/master-metrics.ts";
import { OperatorAdmin } from "./http/operator-admin.ts";
import { registerOperatorApi } from "./http/operator-api.ts";
import { OperatorEventHub } from "./http/operator-events.ts";
import { registerSchedulerApi } from "./http/scheduler-api.ts";
import { type MemoryRegistryStorage, openRegistry } from "./registry/index.ts";

export interface StartMasterOptions {
  /** Flag values by Mesos name (`port`, `work_dir`, `registry`, ...), as on the command line. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  /** Environment for `TESSERA_<FLAG>` variables (default: none; the CLI passes process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default: pino at --log_level on stderr. Tests pass a silent logger. */
  logger?: Logger;
  heartbeatTimer?: HeartbeatTimer;
  /** Lets an in_memory master "restart" onto its predecessor's registry (tests). */
  registryStorage?: MemoryRegistryStorage;
  /** Seed of the allocator's random choices. */
  seed?: number;
}

export interface RunningMaster {
  /** `http://<host>:<port>`, reachable from this machine. */
  readonly url: string;
  readonly port: number;
  readonly masterInfo: MasterInfo;
  readonly flags: MasterCommandFlags;
  readonly dispatcher: MasterDispatcher;
  /** Resolves once the master stopped (close() or a registry failure). */
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

export class MasterStartError extends Error {
  readonly flag: string | undefined;
  constructor(message: string, flag?: string) {
    super(message);
    this.name = "MasterStartError";
    this.flag = flag;
  }
}

/** IPv4 dotted quad as Mesos's MasterInfo.ip: network byte order read as a host integer. */
export function ipv4ToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return 0;
  const [a = 0, b = 0, c = 0, d = 0] = parts;
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}

/** The address to advertise when listening on all interfaces (Mesos resolves its hostname). */
function advertisedIp(listenIp: string): string {
  if (listenIp !== "0.0.0.0") return listenIp;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

export async function startMaster(options: StartMasterOptions = {}): Promise<RunningMaster> {
  const parsed = parseMasterFlags(options.flags ?? {}, options.env ?? {});
  if (!parsed.ok) throw new MasterStartError(parsed.message, parsed.flag);
  const flags = parsed.flags;
  const logger =
    options.logger ?? pino({ level: flags.quiet ? "error" : flags.logLevel }, destination(2));

  const registry = await openRegistry(
    flags.registry === "sqlite"
      ? { kind: "sqlite", workDir: flags.workDir ?? "." }
      : {
          kind: "in_memory",
          ...(options.registryStorage === undefined ? {} : { storage: options.registryStorage }),
        },
  );
  const recovered = await registry.recover();

  let view: LeadershipView = { kind: "leading", recovered: false };
  const server = new HttpServer({
    prefix: "/master",
    onHandlerError: (error, request) =>
      logger.error({ err: error, path: request.path }, "HTTP handler failed"),
  });
  const bound = await server.listen({ host: flags.ip, port: flags.port });

  const ip = advertisedIp(flags.ip);
  const hostname = flags.hostname ?? (flags.ip === "0.0.0.0" ? osHostname() : ip);
  const masterInfo: MasterInfo = {
    id: randomUUID(),
    ip: ipv4ToInt(ip),
    port: bound.port,
    pid: `master@${ip}:${bound.port}`,
    hostname,
    version: MESOS_COMPATIBLE_VERSION,
    address: { hostname, ip, port: bound.port },
    capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
  };
  const allocator = new Allocator({
    allocationIntervalMs: flags.core.allocationIntervalMs,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const core = new MasterCore({ masterInfo, flags: flags.core }, { allocator });

  let hub: OperatorEventHub | undefined;
  let stop: (() => Promise<void>) | undefined;
  const dispatcher = new MasterDispatcher({
    core,
    registry,
    logger,
    onOperatorEvent: (event) => hub?.publish(event),
    onAbort: () => void stop?.(),
  });
  const snapshot = () => core.snapshot(dispatcher.nowMs());
  hub = new OperatorEventHub(snapshot, flags.maxOperatorEventStreamSubscribers);
  const admin = new OperatorAdmin(registry, allocator, recovered.state, (agentId) =>
    snapshot().agents.some((a) => a.id === agentId),
  );
  if (recovered.state.weights.size === 0 && flags.weights.size > 0) {
    // --weights seeds the weights of a fresh cluster; the registry's win afterwards (Mesos).
    allocator.updateWeights(flags.weights);
    for (const [role, weight] of flags.weights) admin.weights.set(role, weight);
  }
  const startTimeMs = dispatcher.nowMs();
  dispatcher.dispatch({ kind: "recover", registry: recovered.state });
  view = { kind: "leading", recovered: core.recovered };

  const operatorHub = hub;
  const metrics = new MasterMetrics(() => core.metrics(dispatcher.nowMs()), {
    "master/operator_event_stream_subscribers": () => operatorHub.size,
  });
  const ctx: MasterHttpContext = {
    dispatcher,
    view: () => view,
    ...(options.heartbeatTimer === undefined ? {} : { heartbeatTimer: options.heartbeatTimer }),
  };
  registerCommonEndpoints(server, { metrics, healthy: () => !dispatcher.closed });
  registerSchedulerApi(server, ctx);
  registerAgentChannel(server, ctx);
  const flagText = flagValues(flags);
  registerOperatorApi(server, {
    ...ctx,
    hub,
    admin,
    masterInfo,
    flags: flagText,
    metrics: () => metrics.snapshot(),
    startTimeMs,
    electedTimeMs: startTimeMs,
  });
  registerLegacyEndpoints(server, {
    ...ctx,
    admin,
    masterInfo,
    flags: flagText,
    startTimeMs,
    electedTimeMs: startTimeMs,
    cluster: flags.cluster,
  });

  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let closing: Promise<void> | undefined;
  stop = () => {
    closing ??= (async () => {
      dispatcher.close();
      operatorHub.close();
      await server.close();
      await registry.close().catch((error: unknown) => {
        logger.error({ err: error }, "closing the registry failed");
      });
      logger.info("master stopped");
      resolveStopped();
    })();
    return closing;
  };

  const host = flags.ip === "0.0.0.0" ? "127.0.0.1" : bound.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound.port}`;
  logger.info({ url, id: masterInfo.id, registry: flags.registry }, "master started");
  return { url, port: bound.port, masterInfo, flags, dispatcher, stopped, close: stop };
}

// A scheduler-like v1 endpoint built only from the shell's pieces, the way the master will
// build its own: leader guard, POST only, Content-Type, JSON, Call conversion, Accept check for
// SUBSCRIBE, then a RecordIO stream for SUBSCRIBE and 202 for the rest.
import type { EventStream, HeartbeatTimer } from "../../src/http/event-stream.ts";
import { type LeadershipView, leaderGuard } from "../../src/http/leader.ts";
import { failureResponse, response, streamReply } from "../../src/http/response.ts";
import type { HttpServer, HttpServerOptions } from "../../src/http/server.ts";
import { negotiateAccept, readV1Call } from "../../src/http/v1-request.ts";
import { SchedulerCall } from "../../src/wire/scheduler.ts";
import { type RunningServer, startServer } from "./raw-http.ts";

export interface SchedulerLikeEndpoint {
  view: LeadershipView;
  readonly streams: EventStream[];
  readonly calls: SchedulerCall[];
  /** Resolves with the next stream the endpoint opens. */
  nextStream(): Promise<EventStream>;
}

export interface SchedulerLikeOptions {
  heartbeatTimer?: HeartbeatTimer;
  maxBufferedBytes?: number;
  /** Called after the first records are written (the fuzz test closes streams here). */
  afterOpen?: (stream: EventStream) => void;
}

/** A server on a loopback port with the endpoint, and whatever other routes `more` adds. */
export async function startSchedulerLike(
  serverOptions: HttpServerOptions,
  options: SchedulerLikeOptions = {},
  more: (server: HttpServer) => void = () => {},
): Promise<{ running: RunningServer; endpoint: SchedulerLikeEndpoint }> {
  let endpoint: SchedulerLikeEndpoint | undefined;
  const running = await startServer((server) => {
    endpoint = registerSchedulerLike(server, options);
    more(server);
  }, serverOptions);
  return { running, endpoint: endpoint as SchedulerLikeEndpoint };
}

export function registerSchedulerLike(
  server: HttpServer,
  options: SchedulerLikeOptions = {},
): SchedulerLikeEndpoint {
  const waiting: Array<(stream: EventStream) => void> = [];
  const state: SchedulerLikeEndpoint = {
    view: { kind: "leading", recovered: true },
    streams: [],
    calls: [],
    nextStream: () => new Promise((resolve) => waiting.push(resolve)),
  };
  server.route({
    name: "api/v1/scheduler",
    methods: ["POST"],
    guard: leaderGuard(() => state.view),
    handler: (request) => {
      const read = readV1Call(request, SchedulerCall);
      if (!read.ok) return failureResponse(read.failure);
      const { call } = read.value;
      state.calls.push(call);
      if (call.type !== "SUBSCRIBE") return response(202);
      const accept = negotiateAccept(request);
      if (!accept.ok) return failureResponse(accept.failure);
      return streamReply(
        {
          contentType: accept.value,
          ...(options.maxBufferedBytes ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
          heartbeat: {
            intervalMs: 15_000,
            record: () => '{"type":"HEARTBEAT"}',
            ...(options.heartbeatTimer ? { timer: options.heartbeatTimer } : {}),
          },
        },
        (stream) => {
          state.streams.push(stream);
          stream.send(
            JSON.stringify({
              type: "SUBSCRIBED",
              subscribed: { framework_id: { value: "fw-1" }, heartbeat_interval_seconds: 15 },
            }),
          );
          stream.startHeartbeats();
          for (const resolve of waiting.splice(0)) resolve(stream);
          options.afterOpen?.(stream);
        },
      );
    },
  });
  return state;
}

export const SUBSCRIBE_CALL = JSON.stringify({
  type: "SUBSCRIBE",
  subscribe: { framework_info: { user: "alice", name: "test framework" } },
});

/** A heartbeat timer the test fires by hand. */
export class ManualTimer implements HeartbeatTimer {
  private readonly ticks = new Set<() => void>();
  intervalMs: number | undefined;

  every(intervalMs: number, tick: () => void): () => void {
    this.intervalMs = intervalMs;
    this.ticks.add(tick);
    return () => this.ticks.delete(tick);
  }

  fire(): void {
    for (const tick of [...this.ticks]) tick();
  }

  get active(): number {
    return this.ticks.size;
  }
}

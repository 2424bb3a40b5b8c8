// A scripted stand-in for the master's v1 scheduler endpoint, built from the real HTTP shell
// (leader guard, v1 request checks, RecordIO streams): it records every call, checks the
// stream id the way Mesos does, and lets a test push events. It exists until the real master
// shell (src/master/server.ts) can be started from the SDK's tests; then those take over.
import type { EventStream } from "../../src/http/event-stream.ts";
import { type LeadershipView, leaderGuard } from "../../src/http/leader.ts";
import { failureResponse, response, streamReply, textResponse } from "../../src/http/response.ts";
import { HttpServer } from "../../src/http/server.ts";
import { readV1Call } from "../../src/http/v1-request.ts";
import { SchedulerCall } from "../../src/wire/scheduler.ts";

export interface FakeMaster {
  readonly port: number;
  readonly url: string;
  view: LeadershipView;
  /** Every call in arrival order, with the stream id header it carried. */
  readonly calls: { call: SchedulerCall; streamId: string | undefined }[];
  /** Heartbeat interval announced in SUBSCRIBED (no heartbeats are sent by themselves). */
  heartbeatIntervalSeconds: number;
  /** The stream of the current subscription, once open. */
  stream(): EventStream | undefined;
  send(event: object): void;
  /** Resolves when `predicate` holds for the calls seen (checked on each new call). */
  waitForCall(predicate: (call: SchedulerCall) => boolean): Promise<SchedulerCall>;
  waitForSubscription(count: number): Promise<void>;
  /** Requests seen, those the leader guard refused included. */
  readonly requests: number;
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeMaster(port = 0, frameworkIds = { next: 0 }): Promise<FakeMaster> {
  const server = new HttpServer();
  let current: EventStream | undefined;
  let subscriptions = 0;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const fake: FakeMaster = {
    port: 0,
    url: "",
    view: { kind: "leading", recovered: true },
    calls: [],
    heartbeatIntervalSeconds: 15,
    stream: () => current,
    send: (event) => {
      current?.send(JSON.stringify(event));
    },
    waitForCall: (predicate) =>
      new Promise((resolve) => {
        const check = () => {
          const hit = fake.calls.find((c) => predicate(c.call));
          if (hit) resolve(hit.call);
          else waiters.push(check);
        };
        check();
      }),
    waitForSubscription: (count) =>
      new Promise((resolve) => {
        const check = () => (subscriptions >= count && current ? resolve() : waiters.push(check));
        check();
      }),
    requests: 0,
    waitForRequests: (count) =>
      new Promise((resolve) => {
        const check = () => (fake.requests >= count ? resolve() : waiters.push(check));
        check();
      }),
    close: () => server.close(),
  };
  const guard = leaderGuard(() => fake.view);
  server.route({
    name: "api/v1/scheduler",
    methods: ["POST"],
    guard: (request) => {
      Object.assign(fake, { requests: fake.requests + 1 });
      wake();
      return guard(request);
    },
    handler: (request) => {
      const read = readV1Call(request, SchedulerCall);
      if (!read.ok) return failureResponse(read.failure);
      const { call } = read.value;
      const header = request.headers["mesos-stream-id"];
      const streamId = typeof header === "string" ? header : undefined;
      fake.calls.push({ call, streamId });
      wake();
      if (call.type !== "SUBSCRIBE") {
        // Mesos: a call must carry the current subscription's stream id (reference §1.1).
        if (streamId === undefined || streamId !== current?.streamId) {
          return textResponse(400, "The stream ID included in this request didn't match");
        }
        return response(202);
      }
      const frameworkId = call.framework_id?.value ?? `fw-${frameworkIds.next++}`;
      return streamReply({}, (stream) => {
        // Like Mesos's failover of a connected framework: the old stream gets closed.
        current?.close();
        current = stream;
        subscriptions += 1;
        stream.send(
          JSON.stringify({
            type: "SUBSCRIBED",
            subscribed: {
              framework_id: { value: frameworkId },
              heartbeat_interval_seconds: fake.heartbeatIntervalSeconds,
            },
          }),
        );
        stream.send('{"type":"HEARTBEAT"}');
        wake();
      });
    },
  });
  const bound = await server.listen({ host: "127.0.0.1", port });
  Object.assign(fake, { port: bound.port, url: `http://127.0.0.1:${bound.port}` });
  return fake;
}

export function offerEvent(offerId: string, cpus = 4, memMb = 4096) {
  return {
    type: "OFFERS",
    offers: {
      offers: [
        {
          id: { value: offerId },
          framework_id: { value: "fw-0" },
          agent_id: { value: "S0" },
          hostname: "agent1",
          resources: [
            { name: "cpus", type: "SCALAR", scalar: { value: cpus } },
            { name: "mem", type: "SCALAR", scalar: { value: memMb } },
            { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31010 }] } },
          ],
        },
      ],
    },
  };
}

export function updateEvent(taskId: string, state: string, uuid?: string) {
  return {
    type: "UPDATE",
    update: {
      status: {
        task_id: { value: taskId },
        state,
        source: "SOURCE_EXECUTOR",
        agent_id: { value: "S0" },
        ...(uuid ? { uuid } : {}),
      },
    },
  };
}

/** A fresh 16-byte uuid in base64, as updates carry. */
export function uuid(n: number): string {
  const bytes = new Uint8Array(16);
  bytes[0] = n & 0xff;
  bytes[1] = (n >> 8) & 0xff;
  return Buffer.from(bytes).toString("base64");
}

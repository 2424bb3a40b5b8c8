// HTTP shell throughput on loopback: v1 POST calls per second over kept-alive connections (the
// full path a scheduler call takes: route, Content-Type check, JSON parse, Call schema, 202),
// and events per second through one RecordIO stream read by the v1 client. The call rate is
// measured again over TLS (a test CA made with openssl; keep-alive, so the handshake is paid
// once per connection), on a second server in the same run, when openssl is installed.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { subscribe } from "../src/http/client.ts";
import type { EventStream } from "../src/http/event-stream.ts";
import { failureResponse, response, streamReply } from "../src/http/response.ts";
import { HttpServer } from "../src/http/server.ts";
import { TLS_DISABLED, type TlsSettings } from "../src/http/tls.ts";
import { makeTestCa, opensslPath, type TestCa } from "../src/http/tls-test-ca.ts";
import { readV1Call } from "../src/http/v1-request.ts";
import { SchedulerCall } from "../src/wire/scheduler.ts";
import { type BenchRow, type BenchSuite, nowMs, round, summarise } from "./harness.ts";

const CALLS_PER_RUN = 5_000;
const CALL_RUNS = 3;
const CONCURRENCIES = [1, 16] as const;
const EVENTS_PER_RUN = 100_000;
const EVENT_BATCH = 1_000;
const EVENT_RUNS = 3;

const DECLINE_CALL = JSON.stringify({
  framework_id: { value: "5f7a9d2e-1c3b-4e8f-9a6d-2b4c6e8f0a1b-0000" },
  type: "DECLINE",
  decline: {
    offer_ids: [{ value: "5f7a9d2e-1c3b-4e8f-9a6d-2b4c6e8f0a1b-O42" }],
    filters: { refuse_seconds: 5 },
  },
});

// An UPDATE event of realistic size (~400 bytes).
const UPDATE_EVENT = JSON.stringify({
  type: "UPDATE",
  update: {
    status: {
      task_id: { value: "web.6c1f1c2e-8a3d-11ee-b9d1-0242ac120002" },
      state: "TASK_RUNNING",
      source: "SOURCE_EXECUTOR",
      agent_id: { value: "5f7a9d2e-1c3b-4e8f-9a6d-2b4c6e8f0a1b-S3" },
      executor_id: { value: "web.6c1f1c2e-8a3d-11ee-b9d1-0242ac120002" },
      timestamp: 1700000000.123,
      uuid: "hTaLQ0b5Q1OZuab7QclTKQ==",
      healthy: true,
      container_status: { container_id: { value: "0f9b7a44-1d2e-4c8b-9e1a-6b3c5d7e9f10" } },
    },
  },
});

function startBenchServer(): { server: HttpServer; streams: EventStream[] } {
  const server = new HttpServer({ prefix: "/master" });
  const streams: EventStream[] = [];
  server.route({
    name: "api/v1/scheduler",
    methods: ["POST"],
    handler: (req) => {
      const read = readV1Call(req, SchedulerCall);
      if (!read.ok) return failureResponse(read.failure);
      if (read.value.call.type !== "SUBSCRIBE") return response(202);
      return streamReply({}, (stream) => streams.push(stream));
    },
  });
  return { server, streams };
}

function postOnce(agent: Agent, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = agent instanceof HttpsAgent ? httpsRequest : request;
    const req = send(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/v1/scheduler",
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(DECLINE_CALL),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(DECLINE_CALL);
  });
}

async function callsPerSecond(port: number, concurrency: number, ca?: TestCa): Promise<BenchRow> {
  const agent =
    ca === undefined
      ? new Agent({ keepAlive: true, maxSockets: concurrency })
      : new HttpsAgent({ keepAlive: true, maxSockets: concurrency, ca: readFileSync(ca.caFile) });
  const samples: number[] = [];
  try {
    await Promise.all(Array.from({ length: concurrency }, () => postOnce(agent, port))); // warm-up
    for (let run = 0; run < CALL_RUNS; run++) {
      let next = 0;
      const start = nowMs();
      const worker = async () => {
        while (next < CALLS_PER_RUN) {
          next += 1;
          const status = await postOnce(agent, port);
          if (status !== 202) throw new Error(`unexpected status ${status}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      samples.push(nowMs() - start);
    }
  } finally {
    agent.destroy();
  }
  const timing = summarise(samples);
  return {
    name: `v1 POST call (DECLINE -> 202), keep-alive${ca === undefined ? "" : ", TLS"}`,
    value: Math.round((CALLS_PER_RUN / timing.medianMs) * 1000),
    unit: "req/s",
    concurrency,
    calls: CALLS_PER_RUN,
    runs: CALL_RUNS,
  };
}

async function eventsPerSecond(port: number, streams: EventStream[]): Promise<BenchRow> {
  const samples: number[] = [];
  const subscribeCall = JSON.stringify({
    type: "SUBSCRIBE",
    subscribe: { framework_info: { user: "bench", name: "bench" } },
  });
  for (let run = 0; run < EVENT_RUNS; run++) {
    const sub = await subscribe(`http://127.0.0.1:${port}/api/v1/scheduler`, subscribeCall);
    if (!sub.ok) throw new Error(`subscribe refused: ${sub.response.status}`);
    const stream = streams.at(-1)!;
    const sendBatch = () => {
      for (let i = 0; i < EVENT_BATCH; i++) stream.send(UPDATE_EVENT);
    };
    const start = nowMs();
    sendBatch();
    sendBatch();
    let received = 0;
    for await (const _event of sub.events) {
      received += 1;
      if (received === EVENTS_PER_RUN) break;
      // Keep at most two batches in flight, well under the stream's backlog limit.
      if (received % EVENT_BATCH === 0 && received + EVENT_BATCH < EVENTS_PER_RUN) sendBatch();
    }
    samples.push(nowMs() - start);
    sub.close();
    stream.close();
  }
  const timing = summarise(samples);
  return {
    name: "RecordIO stream, UPDATE events end to end",
    value: Math.round((EVENTS_PER_RUN / timing.medianMs) * 1000),
    unit: "events/s",
    eventBytes: Buffer.byteLength(UPDATE_EVENT),
    events: EVENTS_PER_RUN,
    medianMs: round(timing.medianMs),
  };
}

export const suite: BenchSuite = {
  name: "http",
  description: `${CALLS_PER_RUN} v1 calls x ${CALL_RUNS} runs per concurrency, ${EVENTS_PER_RUN} stream events x ${EVENT_RUNS} runs, loopback`,
  async run() {
    const { server, streams } = startBenchServer();
    const { port } = await server.listen({ host: "127.0.0.1", port: 0, tls: TLS_DISABLED });
    const caDir = mkdtempSync(join(tmpdir(), "tessera-bench-tls-"));
    const ca = opensslPath() === undefined ? undefined : makeTestCa(caDir);
    const tlsServer = startBenchServer().server;
    try {
      const rows: BenchRow[] = [];
      for (const concurrency of CONCURRENCIES) rows.push(await callsPerSecond(port, concurrency));
      if (ca !== undefined) {
        const tls: TlsSettings = {
          ...TLS_DISABLED,
          enabled: true,
          certFile: ca.certFile,
          keyFile: ca.keyFile,
        };
        const bound = await tlsServer.listen({ host: "127.0.0.1", port: 0, tls });
        for (const concurrency of CONCURRENCIES) {
          rows.push(await callsPerSecond(bound.port, concurrency, ca));
        }
      }
      rows.push(await eventsPerSecond(port, streams));
      return rows;
    } finally {
      await server.close();
      await tlsServer.close();
      rmSync(caDir, { recursive: true, force: true });
    }
  },
};

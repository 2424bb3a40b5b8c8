// A chunked reply (chunked-reply.ts, the master's state answers) is written chunk by chunk,
// pulled as the socket takes it, with a turn of the event loop between chunks: another request
// is handled before the last chunk is even made, and the body is the chunks joined (gzipped
// when asked for).
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { chunkedReply, response } from "../../src/http/response.ts";
import { type RunningServer, startServer } from "./raw-http.ts";

const CHUNKS = 50;
const CHUNK = "y".repeat(64 * 1024);

/** What happened, in order: chunks made by the reply, calls handled by the other route. */
const log: string[] = [];
let running: RunningServer;

function* body(): Generator<string> {
  for (let i = 0; i < CHUNKS; i++) {
    log.push(`chunk ${i}`);
    yield CHUNK;
  }
}

before(async () => {
  running = await startServer((server) => {
    server.route({
      name: "big",
      methods: ["GET"],
      handler: () => chunkedReply(200, { "Content-Type": "application/json" }, body()),
    });
    server.route({
      name: "ping",
      methods: ["GET"],
      handler: () => {
        log.push("ping handled");
        return response(200, "pong");
      },
    });
  });
});
after(() => running.close());

function get(path: string, headers: Record<string, string> = {}, onFirstData?: () => void) {
  return new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: running.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (chunks.length === 0) onFirstData?.();
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

test("a request made once a chunked reply's first chunk arrived is handled before its last chunk is made", async () => {
  log.length = 0;
  let ping: Promise<unknown> | undefined;
  const big = await get("/big", {}, () => {
    ping = get("/ping");
  });
  await ping;
  assert.equal(big.headers["transfer-encoding"], "chunked");
  assert.equal(big.body.toString(), CHUNK.repeat(CHUNKS));
  const handled = log.indexOf("ping handled");
  assert.ok(handled > 0, log.join(", "));
  assert.ok(handled < log.indexOf(`chunk ${CHUNKS - 1}`), log.join(", "));
});

test("a chunked reply is gzipped as it goes for a client that accepts gzip", async () => {
  const big = await get("/big", { "Accept-Encoding": "gzip" });
  assert.equal(big.headers["content-encoding"], "gzip");
  assert.equal(gunzipSync(big.body).toString(), CHUNK.repeat(CHUNKS));
});

// A complete response printed in pieces (the master's state, hundreds of MB of JSON): written
// chunk by chunk with Transfer-Encoding: chunked, waiting for the socket when it is full and
// giving the event loop a turn between chunks, so the calls that arrive meanwhile are answered
// while it is written (issue 21). Gzipped as it goes when the client accepts gzip, as the
// complete responses are (server.ts); its length is never known up front.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { createGzip } from "node:zlib";
import type { ChunkedReply } from "./response.ts";

async function* paced(chunks: ChunkedReply["chunks"]): AsyncGenerator<string | Uint8Array> {
  for await (const chunk of chunks) {
    yield chunk;
    await nextTurn();
  }
}

export function sendChunked(
  req: IncomingMessage,
  res: ServerResponse,
  reply: ChunkedReply,
  gzip: boolean,
): void {
  if (res.destroyed) return;
  if (!req.complete) req.resume();
  const headers: Record<string, string> = { ...reply.headers };
  if (gzip) {
    headers["Content-Encoding"] = "gzip";
    headers.Vary = "Accept-Encoding";
  }
  res.writeHead(reply.status, headers);
  const body = Readable.from(paced(reply.chunks));
  const done = gzip ? pipeline(body, createGzip(), res) : pipeline(body, res);
  // A failure midway (the client left) can only cut the response short.
  done.catch(() => res.destroy());
}

// Test helpers: a server on a loopback port, and raw HTTP requests with byte-exact control of
// headers (fetch would add its own Content-Type and Accept-Encoding).
import { request } from "node:http";
import { HttpServer, type HttpServerOptions } from "../../src/http/server.ts";

export interface RunningServer {
  readonly server: HttpServer;
  readonly port: number;
  readonly base: string;
  close(): Promise<void>;
}

export async function startServer(
  setup: (server: HttpServer) => void,
  options: HttpServerOptions = {},
): Promise<RunningServer> {
  const server = new HttpServer(options);
  setup(server);
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return { server, port, base: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: string | Uint8Array;
  /** Sends the body as these pieces with chunked transfer encoding. */
  readonly chunks?: readonly (string | Uint8Array)[];
}

/** One request on its own connection; resolves with the whole (undecoded) response. */
export function rawRequest(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: "127.0.0.1",
        port,
        method: req.method ?? "POST",
        path: req.path,
        headers: req.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString("utf8"),
          });
        });
        res.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    if (req.chunks) {
      for (const chunk of req.chunks) outgoing.write(chunk);
      outgoing.end();
    } else {
      outgoing.end(req.body);
    }
  });
}

// A Docker engine's HTTP API (v1.41, the one Debian's docker.io speaks) over its unix socket,
// as the Docker containerizer uses it: create/start/wait/stop/kill/remove a container,
// inspect it, list `mesos-*` containers, one stats sample, follow its logs, and pull or load
// an image. No docker CLI is run and nothing is parsed from one. Every call is a result:
// an engine that is gone or refuses is an operating error, never a throw.
import { request } from "node:http";
import type { Readable } from "node:stream";

export type EngineResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: number; readonly message: string };

/** How long one API call may take before it is abandoned (a pull streams, and is not bound). */
const CALL_TIMEOUT_MS = 60_000;
const API = "/v1.41";

export interface EngineContainer {
  readonly Id: string;
  readonly Names: readonly string[];
  readonly State: string;
}

export interface ContainerState {
  readonly Running: boolean;
  readonly Pid: number;
  readonly ExitCode: number;
  readonly OOMKilled: boolean;
  readonly Status: string;
}

export class DockerEngine {
  readonly socketPath: string;
  /** Aborts the calls in flight (waits and log streams never end by themselves). */
  readonly #abort = new AbortController();

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  /** One call; the body of the answer, parsed as JSON when it is JSON. */
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: { timeoutMs?: number; raw?: Buffer; contentType?: string } = {},
  ): Promise<EngineResult<T>> {
    return new Promise((resolve) => {
      const payload =
        options.raw ?? (body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path: `${API}${path}`,
          headers: {
            host: "docker",
            ...(payload === undefined
              ? {}
              : {
                  "content-type": options.contentType ?? "application/json",
                  "content-length": payload.length,
                }),
          },
          timeout: options.timeoutMs ?? CALL_TIMEOUT_MS,
          signal: this.#abort.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            let parsed: unknown = text;
            if ((res.headers["content-type"] ?? "").includes("json") && text !== "") {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            if (status >= 200 && status < 300) resolve({ ok: true, value: parsed as T });
            else {
              const message =
                typeof parsed === "object" && parsed !== null && "message" in parsed
                  ? String((parsed as { message: unknown }).message)
                  : text.trim() || `HTTP ${status}`;
              resolve({ ok: false, status, message });
            }
          });
          res.on("error", (e) => resolve({ ok: false, status: 0, message: e.message }));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer from the Docker engine`)));
      req.on("error", (e) =>
        resolve({
          ok: false,
          status: 0,
          message: `Docker engine at ${this.socketPath}: ${e.message}`,
        }),
      );
      req.end(payload);
    });
  }

  /** A streamed answer (logs): the response stream, or why there is none. */
  stream(path: string): Promise<EngineResult<Readable>> {
    return new Promise((resolve) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method: "GET",
          path: `${API}${path}`,
          headers: { host: "docker" },
          signal: this.#abort.signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ ok: true, value: res });
          else {
            res.resume();
            resolve({ ok: false, status, message: `HTTP ${status}` });
          }
        },
      );
      req.on("error", (e) => resolve({ ok: false, status: 0, message: e.message }));
      req.end();
    });
  }

  /** The agent stops: its waits and log streams are dropped (the containers run on). */
  close(): void {
    this.#abort.abort();
  }

  get closed(): boolean {
    return this.#abort.signal.aborted;
  }

  version(): Promise<EngineResult<{ Version: string; ApiVersion: string }>> {
    return this.call("GET", "/version", undefined, { timeoutMs: 5_000 });
  }

  /** True when the engine has the image (by name or id). */
  async hasImage(image: string): Promise<boolean> {
    const r = await this.call("GET", `/images/${encodeURIComponent(image)}/json`);
    return r.ok;
  }

  /** Pulls `image` (the engine's own registries and credentials); the stream's last error. */
  async pull(image: string): Promise<EngineResult<void>> {
    const { repo, tag } = splitTag(image);
    const r = await this.call<string>(
      "POST",
      `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`,
      undefined,
      { timeoutMs: 30 * 60_000 },
    );
    if (!r.ok) return r;
    // The answer is a stream of JSON lines; a failed pull says so in one of them.
    const failed = String(r.value)
      .split("\n")
      .find((line) => line.includes('"error"'));
    if (failed !== undefined) {
      const message = (JSON.parse(failed) as { error: string }).error;
      return { ok: false, status: 500, message };
    }
    return { ok: true, value: undefined };
  }

  /** `docker load`: a `docker save` archive. */
  async load(archive: Buffer): Promise<EngineResult<void>> {
    const r = await this.call("POST", "/images/load?quiet=1", undefined, {
      raw: archive,
      contentType: "application/x-tar",
    });
    return r.ok ? { ok: true, value: undefined } : r;
  }

  create(name: string, body: unknown): Promise<EngineResult<{ Id: string }>> {
    return this.call("POST", `/containers/create?name=${encodeURIComponent(name)}`, body);
  }

  async start(id: string): Promise<EngineResult<void>> {
    const r = await this.call("POST", `/containers/${id}/start`);
    return r.ok || r.status === 304 ? { ok: true, value: undefined } : r;
  }

  async inspect(
    id: string,
  ): Promise<EngineResult<{ Id: string; Name: string; State: ContainerState }>> {
    return this.call("GET", `/containers/${id}/json`);
  }

  /** Resolves when the container has stopped, with its exit code. */
  async wait(id: string): Promise<EngineResult<{ StatusCode: number }>> {
    return this.call("POST", `/containers/${id}/wait`, undefined, { timeoutMs: 0 });
  }

  /** The container's stop signal, then SIGKILL after `seconds`. */
  async stop(id: string, seconds: number): Promise<EngineResult<void>> {
    const r = await this.call("POST", `/containers/${id}/stop?t=${Math.ceil(seconds)}`, undefined, {
      timeoutMs: seconds * 1000 + CALL_TIMEOUT_MS,
    });
    return r.ok || r.status === 304 ? { ok: true, value: undefined } : r;
  }

  async remove(id: string): Promise<EngineResult<void>> {
    const r = await this.call("DELETE", `/containers/${id}?force=1&v=1`);
    return r.ok || r.status === 404 ? { ok: true, value: undefined } : r;
  }

  async update(id: string, body: unknown): Promise<EngineResult<void>> {
    const r = await this.call("POST", `/containers/${id}/update`, body);
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /** Every container (running or not) whose name starts with `prefix`. */
  async list(prefix: string): Promise<EngineResult<EngineContainer[]>> {
    const filters = encodeURIComponent(JSON.stringify({ name: [`^/${prefix}`] }));
    return this.call("GET", `/containers/json?all=1&filters=${filters}`);
  }

  stats(id: string): Promise<EngineResult<EngineStats>> {
    return this.call("GET", `/containers/${id}/stats?stream=false`);
  }
}

export interface EngineStats {
  readonly cpu_stats?: { cpu_usage?: { usage_in_usermode?: number; usage_in_kernelmode?: number } };
  readonly memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: { anon?: number; file?: number };
  };
  readonly pids_stats?: { current?: number };
}

/** `name[:tag]`, the tag `latest` when absent (a registry's port is not a tag). */
export function splitTag(image: string): { repo: string; tag: string } {
  const at = image.indexOf("@");
  if (at >= 0) return { repo: image.slice(0, at), tag: image.slice(at + 1) };
  const colon = image.lastIndexOf(":");
  if (colon > image.lastIndexOf("/"))
    return { repo: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repo: image, tag: "latest" };
}

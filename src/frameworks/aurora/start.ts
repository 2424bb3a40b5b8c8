// Starts the Aurora API beside the services (Marathon) API, in the services framework's
// process and on its engine: the services start calls this when given `aurora` options.
import type { HttpRequest, RequestIdentity } from "../../http/server.ts";
import type { ServicesState } from "../services/services-state.ts";
import { AuroraApi } from "./aurora-api.ts";
import { AuroraHttpServer } from "./aurora-http.ts";
import { EngineClient, type ServicesHandle } from "./engine-client.ts";

/** Aurora's scheduler port. */
export const AURORA_DEFAULT_PORT = 8081;

export interface AuroraOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The master's `--cluster` name: the first part of every job key. */
  readonly cluster: string;
  /** The jobs framework's URL, for cron and ad-hoc jobs (asked at each call: it may start later). */
  readonly jobsUrl?: () => string | undefined;
  /** ZooKeeper servers `host:port,...` where jobs with `announce` are announced. */
  readonly zkServers?: string;
}

export interface StartAuroraInput {
  readonly options: AuroraOptions;
  readonly host: string;
  readonly services: ServicesHandle;
  readonly state: ServicesState;
  readonly masterUrl: () => string | undefined;
  readonly durable?: () => Promise<void>;
  readonly authenticate?: (route: string, request: HttpRequest) => RequestIdentity;
}

export interface RunningAurora {
  readonly url: string;
  readonly api: AuroraApi;
  close(): Promise<void>;
}

export async function startAurora(input: StartAuroraInput): Promise<RunningAurora> {
  const { options } = input;
  const engines = new EngineClient({
    services: input.services,
    ...(options.jobsUrl === undefined ? {} : { jobsUrl: options.jobsUrl }),
    masterUrl: input.masterUrl,
    ...(input.durable === undefined ? {} : { durable: input.durable }),
  });
  const api = new AuroraApi({
    cluster: options.cluster,
    state: input.state,
    engines,
    nowMs: Date.now,
    ...(options.zkServers === undefined ? {} : { zkServers: options.zkServers }),
  });
  const http = new AuroraHttpServer({
    api,
    cluster: options.cluster,
    nowMs: Date.now,
    ...(input.authenticate === undefined ? {} : { authenticate: input.authenticate }),
  });
  const address = await http.listen(options.port, input.host);
  return {
    url: `${address.scheme}://${address.host}:${address.port}`,
    api,
    close: () => http.close(),
  };
}

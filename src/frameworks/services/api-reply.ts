// The reply kinds of the services API and the helpers every route module answers with:
// Marathon's message bodies, the status of each expected failure, the "Deployable" answer
// (deployment id + version, with the Marathon-Deployment-Id header), and query flags.
import type { ValidationFailure } from "./app-validation.ts";
import type { DeploymentResult, ServicesError } from "./services-types.ts";

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
  readonly clientIp: string;
}

export type ApiReply =
  | {
      readonly kind: "json";
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Record<string, string>;
    }
  | { readonly kind: "text"; readonly status: number; readonly body: string }
  | { readonly kind: "events"; readonly filter: ReadonlySet<string> | undefined };

/** One route: `/<name>`, and with `subpaths` every `/<name>/<tail>` too. */
export interface ApiRoute {
  readonly name: string;
  readonly subpaths?: boolean;
  readonly serve: (req: ApiRequest, tail: string) => ApiReply;
}

/** A complete answer (every reply but the event stream). */
export type ApiAnswer = Exclude<ApiReply, { readonly kind: "events" }>;

export const json = (status: number, body: unknown, headers?: Record<string, string>): ApiReply =>
  headers === undefined ? { kind: "json", status, body } : { kind: "json", status, body, headers };

export const message = (status: number, text: string): ApiReply => json(status, { message: text });

export const uriNotFound = (): ApiAnswer => ({
  kind: "json",
  status: 404,
  body: { message: "URI not found" },
});

const ERROR_STATUS: Record<ServicesError["code"], number> = {
  APP_NOT_FOUND: 404,
  APP_EXISTS: 409,
  APP_LOCKED: 409,
  DEPLOYMENT_NOT_FOUND: 404,
  UPDATE_STATE: 409,
  TASK_NOT_FOUND: 404,
  QUOTA_EXCEEDED: 422,
};

export function errorReply(error: ServicesError): ApiReply {
  const body: Record<string, unknown> = { message: error.message };
  // Marathon's 422 shape: the reason also in `details`, where clients look for it.
  if (error.code === "QUOTA_EXCEEDED") body.details = [{ path: "/", errors: [error.message] }];
  if (error.deployments !== undefined) body.deployments = error.deployments.map((id) => ({ id }));
  return json(ERROR_STATUS[error.code], body);
}

export const invalid = (f: ValidationFailure): ApiReply => json(f.status, f.body);

export const flag = (q: URLSearchParams, name: string, fallback = false) => {
  const v = q.get(name);
  return v === null ? fallback : v === "" || v === "true";
};

export const deployed = (r: DeploymentResult, status = 200): ApiReply =>
  json(
    status,
    { deploymentId: r.deploymentId, version: r.version },
    { "Marathon-Deployment-Id": r.deploymentId },
  );

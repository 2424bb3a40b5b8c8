// Tessera's update-control routes under /v2/deployments (Aurora's pauseJobUpdate,
// resumeJobUpdate, pulseJobUpdate, rollbackJobUpdate on a deployment id), and
// GET /v2/deployments/{id}, which also answers for a finished deployment that had updates (with
// its final `updateState`). DELETE keeps Marathon's meaning (api.ts).
import type { ApiReply, ApiRequest } from "./api.ts";
import { deploymentJson } from "./api-json.ts";
import type { ServicesState } from "./services-state.ts";

const COMMAND = /^([^/]+)\/(pause|resume|pulse|rollback)$/;

/** The reply for an update route, or undefined when `tail` is none of them. */
export function updateRoute(
  state: ServicesState,
  req: ApiRequest,
  tail: string,
  nowMs: number,
  flush: () => void,
): ApiReply | undefined {
  if (req.method === "GET" && !tail.includes("/")) {
    const d = state.deployment(tail);
    if (d === undefined)
      return {
        kind: "json",
        status: 404,
        body: { message: `DeploymentPlan ${tail} does not exist` },
      };
    return { kind: "json", status: 200, body: deploymentJson(d, state) };
  }
  const m = COMMAND.exec(tail);
  if (m === null || req.method !== "POST") return undefined;
  const command = m[2] as "pause" | "resume" | "pulse" | "rollback";
  const result = state.updateCommand(m[1] as string, command, nowMs);
  if (!result.ok) {
    const status = result.error.code === "DEPLOYMENT_NOT_FOUND" ? 404 : 409;
    return { kind: "json", status, body: { message: result.error.message } };
  }
  flush();
  if (result.value !== undefined) {
    const { deploymentId, version } = result.value;
    return { kind: "json", status: 200, body: { deploymentId, version } };
  }
  // The deployment as the command left it (the flush may already have finished it).
  const d = state.deployment(m[1] as string);
  return { kind: "json", status: 200, body: d === undefined ? {} : deploymentJson(d, state) };
}

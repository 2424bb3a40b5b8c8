// Marathon's readiness checks (reference §1.5): after a task is running (and healthy, when the
// app has health checks) the scheduler itself polls `protocol://host:port/path` — the port is
// the host port of the port named `portName` — every `intervalSeconds`, until an answer's
// status is in `httpStatusCodesForReady`. Only then does the instance count toward deployment
// progress. Unlike health checks these run in the framework, as in Marathon: they gate
// deployments only, and stop once the instance is ready.
import type { AppDefinition, ReadinessCheck } from "./app-definition.ts";
import { appPorts } from "./app-definition.ts";
import type { Instance } from "./instance.ts";
import { taskIdFor } from "./task-info.ts";

/** Marathon's ReadinessCheckResult as shown in a deployment's currentActions. */
export interface ReadinessResult {
  readonly name: string;
  readonly taskId: string;
  readonly ready: boolean;
  readonly lastResponse: { status: number; contentType: string; body: string } | null;
}

/** The URL an instance's readiness check polls, or undefined when its port is unknown. */
export function readinessUrl(
  app: AppDefinition,
  check: ReadinessCheck,
  i: Instance,
): string | undefined {
  const index = appPorts(app).findIndex((p) => p.name === check.portName);
  const port = index < 0 ? undefined : i.hostPorts[index];
  const host = i.agent?.ip ?? i.agent?.hostname;
  if (port === undefined || host === undefined) return undefined;
  const scheme = check.protocol === "HTTPS" ? "https" : "http";
  return `${scheme}://${host}:${port}${check.path}`;
}

/** Whether `i` is due a readiness probe: running, healthy if checked, not ready yet. */
export function wantsReadinessProbe(app: AppDefinition, i: Instance): boolean {
  if (app.readinessChecks.length === 0 || i.ready || i.goal !== "Running") return false;
  if (i.state !== "TASK_RUNNING") return false;
  return app.healthChecks.length === 0 || i.healthy === true;
}

export interface ReadinessProbeTarget {
  readonly instanceId: string;
  readonly incarnation: number;
  readonly taskId: string;
  readonly check: ReadinessCheck;
  readonly url: string;
}

/** Probes due now; `lastProbeMs` (per task id) spaces them by the check's interval. */
export function dueProbes(
  apps: ReadonlyMap<string, AppDefinition>,
  instances: Iterable<Instance>,
  lastProbeMs: ReadonlyMap<string, number>,
  nowMs: number,
): ReadinessProbeTarget[] {
  const out: ReadinessProbeTarget[] = [];
  for (const i of instances) {
    const app = apps.get(i.appId);
    const check = app?.readinessChecks[0];
    if (app === undefined || check === undefined || !wantsReadinessProbe(app, i)) continue;
    const taskId = taskIdFor(i.instanceId, i.incarnation);
    const last = lastProbeMs.get(taskId);
    if (last !== undefined && nowMs - last < check.intervalSeconds * 1000) continue;
    const url = readinessUrl(app, check, i);
    if (url === undefined) continue;
    out.push({ instanceId: i.instanceId, incarnation: i.incarnation, taskId, check, url });
  }
  return out;
}

/** One HTTP probe with the check's timeout; network errors are "not ready". */
export async function probe(target: ReadinessProbeTarget): Promise<ReadinessResult> {
  const { check } = target;
  try {
    const res = await fetch(target.url, {
      signal: AbortSignal.timeout(check.timeoutSeconds * 1000),
    });
    const body = await res.text();
    return {
      name: check.name,
      taskId: target.taskId,
      ready: check.httpStatusCodesForReady.includes(res.status),
      lastResponse: check.preserveLastResponse
        ? { status: res.status, contentType: res.headers.get("content-type") ?? "", body }
        : null,
    };
  } catch {
    return { name: check.name, taskId: target.taskId, ready: false, lastResponse: null };
  }
}

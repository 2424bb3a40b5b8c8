// The TaskInfo for one instance (reference §1.7 ids, §1.12 environment, §1.5 health checks):
// task id `<app path with / -> _>.instance-<uuid>._app.<incarnation>`, Marathon's environment
// variables, labels, a kill policy from taskKillGracePeriodSeconds, and the app's health check
// as a Mesos HealthCheck so the executor on the agent runs it (Tessera runs every check on the
// agent, also Marathon's central HTTP/TCP kinds: pain point §4.6).
import { commandTask, type TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import { thermosTaskInfo } from "../aurora/thermos-app.ts";
import { type AppDefinition, type AppHealthCheck, appPorts } from "./app-definition.ts";
import { type AppId, appIdToTaskPrefix, taskPrefixToAppId } from "./path-id.ts";
import { taskContainer } from "./task-container.ts";
import { applyTaskNetwork } from "./task-network.ts";

/** Marathon drops label values longer than this from MARATHON_APP_LABEL_* variables. */
export const MAX_LABEL_ENV_VALUE_CHARS = 512;

export function instanceIdFor(app: AppId, uuid: string): string {
  return `${appIdToTaskPrefix(app)}.instance-${uuid}`;
}

export function taskIdFor(instanceId: string, incarnation: number): string {
  return `${instanceId}._app.${incarnation}`;
}

/** Splits a task id into instance id and incarnation; undefined when it is not one of ours. */
export function parseTaskId(
  taskId: string,
): { appId: AppId; instanceId: string; incarnation: number } | undefined {
  // A pod container's task id adds `.<container name>` (pods.ts).
  const match = /^(.+)\.instance-([0-9a-zA-Z-]+)\._app\.(\d+)(?:\.[a-z0-9-]+)?$/.exec(taskId);
  if (match === null) return undefined;
  const appId = taskPrefixToAppId(match[1] as string);
  if (appId === undefined) return undefined;
  return {
    appId,
    instanceId: `${match[1]}.instance-${match[2]}`,
    incarnation: Number(match[3]),
  };
}

function envName(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

export interface TaskEnvInput {
  readonly app: AppDefinition;
  readonly version: string;
  readonly taskId: string;
  readonly host: string;
  readonly hostPorts: readonly number[];
}

/** Marathon's task environment (§1.12); the app's own `env` entries win over ours. */
export function taskEnvironment(input: TaskEnvInput): Record<string, string> {
  const { app } = input;
  const env: Record<string, string> = {};
  const ports = appPorts(app);
  input.hostPorts.forEach((port, i) => {
    env[`PORT${i}`] = String(port);
    const name = ports[i]?.name;
    if (name !== undefined) env[`PORT_${envName(name)}`] = String(port);
  });
  if (input.hostPorts.length > 0) {
    env.PORT = String(input.hostPorts[0]);
    env.PORTS = input.hostPorts.join(",");
  }
  env.HOST = input.host;
  env.MARATHON_APP_ID = app.id;
  env.MARATHON_APP_VERSION = input.version;
  if (app.container?.docker?.image !== undefined)
    env.MARATHON_APP_DOCKER_IMAGE = app.container.docker.image;
  env.MARATHON_APP_RESOURCE_CPUS = String(app.cpus);
  env.MARATHON_APP_RESOURCE_MEM = String(app.mem);
  env.MARATHON_APP_RESOURCE_DISK = String(app.disk);
  env.MARATHON_APP_RESOURCE_GPUS = String(app.gpus);
  const labelNames = Object.keys(app.labels);
  env.MARATHON_APP_LABELS = labelNames.map(envName).join(" ");
  for (const [name, value] of Object.entries(app.labels)) {
    if (value.length <= MAX_LABEL_ENV_VALUE_CHARS)
      env[`MARATHON_APP_LABEL_${envName(name)}`] = value;
  }
  env.MESOS_TASK_ID = input.taskId;
  for (const [name, value] of Object.entries(app.env)) {
    // Secret references need a secret store; Tessera has none built in, so they are skipped.
    if (typeof value === "string") env[name] = value;
  }
  return env;
}

/**
 * Mesos semantics differ from Marathon's for 0 failures (Mesos kills at once, Marathon never
 * kills); "never" is expressed as the largest uint32.
 */
const NEVER_KILL_FAILURES = 0xffff_ffff;

/** The app's first health check as a Mesos HealthCheck run by the executor, if it has one. */
export function mesosHealthCheck(
  check: AppHealthCheck,
  hostPorts: readonly number[],
): NonNullable<TaskInfoInput["health_check"]> | undefined {
  const port = check.port ?? hostPorts[check.portIndex ?? 0];
  const common = {
    delay_seconds:
      check.protocol.startsWith("MESOS_") || check.protocol === "COMMAND" ? check.delaySeconds : 0,
    interval_seconds: check.intervalSeconds,
    timeout_seconds: check.timeoutSeconds,
    consecutive_failures:
      check.maxConsecutiveFailures === 0 ? NEVER_KILL_FAILURES : check.maxConsecutiveFailures,
    grace_period_seconds: check.gracePeriodSeconds,
  };
  switch (check.protocol) {
    case "COMMAND":
      if (check.command === undefined) return undefined;
      return { type: "COMMAND", command: { shell: true, value: check.command.value }, ...common };
    case "HTTP":
    case "HTTPS":
    case "MESOS_HTTP":
    case "MESOS_HTTPS": {
      if (port === undefined) return undefined;
      const scheme = check.protocol.endsWith("HTTPS") ? "https" : "http";
      return {
        type: "HTTP",
        http: { protocol: check.ipProtocol, scheme, port, path: check.path ?? "/" },
        ...common,
      };
    }
    case "TCP":
    case "MESOS_TCP":
      if (port === undefined) return undefined;
      return { type: "TCP", tcp: { protocol: check.ipProtocol, port }, ...common };
  }
}

export interface TaskBuildInput {
  readonly app: AppDefinition;
  readonly version: string;
  readonly instanceId: string;
  readonly incarnation: number;
  readonly agentId: string;
  readonly host: string;
  readonly resources: readonly WireResource[];
  readonly hostPorts: readonly number[];
  /** The instance's number within the app (Thermos apps: Aurora's shard). */
  readonly instanceNumber?: number;
}

/** The TaskInfo to LAUNCH (command executor; containers are the lead's next step). */
export function buildTaskInfo(input: TaskBuildInput): TaskInfoInput {
  const { app } = input;
  const taskId = taskIdFor(input.instanceId, input.incarnation);
  if (app.thermos !== undefined) {
    return thermosTaskInfo({
      thermos: app.thermos,
      taskId,
      name: app.id.slice(1).replaceAll("/", "."),
      agentId: input.agentId,
      resources: input.resources,
      portNames: appPorts(app).map((p) => p.name),
      hostPorts: input.hostPorts,
      instance: input.instanceNumber ?? 0,
      labels: app.labels,
      ...(app.user === undefined ? {} : { user: app.user }),
    });
  }
  const env = taskEnvironment({
    app,
    version: input.version,
    taskId,
    host: input.host,
    hostPorts: input.hostPorts,
  });
  const cmd = app.cmd ?? app.args ?? "";
  const task = commandTask({
    id: taskId,
    name: app.id.slice(1).replaceAll("/", "."),
    agentId: input.agentId,
    cmd,
    shell: app.cmd !== undefined || app.args === undefined,
    resources: input.resources,
    env,
    ...(app.user === undefined ? {} : { user: app.user }),
    labels: app.labels,
    ...(app.taskKillGracePeriodSeconds === undefined
      ? {}
      : { killGracePeriodMs: app.taskKillGracePeriodSeconds * 1000 }),
  });
  const container = taskContainer(app);
  if (container !== undefined) task.container = container;
  applyTaskNetwork(task, app, input.hostPorts);
  const first = app.healthChecks[0];
  const health = first === undefined ? undefined : mesosHealthCheck(first, input.hostPorts);
  if (health !== undefined) task.health_check = health;
  if (app.fetch.length > 0 && task.command !== undefined) {
    task.command.uris = app.fetch.map((f) => ({
      value: f.uri,
      extract: f.extract,
      executable: f.executable,
      cache: f.cache,
      ...(f.destPath === undefined ? {} : { output_file: f.destPath }),
    }));
  }
  return task;
}

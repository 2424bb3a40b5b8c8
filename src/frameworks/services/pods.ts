// Marathon pods (`/v2/pods`): several containers that run together as one instance, launched
// as one Mesos task group (LAUNCH_GROUP) on the default executor, so they share the sandbox
// and the network namespace. A pod lives in the services engine as an app whose definition
// carries the pod spec (`pod`): its resources are the sum of its containers' plus the
// executor's, its endpoints are its port definitions (one host port each), so placement,
// deployments, backoff and instances are the apps' own. This file converts the pod JSON both
// ways and builds an instance's task group; api-pods.ts serves the routes.
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import type { AppDefinition } from "./app-definition.ts";
import type { AppVersion } from "./app-json.ts";
import { invalidJson, parseAppDefinition, type ValidationFailure } from "./app-validation.ts";
import { taskIdFor } from "./task-info.ts";

export interface PodContainer {
  readonly name: string;
  readonly resources: { readonly cpus: number; readonly mem: number; readonly disk: number };
  readonly exec?: { readonly command: { readonly shell: string } };
  readonly endpoints: { readonly name: string; readonly hostPort?: number }[];
  readonly environment: Record<string, string>;
  readonly healthCheck?: Record<string, unknown>;
}

/** The pod spec as given (normalised), kept inside the app definition. */
export interface PodSpec {
  readonly containers: PodContainer[];
  readonly environment: Record<string, string>;
  readonly executorResources: {
    readonly cpus: number;
    readonly mem: number;
    readonly disk: number;
  };
  readonly networks: unknown[];
  readonly volumes: unknown[];
}

export type PodApp = AppDefinition & { readonly pod: PodSpec };

export const isPod = (app: AppDefinition): app is PodApp => "pod" in app;

/**
 * The default executor's own resources. Marathon's default is 0.1 cpus and 32 MB; Tessera's
 * default executor is a Node.js process, which needs more memory than that.
 */
export const POD_EXECUTOR_RESOURCES = { cpus: 0.1, mem: 128, disk: 10 } as const;

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

type Parsed = { ok: true; app: PodApp } | { ok: false; failure: ValidationFailure };

const notValid = (details: { path: string; errors: string[] }[]): Parsed => ({
  ok: false,
  failure: { status: 422, body: { message: "Object is not valid", details } },
});

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const strings = (v: unknown): Record<string, string> =>
  isObject(v)
    ? Object.fromEntries(
        Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"),
      )
    : {};

const num = (v: unknown, fallback: number) => (typeof v === "number" ? v : fallback);

function parseContainer(raw: unknown, at: string, errors: { path: string; errors: string[] }[]) {
  if (!isObject(raw)) {
    errors.push({ path: at, errors: ["error.expected.jsobject"] });
    return undefined;
  }
  if (typeof raw.name !== "string") {
    errors.push({ path: `${at}/name`, errors: ["error.path.missing"] });
    return undefined;
  }
  if (!NAME.test(raw.name))
    errors.push({
      path: `${at}/name`,
      errors: [`must fully match regular expression '${NAME.source}'`],
    });
  const r = isObject(raw.resources) ? raw.resources : {};
  const shell =
    isObject(raw.exec) && isObject(raw.exec.command) ? raw.exec.command.shell : undefined;
  if (typeof shell !== "string")
    errors.push({ path: `${at}/exec/command/shell`, errors: ["error.path.missing"] });
  const endpoints = (Array.isArray(raw.endpoints) ? raw.endpoints : []).flatMap((e, k) => {
    if (!isObject(e) || typeof e.name !== "string") {
      errors.push({ path: `${at}/endpoints(${k})/name`, errors: ["error.path.missing"] });
      return [];
    }
    return [{ name: e.name, ...(typeof e.hostPort === "number" ? { hostPort: e.hostPort } : {}) }];
  });
  const container: PodContainer = {
    name: raw.name,
    resources: { cpus: num(r.cpus, 1), mem: num(r.mem, 128), disk: num(r.disk, 0) },
    ...(typeof shell === "string" ? { exec: { command: { shell } } } : {}),
    endpoints,
    environment: strings(raw.environment),
    ...(isObject(raw.healthCheck) ? { healthCheck: raw.healthCheck } : {}),
  };
  return container;
}

/** Parses a pod JSON (Marathon's PodDefinition) into the app that runs it. */
export function parsePod(raw: unknown, defaultRole: string): Parsed {
  if (!isObject(raw)) return { ok: false, failure: invalidJson("/", "error.expected.jsobject") };
  const errors: { path: string; errors: string[] }[] = [];
  if (raw.id === undefined) errors.push({ path: "/id", errors: ["error.path.missing"] });
  if (!Array.isArray(raw.containers) || raw.containers.length === 0)
    errors.push({ path: "/containers", errors: ["error.minLength"] });
  const containers = (Array.isArray(raw.containers) ? raw.containers : []).flatMap((c, k) => {
    const parsed = parseContainer(c, `/containers(${k})`, errors);
    return parsed === undefined ? [] : [parsed];
  });
  const names = containers.map((c) => c.name);
  if (new Set(names).size !== names.length)
    errors.push({ path: "/containers", errors: ["container names are not unique"] });
  if (errors.length > 0) return notValid(errors);
  const exec = isObject(raw.executorResources) ? raw.executorResources : {};
  const executorResources = {
    cpus: num(exec.cpus, POD_EXECUTOR_RESOURCES.cpus),
    mem: num(exec.mem, POD_EXECUTOR_RESOURCES.mem),
    disk: num(exec.disk, POD_EXECUTOR_RESOURCES.disk),
  };
  const sum = (k: "cpus" | "mem" | "disk") =>
    containers.reduce((s, c) => s + c.resources[k], executorResources[k]);
  const scaling = isObject(raw.scaling) ? raw.scaling : {};
  const scheduling = isObject(raw.scheduling) ? raw.scheduling : {};
  const placement = isObject(scheduling.placement) ? scheduling.placement : {};
  const endpoints = containers.flatMap((c) => c.endpoints);
  const app = parseAppDefinition(
    {
      id: raw.id,
      cmd: "# a pod: its containers run on the default executor",
      instances: num(scaling.instances, 1),
      cpus: sum("cpus"),
      mem: sum("mem"),
      disk: sum("disk"),
      portDefinitions: endpoints.map((e) => ({ port: 0, name: e.name })),
      labels: strings(raw.labels),
      ...(typeof raw.user === "string" ? { user: raw.user } : {}),
      ...(Array.isArray(placement.constraints) ? { constraints: placement.constraints } : {}),
      ...(Array.isArray(placement.acceptedResourceRoles)
        ? { acceptedResourceRoles: placement.acceptedResourceRoles }
        : {}),
      ...(isObject(scheduling.upgrade) ? { upgradeStrategy: scheduling.upgrade } : {}),
      ...(typeof scheduling.killSelection === "string"
        ? { killSelection: scheduling.killSelection }
        : {}),
      ...(typeof raw.role === "string" ? { role: raw.role } : {}),
    },
    { defaultRole },
  );
  if (!app.ok) return app;
  const pod: PodSpec = {
    containers,
    environment: strings(raw.environment),
    executorResources,
    networks: Array.isArray(raw.networks) ? raw.networks : [{ mode: "host" }],
    volumes: Array.isArray(raw.volumes) ? raw.volumes : [],
  };
  return { ok: true, app: { ...app.app, pod } };
}

/** The pod JSON Marathon answers with (PodDefinition, with `version`). */
export function podJson(v: AppVersion & { app: PodApp }): Record<string, unknown> {
  const { app } = v;
  return {
    id: app.id,
    labels: app.labels,
    version: v.version,
    ...(app.user === undefined ? {} : { user: app.user }),
    environment: app.pod.environment,
    containers: app.pod.containers,
    secrets: {},
    volumes: app.pod.volumes,
    networks: app.pod.networks,
    scaling: { kind: "fixed", instances: app.instances },
    scheduling: {
      backoff: {
        backoff: app.backoffSeconds,
        backoffFactor: app.backoffFactor,
        maxLaunchDelay: app.maxLaunchDelaySeconds,
      },
      upgrade: {
        minimumHealthCapacity: app.upgradeStrategy.minimumHealthCapacity,
        maximumOverCapacity: app.upgradeStrategy.maximumOverCapacity,
      },
      placement: { constraints: app.constraints, acceptedResourceRoles: app.acceptedResourceRoles },
      killSelection: app.killSelection,
      unreachableStrategy: app.unreachableStrategy,
    },
    executorResources: app.pod.executorResources,
    role: app.role,
  };
}

/** The task id of one container of an instance: the instance's task id and the name. */
export const containerTaskId = (instanceTaskId: string, name: string) =>
  `${instanceTaskId}.${name}`;

/** A scalar like `template` (same role, allocation, reservations) holding `value`. */
function scalarLike(all: readonly WireResource[], name: string, value: number): WireResource[] {
  const template = all.find((r) => r.name === name);
  if (template === undefined || value <= 0) return [];
  return [{ ...template, scalar: { value: Math.round(value * 1000) / 1000 } }];
}

function healthCheckFor(
  c: PodContainer,
  ports: Map<string, number>,
): TaskInfoInput["health_check"] {
  const h = c.healthCheck;
  if (h === undefined) return undefined;
  const common = {
    delay_seconds: num(h.delaySeconds, 15),
    interval_seconds: num(h.intervalSeconds, 10),
    timeout_seconds: num(h.timeoutSeconds, 20),
    consecutive_failures: num(h.maxConsecutiveFailures, 3),
    grace_period_seconds: num(h.gracePeriodSeconds, 300),
  };
  const exec = isObject(h.exec) && isObject(h.exec.command) ? h.exec.command.shell : undefined;
  if (typeof exec === "string")
    return { type: "COMMAND", command: { shell: true, value: exec }, ...common };
  const http = isObject(h.http) ? h.http : undefined;
  const httpPort = http === undefined ? undefined : ports.get(String(http.endpoint));
  if (http !== undefined && httpPort !== undefined)
    return {
      type: "HTTP",
      http: { port: httpPort, path: typeof http.path === "string" ? http.path : "/" },
      ...common,
    };
  const tcp = isObject(h.tcp) ? h.tcp : undefined;
  const tcpPort = tcp === undefined ? undefined : ports.get(String(tcp.endpoint));
  if (tcpPort !== undefined) return { type: "TCP", tcp: { port: tcpPort }, ...common };
  return undefined;
}

export interface PodGroupInput {
  readonly app: PodApp;
  readonly version: string;
  readonly instanceId: string;
  readonly incarnation: number;
  readonly agentId: string;
  readonly host: string;
  readonly frameworkId?: string;
  /** What placement took from the offer for the whole instance. */
  readonly resources: readonly WireResource[];
  /** One host port per endpoint, in the order of the containers' endpoints. */
  readonly hostPorts: readonly number[];
}

/** The task group of one pod instance: the DEFAULT executor and one task per container. */
export function buildPodGroup(input: PodGroupInput): {
  executor: NonNullable<TaskInfoInput["executor"]>;
  tasks: TaskInfoInput[];
} {
  const { app } = input;
  const instanceTaskId = taskIdFor(input.instanceId, input.incarnation);
  const ports = new Map<string, number>();
  app.pod.containers
    .flatMap((c) => c.endpoints)
    .forEach((e, k) => {
      const port = input.hostPorts[k];
      if (port !== undefined) ports.set(e.name, port);
    });
  const portsResource = input.resources.filter((r) => r.name === "ports");
  const env = (c: PodContainer): { name: string; value: string }[] =>
    Object.entries({
      ...app.pod.environment,
      ...c.environment,
      MARATHON_APP_ID: app.id,
      MARATHON_APP_VERSION: input.version,
      MESOS_TASK_ID: containerTaskId(instanceTaskId, c.name),
      HOST: input.host,
      ...Object.fromEntries(
        [...ports].map(([name, port]) => [
          `ENDPOINT_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`,
          String(port),
        ]),
      ),
    }).map(([name, value]) => ({ name, value }));
  const tasks = app.pod.containers.map((c, k): TaskInfoInput => {
    const health = healthCheckFor(c, ports);
    return {
      name: `${app.id.slice(1).replaceAll("/", ".")}.${c.name}`,
      task_id: { value: containerTaskId(instanceTaskId, c.name) },
      agent_id: { value: input.agentId },
      resources: [
        ...scalarLike(input.resources, "cpus", c.resources.cpus),
        ...scalarLike(input.resources, "mem", c.resources.mem),
        ...scalarLike(input.resources, "disk", c.resources.disk),
        // The host ports go with the first container: they are the instance's, shared.
        ...(k === 0 ? portsResource : []),
      ],
      command: {
        shell: true,
        value: c.exec?.command.shell ?? "true",
        environment: { variables: env(c) },
      },
      ...(app.taskKillGracePeriodSeconds === undefined
        ? {}
        : { kill_policy: { grace_period: { nanoseconds: app.taskKillGracePeriodSeconds * 1e9 } } }),
      ...(health === undefined ? {} : { health_check: health }),
    };
  });
  const { executorResources: er } = app.pod;
  const executor = {
    type: "DEFAULT" as const,
    executor_id: { value: `instance-${input.instanceId}` },
    ...(input.frameworkId === undefined ? {} : { framework_id: { value: input.frameworkId } }),
    resources: [
      ...scalarLike(input.resources, "cpus", er.cpus),
      ...scalarLike(input.resources, "mem", er.mem),
      ...scalarLike(input.resources, "disk", er.disk),
    ],
  };
  return { executor, tasks };
}

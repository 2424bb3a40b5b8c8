// Marathon pods (`/v2/pods`): several containers that run together as one instance, launched
// as one Mesos task group (LAUNCH_GROUP) on the default executor, so they share the sandbox
// and the network namespace. A pod lives in the services engine as an app whose definition
// carries the pod spec (`pod`): its resources are the sum of its containers' plus the
// executor's, its endpoints are its port definitions (one host port each), so placement,
// deployments, backoff and instances are the apps' own. This file converts the pod JSON both
// ways (pod-group.ts builds an instance's task group); api-pods.ts serves the routes.
import type { AppDefinition } from "./app-definition.ts";
import type { AppVersion } from "./app-json.ts";
import { invalidJson, parseAppDefinition, type ValidationFailure } from "./app-validation.ts";

export interface PodContainer {
  readonly name: string;
  readonly resources: { readonly cpus: number; readonly mem: number; readonly disk: number };
  readonly exec?: { readonly command: { readonly shell: string } };
  /** Marathon's `image`: the container runs in it (a nested container of its own rootfs). */
  readonly image?: { readonly kind: "DOCKER"; readonly id: string; readonly forcePull?: boolean };
  /** Marathon's `volumeMounts`: pod volumes by name, at a path inside the container's image. */
  readonly volumeMounts?: readonly PodVolumeMount[];
  readonly endpoints: { readonly name: string; readonly hostPort?: number }[];
  readonly environment: Record<string, string>;
  readonly healthCheck?: Record<string, unknown>;
}

export interface PodVolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
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

type Errors = { path: string; errors: string[] }[];

function parseImage(raw: unknown, at: string, errors: Errors): PodContainer["image"] {
  if (raw === undefined) return undefined;
  if (!isObject(raw) || typeof raw.id !== "string" || raw.id === "") {
    errors.push({ path: `${at}/id`, errors: ["error.path.missing"] });
    return undefined;
  }
  const kind = raw.kind ?? "DOCKER";
  if (kind !== "DOCKER") {
    errors.push({
      path: `${at}/kind`,
      errors: [`image kind '${String(kind)}' is not supported: only DOCKER images run here`],
    });
    return undefined;
  }
  return { kind, id: raw.id, ...(raw.forcePull === true ? { forcePull: true } : {}) };
}

function parseMounts(raw: unknown, at: string, errors: Errors): PodVolumeMount[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    errors.push({ path: at, errors: ["error.expected.jsarray"] });
    return [];
  }
  return raw.flatMap((m, k): PodVolumeMount[] => {
    if (!isObject(m) || typeof m.name !== "string" || typeof m.mountPath !== "string") {
      errors.push({ path: `${at}(${k})`, errors: ["error.path.missing: name, mountPath"] });
      return [];
    }
    return [
      { name: m.name, mountPath: m.mountPath, ...(m.readOnly === true ? { readOnly: true } : {}) },
    ];
  });
}

function parseContainer(raw: unknown, at: string, errors: Errors) {
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
  const image = parseImage(raw.image, `${at}/image`, errors);
  // With an image and no command the image's Entrypoint and Cmd run, as in Marathon.
  if (typeof shell !== "string" && image === undefined)
    errors.push({ path: `${at}/exec/command/shell`, errors: ["error.path.missing"] });
  const volumeMounts = parseMounts(raw.volumeMounts, `${at}/volumeMounts`, errors);
  if (volumeMounts.length > 0 && image === undefined)
    errors.push({
      path: `${at}/volumeMounts`,
      errors: [
        "a container without an image runs in the pod's sandbox here and cannot mount volumes; give it an image, or use the sandbox directly",
      ],
    });
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
    ...(image === undefined ? {} : { image }),
    ...(volumeMounts.length === 0 ? {} : { volumeMounts }),
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
  const volumes = Array.isArray(raw.volumes) ? raw.volumes : [];
  const volumeNames = new Set(
    volumes.flatMap((v) => (isObject(v) && typeof v.name === "string" ? [v.name] : [])),
  );
  containers.forEach((c, k) => {
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumeNames.has(m.name))
        errors.push({
          path: `/containers(${k})/volumeMounts(${j})/name`,
          errors: [`no pod volume is named '${m.name}'`],
        });
    });
  });
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

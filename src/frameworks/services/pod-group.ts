// An instance of a Marathon pod as one Mesos task group (pods.ts has the pod's JSON): the
// DEFAULT executor and one task per container, with the instance's host ports as ENDPOINT_*
// variables, each container's health check, and a container with an image as a MESOS
// ContainerInfo whose volume mounts are Mesos volumes.
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import { containerTaskId, type PodApp, type PodContainer } from "./pods.ts";
import { taskIdFor } from "./task-info.ts";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const num = (v: unknown, fallback: number) => (typeof v === "number" ? v : fallback);

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

/**
 * A container with an image: a MESOS ContainerInfo naming it, and its volume mounts as Mesos
 * volumes, as Marathon builds them: a pod volume with `host` is that host path, one without is
 * ephemeral, `volumes/<name>` in the executor's sandbox, shared by every container that
 * mounts it (SANDBOX_PATH of type PARENT).
 */
function imageContainer(c: PodContainer, podVolumes: readonly unknown[]) {
  const image = c.image!;
  const hostOf = (name: string) => {
    const v = podVolumes.find((x) => isObject(x) && x.name === name);
    return isObject(v) && typeof v.host === "string" ? v.host : undefined;
  };
  const volumes = (c.volumeMounts ?? []).map((m) => {
    const mode = m.readOnly === true ? ("RO" as const) : ("RW" as const);
    const host = hostOf(m.name);
    return host !== undefined
      ? { container_path: m.mountPath, host_path: host, mode }
      : {
          container_path: m.mountPath,
          mode,
          source: {
            type: "SANDBOX_PATH" as const,
            sandbox_path: { type: "PARENT" as const, path: `volumes/${m.name}` },
          },
        };
  });
  return {
    type: "MESOS" as const,
    mesos: {
      image: {
        type: "DOCKER" as const,
        docker: { name: image.id },
        ...(image.forcePull === true ? { cached: false } : {}),
      },
    },
    ...(volumes.length === 0 ? {} : { volumes }),
  };
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
      // With an image and no command: shell false and no value, the image's Entrypoint/Cmd.
      command:
        c.image !== undefined && c.exec === undefined
          ? { shell: false, environment: { variables: env(c) } }
          : {
              shell: true,
              value: c.exec?.command.shell ?? "true",
              environment: { variables: env(c) },
            },
      ...(c.image === undefined ? {} : { container: imageContainer(c, app.pod.volumes) }),
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

// What Mesos's Docker containerizer asks the engine for (containers.md §3), as the body of the
// API's container create call rather than a `docker run` command line: cpu shares
// max(1024·cpus, 2), memory max(mem, 32 MB), the environment with MESOS_SANDBOX, the sandbox
// at /mnt/mesos/sandbox, the ContainerInfo's volumes, the network mode (HOST by default, a
// `net` parameter overriding it), port mappings (bridge or user network only, each host port
// one of the task's ports), privileged, and the shell rule: shell=true runs `/bin/sh -c value`
// as the entrypoint; shell=false keeps the image's Entrypoint and replaces its Cmd with
// `value` and the arguments. Pure: no I/O.
import type { ContainerInfo } from "../../wire/container.ts";
import type { DockerLaunch } from "../containerizer/containerizer.ts";
import type { CommandSpec } from "../containerizer/launcher.ts";

export const DOCKER_NAME_PREFIX = "mesos-";
export const DOCKER_SANDBOX = "/mnt/mesos/sandbox";
const MIN_MEMORY_BYTES = 32 * 1024 * 1024;
const CPU_SHARES_PER_CPU = 1024;
const MIN_CPU_SHARES = 2;

export interface DockerRunInput {
  readonly launch: DockerLaunch;
  readonly command: CommandSpec;
  readonly env: Readonly<Record<string, string>>;
  readonly cpus: number;
  readonly memMb: number;
  readonly sandboxDir: string;
  readonly containerId: string;
}

export type DockerRun =
  | { readonly ok: true; readonly image: string; readonly name: string; readonly body: CreateBody }
  | { readonly ok: false; readonly message: string };

export interface CreateBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  Labels: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  HostConfig: {
    Binds: string[];
    NetworkMode: string;
    PortBindings?: Record<string, { HostPort: string }[]>;
    Privileged: boolean;
    CpuShares: number;
    Memory: number;
    CapAdd?: string[];
    CapDrop?: string[];
    ExtraHosts?: string[];
    Dns?: string[];
  };
}

export function dockerName(containerId: string): string {
  return `${DOCKER_NAME_PREFIX}${containerId}`;
}

/** The parameters (`--key=value` of `docker run`) this agent passes on; others are refused. */
function applyParameter(body: CreateBody, key: string, value: string): string | undefined {
  const host = body.HostConfig;
  switch (key) {
    case "label": {
      const eq = value.indexOf("=");
      body.Labels[eq < 0 ? value : value.slice(0, eq)] = eq < 0 ? "" : value.slice(eq + 1);
      return undefined;
    }
    case "env":
    case "e":
      body.Env.push(value);
      return undefined;
    case "volume":
    case "v":
      host.Binds.push(value);
      return undefined;
    case "net":
    case "network":
      host.NetworkMode = value;
      return undefined;
    case "workdir":
    case "w":
      body.WorkingDir = value;
      return undefined;
    case "user":
    case "u":
      body.User = value;
      return undefined;
    case "hostname":
    case "h":
      body.Hostname = value;
      return undefined;
    case "cap-add":
      host.CapAdd = [...(host.CapAdd ?? []), value];
      return undefined;
    case "cap-drop":
      host.CapDrop = [...(host.CapDrop ?? []), value];
      return undefined;
    case "add-host":
      host.ExtraHosts = [...(host.ExtraHosts ?? []), value];
      return undefined;
    case "dns":
      host.Dns = [...(host.Dns ?? []), value];
      return undefined;
    case "entrypoint":
      body.Entrypoint = [value];
      return undefined;
    default:
      return `The docker parameter '${key}' is not supported by this agent's Docker containerizer`;
  }
}

function volumeBinds(
  info: ContainerInfo,
  sandboxDir: string,
): { binds: string[] } | { message: string } {
  const binds: string[] = [];
  for (const v of info.volumes ?? []) {
    const mode = v.mode === "RO" ? "ro" : "rw";
    let host = v.host_path ?? v.source?.host_path?.path;
    const sandboxPath = v.source?.sandbox_path;
    if (sandboxPath !== undefined) host = `${sandboxDir}/${sandboxPath.path}`;
    if (host === undefined) {
      return {
        message: `The volume at '${v.container_path}' has no host path: only host and sandbox path volumes run in Docker`,
      };
    }
    // Mesos: a relative host path is relative to the sandbox, a relative container path too.
    const from = host.startsWith("/") ? host : `${sandboxDir}/${host}`;
    const to = v.container_path.startsWith("/")
      ? v.container_path
      : `${DOCKER_SANDBOX}/${v.container_path}`;
    binds.push(`${from}:${to}:${mode}`);
  }
  return { binds };
}

export function dockerRun(input: DockerRunInput): DockerRun {
  const { info } = input.launch;
  const docker = info.docker;
  if (info.type !== "DOCKER" || docker === undefined || docker.image === "") {
    return {
      ok: false,
      message: "A Docker container needs ContainerInfo type DOCKER with docker.image",
    };
  }
  const volumes = volumeBinds(info, input.sandboxDir);
  if ("message" in volumes) return { ok: false, message: volumes.message };
  const network = docker.network ?? "HOST";
  const body: CreateBody = {
    Image: docker.image,
    Env: [
      ...Object.entries(input.env).map(([k, v]) => `${k}=${v}`),
      `MESOS_SANDBOX=${DOCKER_SANDBOX}`,
      `MESOS_CONTAINER_NAME=${dockerName(input.containerId)}`,
    ],
    Labels: { "org.tessera.container_id": input.containerId },
    HostConfig: {
      Binds: [`${input.sandboxDir}:${DOCKER_SANDBOX}:rw`, ...volumes.binds],
      NetworkMode: network === "USER" ? "" : network.toLowerCase(),
      Privileged: docker.privileged === true,
      CpuShares: Math.max(Math.round(CPU_SHARES_PER_CPU * input.cpus), MIN_CPU_SHARES),
      Memory: Math.max(Math.round(input.memMb * 1024 * 1024), MIN_MEMORY_BYTES),
    },
  };
  if (network === "USER") {
    const named = (info.network_infos ?? []).find((n) => n.name !== undefined && n.name !== "");
    if (named?.name === undefined) {
      return { ok: false, message: "Docker network USER needs a named NetworkInfo" };
    }
    body.HostConfig.NetworkMode = named.name;
  }
  for (const p of docker.parameters ?? []) {
    const refused = applyParameter(body, p.key, p.value);
    if (refused !== undefined) return { ok: false, message: refused };
  }
  const mappings = docker.port_mappings ?? [];
  if (mappings.length > 0) {
    const mode = body.HostConfig.NetworkMode;
    if (mode === "host" || mode === "none") {
      return { ok: false, message: `Port mappings need a bridge or user network, not '${mode}'` };
    }
    const bindings: Record<string, { HostPort: string }[]> = {};
    const exposed: Record<string, object> = {};
    for (const m of mappings) {
      if (!input.launch.ports.some(([b, e]) => m.host_port >= b && m.host_port <= e)) {
        return {
          ok: false,
          message: `The host port ${m.host_port} of a port mapping is not in the task's 'ports' resources`,
        };
      }
      const key = `${m.container_port}/${(m.protocol ?? "tcp").toLowerCase()}`;
      bindings[key] = [...(bindings[key] ?? []), { HostPort: String(m.host_port) }];
      exposed[key] = {};
    }
    body.HostConfig.PortBindings = bindings;
    body.ExposedPorts = exposed;
  }
  const { command } = input;
  if (command.shell) {
    body.Entrypoint = ["/bin/sh", "-c"];
    body.Cmd = [command.value];
  } else {
    const argv = [...(command.value === "" ? [] : [command.value]), ...(command.arguments ?? [])];
    if (argv.length > 0) body.Cmd = argv;
  }
  return { ok: true, image: docker.image, name: dockerName(input.containerId), body };
}

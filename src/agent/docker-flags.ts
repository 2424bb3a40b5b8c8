// The agent's Docker containerizer flags (Mesos's slave/flags.cpp, containers.md §3):
// `--containerizers` names docker and/or mesos; `--docker` is accepted for the CLI path Mesos
// runs (the engine is reached through its API, so no CLI is run); `--docker_socket`;
// `--docker_remove_delay` (6hrs); `--docker_stop_timeout` (0secs); `--docker_kill_orphans`
// (true). `--docker_mesos_image` (an agent itself running in Docker) does not apply here.
import { flagWithoutEffect } from "../base/common-flags.ts";
import type { FlagReader } from "../base/flag-parsing.ts";
import { formatDuration } from "../base/flag-parsing.ts";
import type { AgentFlagSpec } from "./flags.ts";

export interface DockerFlags {
  /** `--containerizers` includes docker. */
  readonly enabled: boolean;
  /** `--containerizers` includes mesos (false: only DOCKER containers can run). */
  readonly mesos: boolean;
  readonly socket: string;
  readonly removeDelayMs: number;
  readonly stopTimeoutMs: number;
  readonly killOrphans: boolean;
}

export const DOCKER_FLAG_SPECS: readonly AgentFlagSpec[] = [
  {
    name: "containerizers",
    kind: "string",
    default: "mesos",
    help: "containerizers to use, in order: mesos, docker (a Docker engine through --docker_socket), or both",
  },
  {
    name: "docker_socket",
    kind: "string",
    default: "/var/run/docker.sock",
    help: "the Docker engine's API socket, used by the docker containerizer",
  },
  {
    name: "docker_remove_delay",
    kind: "duration",
    default: "6hrs",
    help: "how long an ended Docker container is kept in the engine before it is removed",
  },
  {
    name: "docker_stop_timeout",
    kind: "duration",
    default: "0secs",
    help: "how long a destroyed Docker container gets between its stop signal and SIGKILL",
  },
  {
    name: "docker_kill_orphans",
    kind: "bool",
    default: "true",
    help: "at recovery, remove mesos-* Docker containers this agent does not know",
  },
  flagWithoutEffect(
    "docker",
    "the Docker engine is reached through its API at --docker_socket; no docker CLI is run",
  ),
  flagWithoutEffect("docker_mesos_image", "the agent does not run inside a Docker container here"),
];

export function readDockerFlags(r: FlagReader): DockerFlags {
  const containerizers = (r.str("containerizers") ?? "mesos").split(",").map((c) => c.trim());
  const other = containerizers.find((c) => c !== "mesos" && c !== "docker");
  if (other !== undefined) {
    r.fail("containerizers", `'${other}' is not a containerizer; they are mesos and docker`);
  }
  const socket = r.str("docker_socket") ?? "";
  if (!socket.startsWith("/")) r.fail("docker_socket", `'${socket}' is not an absolute path`);
  return {
    enabled: containerizers.includes("docker"),
    mesos: containerizers.includes("mesos"),
    socket,
    removeDelayMs: r.requiredDuration("docker_remove_delay"),
    stopTimeoutMs: r.requiredDuration("docker_stop_timeout"),
    killOrphans: r.bool("docker_kill_orphans"),
  };
}

/** As `/flags` reports them. */
export function dockerFlagValues(f: DockerFlags): Record<string, string> {
  return {
    containerizers: [...(f.mesos ? ["mesos"] : []), ...(f.enabled ? ["docker"] : [])].join(","),
    docker_socket: f.socket,
    docker_remove_delay: formatDuration(f.removeDelayMs),
    docker_stop_timeout: formatDuration(f.stopTimeoutMs),
    docker_kill_orphans: String(f.killOrphans),
  };
}

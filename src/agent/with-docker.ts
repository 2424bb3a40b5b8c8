// `--containerizers` with docker: the Mesos containerizer composed with the Docker one.
import type { Logger } from "pino";
import type { ContainerInfo } from "../wire/container.ts";
import type { Resource } from "../wire/resource.ts";
import type { Containerizer, DockerLaunch } from "./containerizer/containerizer.ts";
import { ComposingContainerizer } from "./docker/composing.ts";
import { DockerContainerizer } from "./docker/docker-containerizer.ts";
import type { AgentCommandFlags } from "./flags.ts";
import { taskPorts } from "./network/network-choice.ts";

export function withDocker(
  flags: AgentCommandFlags,
  logger: Logger,
  mesos: Containerizer,
): Containerizer {
  const d = flags.docker;
  if (!d.enabled) return mesos;
  const docker = new DockerContainerizer({
    socketPath: d.socket,
    removeDelayMs: d.removeDelayMs,
    stopTimeoutMs: d.stopTimeoutMs,
    killOrphans: d.killOrphans,
    onError: (message) => logger.warn(message),
  });
  logger.info(`containerizers: docker through the engine at ${d.socket}`);
  // Mesos checks the engine at start; an engine that is not up yet is told here and each
  // DOCKER launch that cannot reach it fails with the engine's error.
  void docker.engine.version().then((v) => {
    if (v.ok) logger.info(`Docker engine ${v.value.Version} (API ${v.value.ApiVersion})`);
    else logger.warn(`Docker engine not reachable: ${v.message}`);
  });
  return new ComposingContainerizer(mesos, docker);
}

/** The Docker launch of a ContainerInfo, when this agent runs it through the engine (type
 *  DOCKER with docker in --containerizers); undefined: the Mesos containerizer runs it. */
export function dockerLaunchFor(
  flags: AgentCommandFlags,
  container: ContainerInfo | undefined,
  resources: readonly Resource[],
): DockerLaunch | undefined {
  if (!flags.docker.enabled || container?.type !== "DOCKER") return undefined;
  return { info: container, ports: taskPorts(resources) };
}

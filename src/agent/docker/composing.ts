// Mesos's composing containerizer for `--containerizers=docker,mesos`: a launch whose config
// carries a Docker launch (ContainerInfo type DOCKER) goes to the Docker containerizer, every
// other to the Mesos one; every later call goes to the one that holds the container. Recovery
// asks the Docker one first (its containers are found by name in the engine), and gives the
// Mesos one the rest.
import type { ResourceStatistics } from "../../wire/usage.ts";
import type {
  Containerizer,
  ContainerizerResult,
  ContainerResources,
  KnownContainer,
  LaunchConfig,
  RecoverResult,
  Termination,
} from "../containerizer/containerizer.ts";
import type { DockerContainerizer } from "./docker-containerizer.ts";

export class ComposingContainerizer implements Containerizer {
  readonly #mesos: Containerizer;
  readonly #docker: DockerContainerizer;

  constructor(mesos: Containerizer, docker: DockerContainerizer) {
    this.#mesos = mesos;
    this.#docker = docker;
  }

  get isolators() {
    return this.#mesos.isolators;
  }

  #for(containerId: string): Containerizer {
    return this.#docker.has(containerId) ? this.#docker : this.#mesos;
  }

  launch(containerId: string, config: LaunchConfig): Promise<ContainerizerResult<{ pid: number }>> {
    return (config.docker === undefined ? this.#mesos : this.#docker).launch(containerId, config);
  }

  wait(containerId: string): Promise<ContainerizerResult<Termination>> {
    return this.#for(containerId).wait(containerId);
  }

  exited(containerId: string): Promise<ContainerizerResult<Termination>> {
    return this.#for(containerId).exited(containerId);
  }

  update(containerId: string, resources: ContainerResources): ContainerizerResult<void> {
    return this.#for(containerId).update(containerId, resources);
  }

  usage(containerId: string): ContainerizerResult<ResourceStatistics> {
    return this.#for(containerId).usage(containerId);
  }

  destroy(
    containerId: string,
    options: { gracePeriodMs: number },
  ): Promise<ContainerizerResult<Termination>> {
    return this.#for(containerId).destroy(containerId, options);
  }

  async recover(
    known: readonly KnownContainer[],
    options?: { cgroupOrphans?: boolean },
  ): Promise<RecoverResult> {
    const docker = await this.#docker.recover(known);
    const taken = new Set(docker.recovered);
    const mesos = await this.#mesos.recover(
      known.filter((k) => !taken.has(k.containerId)),
      options,
    );
    return {
      recovered: [...docker.recovered, ...mesos.recovered],
      gone: mesos.gone,
      orphansRemoved: [...docker.orphansRemoved, ...mesos.orphansRemoved],
    };
  }

  containers(): string[] {
    return [...this.#docker.containers(), ...this.#mesos.containers()];
  }

  pids(containerId: string): number[] {
    return this.#for(containerId).pids(containerId);
  }

  errors(): { destroy: number; runtimeLog: number } {
    const m = this.#mesos.errors();
    return { destroy: m.destroy + this.#docker.errors().destroy, runtimeLog: m.runtimeLog };
  }

  async settle(): Promise<void> {
    await Promise.all([this.#mesos.settle(), this.#docker.settle()]);
  }

  close(): void {
    this.#docker.close();
    this.#mesos.close();
  }
}

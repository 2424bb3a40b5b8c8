// What a container joins when it has its own network (cni-isolator.ts), as the launchers
// take it: the network namespace's file and the /etc files generated for it.

export interface ContainerNetworkJoin {
  /** The namespace bind-mounted at a file (Mesos: <runtime_dir>/isolators/network/cni/<cid>/ns). */
  readonly netnsPath: string;
  /** [generated file on the host, path it is bound over in the container], e.g. /etc/hosts. */
  readonly files: readonly (readonly [string, string])[];
}

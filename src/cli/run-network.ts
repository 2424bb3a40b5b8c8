// `tessera run --network bridge -p 8080 -- CMD`: the task's container network. `bridge` is the
// agent's built-in `mesos-bridge` CNI network, any other name one of its --network_cni_config_dir
// networks, `host` (the default) none. Each `-p PORT[/tcp|/udp]` is a container port mapped
// from a host port the offer gives (printed once launched). Pure, tested without a cluster.
import type { TaskInfoInput } from "../sdk/offer-matching.ts";
import { usageError } from "./cli-error.ts";

export interface RunNetwork {
  /** The CNI network's name; undefined: the host network. */
  readonly name: string | undefined;
  readonly ports: readonly { readonly containerPort: number; readonly protocol: string }[];
}

export function runNetwork(
  network: string | undefined,
  publish: readonly string[] = [],
): RunNetwork {
  const mode = network ?? "host";
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(mode)) {
    throw usageError(`--network '${mode}' is not a network name (host, bridge or a CNI network)`);
  }
  const name = mode === "host" ? undefined : mode === "bridge" ? "mesos-bridge" : mode;
  const ports = publish.map((p) => {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(p);
    const port = Number(m?.[1]);
    if (m === null || port < 1 || port > 65535) {
      throw usageError(`-p wants a container port like 8080 or 53/udp, got '${p}'`);
    }
    return { containerPort: port, protocol: m[2] ?? "tcp" };
  });
  if (name === undefined && ports.length > 0) {
    throw usageError("-p maps ports into a container network: add --network bridge");
  }
  return { name, ports };
}

/** The task's NetworkInfo, its mappings on `hostPorts` (the offer's, one per -p, in order). */
export function applyRunNetwork(
  task: TaskInfoInput,
  network: RunNetwork,
  hostPorts: readonly number[],
): void {
  if (network.name === undefined) return;
  const container = task.container ?? { type: "MESOS" as const };
  container.network_infos = [
    {
      name: network.name,
      port_mappings: network.ports.map((p, i) => ({
        host_port: hostPorts[i] as number,
        container_port: p.containerPort,
        protocol: p.protocol,
      })),
    },
  ];
  task.container = container;
}

/** "container port 8080/tcp is host port 31001", one line per mapping. */
export function describeMappings(network: RunNetwork, hostPorts: readonly number[]): string {
  return network.ports
    .map(
      (p, i) => `port ${p.containerPort}/${p.protocol} is published on host port ${hostPorts[i]}\n`,
    )
    .join("");
}

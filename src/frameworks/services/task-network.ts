// An app's container networking on its tasks (Marathon networking.md; containers.md §4):
// `networks: [{mode: "container/bridge"}]` with `container.portMappings` becomes, for a MESOS
// container (or none), a NetworkInfo naming the agent's `mesos-bridge` CNI network, and for a
// DOCKER container `docker.network: BRIDGE` with the DockerInfo's port mappings;
// `{mode: "container", name}` names that CNI network. Each mapping's host port is the one the
// offer gave it (in hostPortRequests order); `containerPort: 0` means the same as the host port.
// Host networking (the default) changes nothing.
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { AppDefinition } from "./app-definition.ts";

/** The agent's default bridge network (src/agent/network/default-network.ts). */
export const MESOS_BRIDGE_NETWORK = "mesos-bridge";

interface Mapping {
  host_port: number;
  container_port: number;
  protocol: string;
}

function taskPortMappings(
  app: AppDefinition,
  hostPorts: readonly number[],
  bridge: boolean,
): Mapping[] {
  const out: Mapping[] = [];
  let next = 0;
  for (const m of app.container?.portMappings ?? []) {
    // The same walk as hostPortRequests: only these mappings were given a host port.
    if (m.hostPort === undefined && !bridge) continue;
    const host = hostPorts[next++];
    if (host === undefined) continue;
    for (const protocol of m.protocol.split(",")) {
      out.push({ host_port: host, container_port: m.containerPort || host, protocol });
    }
  }
  return out;
}

/** Puts the app's network onto `task` (its container made MESOS where it has none). */
export function applyTaskNetwork(
  task: TaskInfoInput,
  app: AppDefinition,
  hostPorts: readonly number[],
): void {
  const network = app.networks.find((n) => n.mode !== "host");
  if (network === undefined) return;
  const bridge = network.mode === "container/bridge";
  const mappings = taskPortMappings(app, hostPorts, bridge);
  const container = task.container ?? { type: "MESOS" as const };
  task.container = container;
  if (container.type === "DOCKER" && container.docker !== undefined && bridge) {
    container.docker.network = "BRIDGE";
    container.docker.port_mappings = mappings;
    return;
  }
  const name = bridge ? MESOS_BRIDGE_NETWORK : (network.name ?? "");
  container.network_infos = [{ name, port_mappings: mappings }];
}

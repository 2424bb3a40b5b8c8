// Which network a container asks for (Mesos's network/cni isolator; containers.md §1, §4):
// the named NetworkInfo of its ContainerInfo, with its port mappings, each host port one of
// the task's `ports`. No name: the host network (the default). A DOCKER ContainerInfo run by
// the Mesos containerizer with `network: BRIDGE` joins the `mesos-bridge` network with the
// DockerInfo's port mappings, as Marathon's bridge mode does for MESOS containers.
import type { ContainerInfo } from "../../wire/container.ts";
import type { Resource } from "../../wire/resource.ts";
import type { CniPortMapping } from "./cni-plugin.ts";

export const DEFAULT_BRIDGE_NETWORK = "mesos-bridge";

export interface NetworkChoice {
  readonly name: string;
  readonly portMappings: readonly CniPortMapping[];
  readonly hostname: string | undefined;
}

type Choice = { ok: true; value: NetworkChoice | undefined } | { ok: false; message: string };

interface MappingInput {
  readonly host_port: number;
  readonly container_port: number;
  readonly protocol?: string | undefined;
}

export function chooseNetwork(
  container: ContainerInfo | undefined,
  resources: readonly Resource[],
): Choice {
  if (container === undefined) return { ok: true, value: undefined };
  const named = (container.network_infos ?? []).filter(
    (n) => n.name !== undefined && n.name !== "",
  );
  let name: string;
  let mappings: readonly MappingInput[];
  if (named.length > 1) {
    return { ok: false, message: "Joining more than one CNI network is not supported" };
  }
  const first = named[0];
  if (first !== undefined) {
    name = first.name as string;
    mappings = first.port_mappings ?? [];
  } else if (container.type === "DOCKER" && container.docker?.network === "BRIDGE") {
    name = DEFAULT_BRIDGE_NETWORK;
    mappings = container.docker.port_mappings ?? [];
  } else {
    return { ok: true, value: undefined };
  }
  const ports = taskPorts(resources);
  const out: CniPortMapping[] = [];
  for (const m of mappings) {
    if (!ports.some(([b, e]) => m.host_port >= b && m.host_port <= e)) {
      return {
        ok: false,
        message: `The host port ${m.host_port} of a port mapping is not in the task's 'ports' resources`,
      };
    }
    const protocol = (m.protocol ?? "tcp").toLowerCase();
    if (protocol !== "tcp" && protocol !== "udp") {
      return { ok: false, message: `Unsupported port mapping protocol '${m.protocol}'` };
    }
    out.push({ hostPort: m.host_port, containerPort: m.container_port, protocol });
  }
  return { ok: true, value: { name, portMappings: out, hostname: container.hostname } };
}

export function taskPorts(resources: readonly Resource[]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of resources) {
    if (r.name !== "ports") continue;
    for (const range of r.ranges?.range ?? []) out.push([Number(range.begin), Number(range.end)]);
  }
  return out;
}

// The built-in `mesos-bridge` network (docs/containers.md), available unless
// --network_cni_config_dir defines one of that name: the CNI bridge plugin on bridge
// `ucr-br0` holding the gateway of 172.31.254.0/24 (the sample network of Mesos's
// mesos-mini), host-local addresses, outbound masquerading, hairpin, and the portmap plugin
// for the containers' port mappings (DNAT from the host's ports).
import type { CniNetwork } from "./cni-plugin.ts";
import { DEFAULT_BRIDGE_NETWORK } from "./network-choice.ts";

export function defaultBridgeNetwork(): CniNetwork {
  return {
    cniVersion: "0.4.0",
    name: DEFAULT_BRIDGE_NETWORK,
    plugins: [
      {
        type: "bridge",
        bridge: "ucr-br0",
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          subnet: "172.31.254.0/24",
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  };
}

// The agent's network/cni flags (containers.md §4; docs/containers.md): where the CNI network
// configurations and plugins are. Without --network_cni_config_dir only the built-in
// `mesos-bridge` network exists; the plugins default to Debian's containernetworking-plugins.
import type { FlagReader } from "../../base/flag-parsing.ts";

export interface NetworkFlags {
  networkCniConfigDir: string | undefined;
  networkCniPluginsDir: string;
}

export const NETWORK_FLAG_SPECS = [
  {
    name: "network_cni_config_dir",
    kind: "string",
    default: undefined,
    help: "directory of CNI network configurations (.conflist, .conf, .json) containers may name; the built-in mesos-bridge network is added unless one here has that name",
  },
  {
    name: "network_cni_plugins_dir",
    kind: "string",
    default: "/usr/lib/cni",
    help: "directory of the CNI plugin binaries (bridge, host-local, portmap, loopback, ...)",
  },
] as const;

export function readNetworkFlags(r: FlagReader): NetworkFlags {
  return {
    networkCniConfigDir: r.str("network_cni_config_dir"),
    networkCniPluginsDir: r.str("network_cni_plugins_dir") ?? "/usr/lib/cni",
  };
}

export function networkFlagValues(flags: NetworkFlags): Record<string, string> {
  return {
    ...(flags.networkCniConfigDir === undefined
      ? {}
      : { network_cni_config_dir: flags.networkCniConfigDir }),
    network_cni_plugins_dir: flags.networkCniPluginsDir,
  };
}

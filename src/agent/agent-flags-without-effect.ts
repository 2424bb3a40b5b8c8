// The Mesos agent flags (reference §8) that Tessera accepts so that a Mesos command line or
// systemd unit starts it unchanged, but that mean nothing here: each says why, and the agent
// names every one given in one start-up line. (Authentication is real: security-flags.ts.)
import { flagWithoutEffect } from "../base/common-flags.ts";
import type { AgentFlagSpec } from "./flags.ts";

const none = flagWithoutEffect;

const NO_DOCKER = "not used by the Docker containerizer here (no Docker volume drivers)";
const NO_IMAGES = "container images are not provisioned by this agent";
const NO_FETCHER_CACHE = "URIs are fetched into each sandbox; there is no fetcher cache";
const CGROUPS_FIXED = "the cgroups isolators use their built-in settings here";
const NO_CSI = "there are no resource providers or CSI plugins";
const NO_PERF = "there is no perf_event isolator";
const NO_NETWORK = "not used by the network/cni isolator here";

export const AGENT_FLAGS_WITHOUT_EFFECT: readonly AgentFlagSpec[] = [
  none("reconfiguration_policy", "Tessera has no reconfiguration policy to choose"),
  none("default_role", "unreserved resources are offered to role *"),
  none("runtime_dir", "containers' runtime state is kept under --work_dir"),
  none("launcher", "the launcher is chosen by the isolation that works here"),
  none("launcher_dir", "Tessera's executors are its own, not Mesos's binaries"),
  none("http_command_executor", "the command executor always speaks the v1 HTTP API", "bool"),
  none("http_heartbeat_interval", "streams are kept alive at Tessera's fixed interval"),
  none("http_executor_domain_sockets", "executors reach the agent over TCP", "bool"),
  none("agent_features", "the agent's capabilities are fixed (reference §8.7)"),
  none("agent_subsystems", "the agent itself is not put in a cgroup", "string", [
    "slave_subsystems",
  ]),
  none("cgroups_hierarchy", "cgroups are found where the kernel mounts them (/sys/fs/cgroup)"),
  none("cgroups_limit_swap", CGROUPS_FIXED, "bool"),
  none("cgroups_destroy_timeout", CGROUPS_FIXED),
  none("cgroups_net_cls_primary_handle", CGROUPS_FIXED),
  none("cgroups_cpu_enable_pids_and_tids_count", CGROUPS_FIXED, "bool"),
  none("revocable_cpu_low_priority", "revocable cpus get the cpu shares of their amount", "bool"),
  none("fetcher_cache_size", NO_FETCHER_CACHE),
  none("fetcher_cache_dir", NO_FETCHER_CACHE),
  none("fetcher_stall_timeout", "there is no fetch stall timeout to set"),
  none("frameworks_home", "relative executor paths are not resolved against a home"),
  none("hadoop_home", "hdfs:// URIs are not fetched"),
  none("appc_store_dir", NO_IMAGES),
  none("default_container_info", NO_IMAGES),
  none("network_cni_root_dir_persist", NO_NETWORK, "bool"),
  none("ephemeral_ports_per_container", NO_NETWORK),
  none("nvidia_gpu_devices", "GPUs are not isolated here"),
  none("perf_events", NO_PERF),
  none("perf_interval", NO_PERF),
  none("perf_duration", NO_PERF),
  none("allowed_devices", "device access is not isolated here"),
  none("effective_capabilities", "Linux capabilities are not changed here"),
  none("bounding_capabilities", "Linux capabilities are not changed here"),
  none("disallow_sharing_agent_pid_namespace", "not implemented in Tessera", "bool"),
  none("xfs_project_range", "disk quotas are enforced by disk/du, not XFS"),
  none("xfs_kill_containers", "disk quotas are enforced by disk/du, not XFS", "bool"),
  none("volume_gid_range", "no gid is allocated to volumes here"),
  none("gc_non_executor_container_sandboxes", "sandboxes are collected as --gc_delay says", "bool"),
  none("container_logger", "stdout and stderr go to files in the sandbox"),
  none("systemd_enable_support", "executors are not moved into systemd slices", "bool"),
  none("systemd_runtime_directory", "executors are not moved into systemd slices"),
  none("resource_provider_config_dir", NO_CSI),
  none("csi_plugin_config_dir", NO_CSI),
  none("master_detector", "the master is detected through --master"),
  none("docker_volume_checkpoint_dir", NO_DOCKER),
  none("docker_ignore_runtime", NO_DOCKER, "bool"),
  none("secret_resolver", "secrets are not resolved here"),
  none("host_path_volume_force_creation", "host path volumes are not created here"),
  none("check_agent_port_range_only", "the ports isolator is not used here", "bool"),
  none("disk_profile_adaptor", NO_CSI),
  none("network_cni_metrics", NO_NETWORK, "bool"),
  none("executor_reregistration_retry_interval", "only HTTP executors run, and they re-subscribe"),
];

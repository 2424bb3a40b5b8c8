// The Mesos master flags (reference §5.9, §5.1) that Tessera accepts so that a Mesos command
// line or systemd unit starts it unchanged, but that mean nothing here: each says why, and the
// master names every one given in one start-up line. (Authentication, authorization and rate
// limits are real: security-flags.ts.)
import { flagWithoutEffect } from "../base/common-flags.ts";
import type { FlagSpec } from "./flags.ts";

const none = flagWithoutEffect;

const REGISTRY_GC = "the registry's unreachable and gone agents are not garbage-collected here";
const REMOVAL = "agents are marked unreachable as their pings time out, without a rate limit";
const SORTER = "the master's allocator sorts roles and frameworks by DRF";
const ALLOCATOR = "the allocator's offer rules are fixed here (reference §6)";
const NO_WEBUI = "Tessera serves no Mesos web UI";

export const MASTER_FLAGS_WITHOUT_EFFECT: readonly FlagSpec[] = [
  none(
    "quorum",
    "no effect without the replicated log, which is not used: the registry is sqlite, or ZooKeeper's with --zk, which keeps its own quorum",
  ),
  none("registry_fetch_timeout", "there is no separate registry fetch timeout to set"),
  none("registry_store_timeout", "there is no separate registry store timeout to set"),
  none("registry_gc_interval", REGISTRY_GC),
  none("registry_max_agent_age", REGISTRY_GC, "string", ["registry_max_slave_age"]),
  none("registry_max_agent_count", REGISTRY_GC, "string", ["registry_max_slave_count"]),
  none("agent_removal_rate_limit", REMOVAL, "string", ["slave_removal_rate_limit"]),
  none("recovery_agent_removal_limit", REMOVAL, "string", ["recovery_slave_removal_limit"]),
  none("role_sorter", SORTER, "string", ["user_sorter"]),
  none("framework_sorter", SORTER),
  none("allocator", "Tessera has one built-in allocator, the hierarchical DRF one"),
  none("min_allocatable_resources", ALLOCATOR),
  none("filter_gpu_resources", ALLOCATOR, "bool"),
  none("allocator_agent_recovery_factor", ALLOCATOR),
  none("allocator_recovery_timeout", ALLOCATOR),
  none("fair_sharing_excluded_resource_names", ALLOCATOR),
  none("offer_constraints_re2_max_mem", "offer constraints are not supported"),
  none("offer_constraints_re2_max_program_size", "offer constraints are not supported"),
  none("max_executors_per_agent", "only the network/port_mapping isolator uses it", "string", [
    "max_executors_per_slave",
  ]),
  none("webui_dir", NO_WEBUI),
  none("log_auto_initialize", "the replicated log is not used (see --registry)", "bool"),
  none("whitelist", "every agent is offered (the whitelist is deprecated in Mesos)"),
  none("require_agent_domain", "fault domains are not modelled here", "bool"),
  none("master_contender", "masters contend through --zk"),
  none("master_detector", "masters are found through --zk"),
  none("firewall_rules", "every endpoint is served; there are no firewall rules"),
];

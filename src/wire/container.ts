// ContainerInfo of mesos.proto (reference §2.7): Docker and Mesos containers, Linux
// capabilities, rlimits and the TTY, with their protobuf field numbers.
import type { z } from "zod";
import { enumWithDefault } from "./enum-default.ts";
import { enumNames } from "./enum-numbers.ts";
import { Parameter } from "./ids.ts";
import { bool, optionalEnum, protoEnum, repeated, str, uint32, uint64 } from "./json.ts";
import { type EnumTable, message } from "./proto-message.ts";
import { NetworkInfo } from "./status.ts";
import { Image, Volume } from "./volume.ts";

export const DOCKER_NETWORKS = enumNames({ HOST: 1, BRIDGE: 2, NONE: 3, USER: 4 });

export const DockerInfo = message(
  {
    image: str,
    network: enumWithDefault(DOCKER_NETWORKS, "HOST"),
    port_mappings: repeated(
      message(
        { host_port: uint32, container_port: uint32, protocol: str.optional() },
        { host_port: 1, container_port: 2, protocol: 3 },
      ),
    ),
    privileged: bool.default(false),
    parameters: repeated(Parameter),
    force_pull_image: bool.optional(),
    // Deprecated in favour of Volume.source.docker_volume.
    volume_driver: str.optional(),
  },
  {
    image: 1,
    network: 2,
    port_mappings: 3,
    privileged: 4,
    parameters: 5,
    force_pull_image: 6,
    volume_driver: 7,
  },
);
export type DockerInfo = z.output<typeof DockerInfo>;

// Linux capability names (CHOWN, NET_ADMIN, ...) are kept as text: the containerizer checks them.
// In protobuf they are CapabilityInfo.Capability numbers: UNKNOWN 0, then 1000 on in this order.
const LINUX_CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
];
const LINUX_CAPABILITY_NUMBERS: EnumTable = Object.fromEntries([
  ["UNKNOWN", 0],
  ...LINUX_CAPABILITIES.map((name, i) => [name, 1000 + i]),
]);
const CapabilityInfo = message(
  { capabilities: repeated(str) },
  { capabilities: [1, LINUX_CAPABILITY_NUMBERS] },
);

export const LinuxInfo = message(
  {
    // Deprecated in favour of bounding/effective capabilities.
    capability_info: CapabilityInfo.optional(),
    bounding_capabilities: CapabilityInfo.optional(),
    effective_capabilities: CapabilityInfo.optional(),
    share_pid_namespace: bool.optional(),
    seccomp: message(
      { profile_name: str.optional(), unconfined: bool.optional() },
      { profile_name: 1, unconfined: 2 },
    ).optional(),
    ipc_mode: optionalEnum(enumNames({ UNKNOWN: 0, PRIVATE: 1, SHARE_PARENT: 2 })),
    shm_size: uint32.optional(),
    share_cgroups: bool.default(true),
  },
  {
    capability_info: 1,
    bounding_capabilities: 2,
    effective_capabilities: 3,
    share_pid_namespace: 4,
    seccomp: 5,
    ipc_mode: 6,
    shm_size: 7,
    share_cgroups: 8,
  },
);
export type LinuxInfo = z.output<typeof LinuxInfo>;

export const RLIMIT_TYPES = enumNames({
  UNKNOWN: 0,
  RLMT_AS: 1,
  RLMT_CORE: 2,
  RLMT_CPU: 3,
  RLMT_DATA: 4,
  RLMT_FSIZE: 5,
  RLMT_LOCKS: 6,
  RLMT_MEMLOCK: 7,
  RLMT_MSGQUEUE: 8,
  RLMT_NICE: 9,
  RLMT_NOFILE: 10,
  RLMT_NPROC: 11,
  RLMT_RSS: 12,
  RLMT_RTPRIO: 13,
  RLMT_RTTIME: 14,
  RLMT_SIGPENDING: 15,
  RLMT_STACK: 16,
});

export const RLimitInfo = message(
  {
    rlimits: repeated(
      message(
        {
          type: optionalEnum(RLIMIT_TYPES),
          // Both unset = unlimited.
          hard: uint64.optional(),
          soft: uint64.optional(),
        },
        { type: 1, hard: 2, soft: 3 },
      ),
    ),
  },
  { rlimits: 1 },
);
export type RLimitInfo = z.output<typeof RLimitInfo>;

export const TTYInfo = message(
  {
    window_size: message({ rows: uint32, columns: uint32 }, { rows: 1, columns: 2 }).optional(),
  },
  { window_size: 1 },
);
export type TTYInfo = z.output<typeof TTYInfo>;

export const ContainerInfo = message(
  {
    type: protoEnum(enumNames({ DOCKER: 1, MESOS: 2 })),
    volumes: repeated(Volume),
    hostname: str.optional(),
    docker: DockerInfo.optional(),
    mesos: message({ image: Image.optional() }, { image: 1 }).optional(),
    network_infos: repeated(NetworkInfo),
    linux_info: LinuxInfo.optional(),
    rlimit_info: RLimitInfo.optional(),
    tty_info: TTYInfo.optional(),
  },
  {
    type: 1,
    volumes: 2,
    hostname: 4,
    docker: 3,
    mesos: 5,
    network_infos: 7,
    linux_info: 8,
    rlimit_info: 9,
    tty_info: 10,
  },
);
export type ContainerInfo = z.output<typeof ContainerInfo>;

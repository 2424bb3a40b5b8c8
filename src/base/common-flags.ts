// The flags both daemons have, under Mesos's names: where they listen and advertise, how they
// log, and the Mesos flags of both that Tessera accepts without effect. Each daemon's own flags
// stay in src/master/flags.ts and src/agent/flags.ts; how all of them are read is in
// flag-parsing.ts.
import type { DaemonFlags, MesosFlagSpec } from "./flag-parsing.ts";

export interface AddressFlagSpec extends MesosFlagSpec {
  readonly kind: "string" | "port";
}

/**
 * The flags every daemon listens and advertises with (`--ip`, `--port`, `--hostname`,
 * `--advertise_ip`, `--advertise_port`), their help naming the daemon and who reaches it.
 */
export function addressFlagSpecs(
  daemon: "master" | "agent",
  defaultPort: string,
  reachedBy: string,
): Record<"ip" | "port" | "hostname" | "advertiseIp" | "advertisePort", AddressFlagSpec> {
  const spec = (name: string, kind: "string" | "port", dflt: string | undefined, help: string) => ({
    name,
    kind,
    default: dflt,
    help,
  });
  return {
    ip: spec("ip", "string", "0.0.0.0", "IP address to listen on"),
    port: spec("port", "port", defaultPort, "port to listen on (0 = any free port)"),
    hostname: spec(
      "hostname",
      "string",
      undefined,
      `hostname the ${daemon} advertises (default: the machine's hostname)`,
    ),
    advertiseIp: spec(
      "advertise_ip",
      "string",
      undefined,
      `IP address ${reachedBy}, if not the one listened on`,
    ),
    advertisePort: spec(
      "advertise_port",
      "port",
      undefined,
      `port ${reachedBy}, if not the one listened on`,
    ),
  };
}

/**
 * The flags both daemons log with: Mesos's `--logging_level` and `--log_dir`, Tessera's
 * `--log_level`, and glog's flags that have no counterpart in pino.
 */
export function loggingFlagSpecs(): readonly MesosFlagSpec[] {
  const glog = "pino writes each line as it is logged; there is no glog buffer or driver log";
  return [
    {
      name: "logging_level",
      kind: "log_level",
      default: undefined,
      help: "INFO, WARNING or ERROR (Mesos's name of --log_level, which it overrides)",
    },
    {
      name: "log_level",
      kind: "log_level",
      default: "INFO",
      help: "INFO, WARNING or ERROR (also debug, trace, silent)",
    },
    {
      name: "log_dir",
      kind: "string",
      default: undefined,
      help: "directory the log is also written to, as JSON lines in tessera-<daemon>.log (stderr still gets it)",
    },
    { name: "logbufsecs", kind: "string", default: undefined, help: "glog's", withoutEffect: glog },
    {
      name: "initialize_driver_logging",
      kind: "bool",
      default: undefined,
      help: "glog's",
      withoutEffect: glog,
    },
    {
      name: "external_log_file",
      kind: "string",
      default: undefined,
      help: "where an outside logger writes",
      withoutEffect: "the log goes to stderr and --log_dir, which /files serves",
    },
    {
      name: "hostname_lookup",
      kind: "bool",
      default: undefined,
      help: "Mesos's reverse DNS lookup of the hostname",
      withoutEffect:
        "no DNS lookup is made: the hostname advertised is --hostname, else --advertise_ip or --ip when given, else the machine's hostname",
    },
  ];
}

/**
 * Mesos flags both daemons accept without effect: the module, hook and fault-domain
 * machinery of Mesos's C++ build, its profiler and its IPv6 and address discovery, which
 * Tessera has no counterpart of.
 */
export function commonFlagsWithoutEffect(): readonly MesosFlagSpec[] {
  const none = flagWithoutEffect;
  const modules = "Tessera loads no C++ modules";
  return [
    none("modules", modules),
    none("modules_dir", modules),
    none("hooks", modules),
    none("domain", "fault domains are not modelled here"),
    none("memory_profiling", "there is no jemalloc profiler", "bool"),
    none("ip6", "the daemon listens on --ip only"),
    none("ip_discovery_command", "the address is --advertise_ip or --ip"),
    none("ip6_discovery_command", "the daemon listens on --ip only"),
  ];
}

/** DaemonFlags as /flags and GET_FLAGS report them (values as strings, unset ones left out). */
export function daemonFlagValues(flags: DaemonFlags): Record<string, string> {
  const out: Record<string, string> = {
    ip: flags.ip,
    port: String(flags.port),
    log_level: flags.logLevel.toUpperCase(),
  };
  if (flags.logDir !== undefined) out.log_dir = flags.logDir;
  if (flags.hostname !== undefined) out.hostname = flags.hostname;
  if (flags.advertiseIp !== undefined) out.advertise_ip = flags.advertiseIp;
  if (flags.advertisePort !== undefined) out.advertise_port = String(flags.advertisePort);
  return out;
}

/** A Mesos flag accepted without effect, and why (`kind` "bool" takes the --no- form too). */
export function flagWithoutEffect<K extends string = "string">(
  name: string,
  reason: string,
  kind: K = "string" as K,
  aliases?: readonly string[],
): MesosFlagSpec & { kind: K } {
  const spec = { name, kind, default: undefined, help: "Mesos's", withoutEffect: reason };
  return aliases === undefined ? spec : { ...spec, aliases };
}

/** A Mesos flag refused, with why, unless it is unset or false (see `unsupported`). */
export function flagRefusedUnlessFalse<K extends string>(
  name: string,
  reason: string,
  kind: K,
  aliases?: readonly string[],
): MesosFlagSpec & { kind: K } {
  const spec = { name, kind, default: undefined, help: "Mesos's", unsupported: reason };
  return aliases === undefined ? spec : { ...spec, aliases };
}

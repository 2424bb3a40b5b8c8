// What `tessera master` and `tessera agent` share in reading their flags the Mesos way:
// Mesos's duration syntax, `TESSERA_<FLAG>` environment variables (the command line wins over
// the environment, which wins over the default), `--flag=file:///path`, log levels, and a
// reader that records the first error naming its flag. Each daemon's own flags (names,
// defaults, checks) stay in src/master/flags.ts and src/agent/flags.ts.
import { readFileSync } from "node:fs";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** A flag as `--help` prints it and the parser reads it. */
export interface MesosFlagSpec {
  readonly name: string;
  /** "bool" flags also stand alone and have a `--no-` form; other kinds are the daemon's. */
  readonly kind: string;
  /** As `--help` prints it; undefined = no default. */
  readonly default: string | undefined;
  readonly help: string;
}

/** The first flag that could not be loaded, with Mesos's "Failed to load flag" line. */
export interface FlagError {
  flag: string;
  message: string;
}

/** A daemon's flags parsed, or the first flag refused. */
export type FlagsResult<T> = { ok: true; flags: T } | ({ ok: false } & FlagError);

/** What both daemons read alike: where they listen and advertise, and how much they log. */
export interface DaemonFlags {
  ip: string;
  port: number;
  hostname: string | undefined;
  /** `--advertise_ip`, `--advertise_port`: the address others are told (the master's
   *  MasterInfo, the agent's registration), where it differs from the one listened on (NAT,
   *  containers). */
  advertiseIp: string | undefined;
  advertisePort: number | undefined;
  logLevel: LogLevel;
}

/** The command line's values by flag name (a bare boolean flag as `true`). */
export type GivenFlags = Readonly<Record<string, string | boolean | undefined>>;

/** The environment, where `TESSERA_<FLAG>` is looked up. */
export type FlagEnv = Readonly<Record<string, string | undefined>>;

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

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** Mesos's `Duration::parse`: `<number><ns|us|ms|secs|mins|hrs|days|weeks>`, in ms. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]+)\s*$/.exec(text);
  if (match === null) return undefined;
  const unit = DURATION_UNITS_MS[match[2] ?? ""];
  if (unit === undefined) return undefined;
  const value = Number(match[1]) * unit;
  return Number.isFinite(value) ? value : undefined;
}

/** Prints a duration in the largest unit that gives a whole number, as Mesos does. */
export function formatDuration(ms: number): string {
  for (const unit of ["weeks", "days", "hrs", "mins", "secs", "ms"] as const) {
    const size = DURATION_UNITS_MS[unit]!;
    if (ms >= size && Number.isInteger(ms / size)) return `${ms / size}${unit}`;
  }
  if (ms === 0) return "0ns";
  return `${Math.round(ms * 1e6)}ns`;
}

/** The env variable read for a flag: `TESSERA_PORT`, `TESSERA_WORK_DIR`. */
export function envName(flag: string): string {
  return `TESSERA_${flag.toUpperCase()}`;
}

/** Mesos's log level names (INFO, WARNING, ERROR) and pino's others; any case. */
export function parseLogLevel(text: string): LogLevel | undefined {
  switch (text.toLowerCase()) {
    case "info":
      return "info";
    case "warning":
    case "warn":
      return "warn";
    case "error":
      return "error";
    case "debug":
      return "debug";
    case "trace":
      return "trace";
    case "fatal":
      return "fatal";
    case "silent":
      return "silent";
    default:
      return undefined;
  }
}

/**
 * Mesos's `--flag=file:///path`: a value naming a file is replaced by that file's contents,
 * less trailing whitespace (how deployments keep `--resources`, `--master`, `--zk` and the
 * like in /etc). Returns the first flag whose file cannot be read.
 */
export function expandFlagFiles(raw: Map<string, string | undefined>): FlagError | undefined {
  for (const [name, value] of raw) {
    if (value === undefined || !value.startsWith("file://")) continue;
    const path = value.slice("file://".length);
    try {
      raw.set(name, readFileSync(path, "utf8").trimEnd());
    } catch (error) {
      return {
        flag: name,
        message: `Failed to load flag '${name}': cannot read ${path}: ${(error as Error).message}`,
      };
    }
  }
  return undefined;
}

/**
 * Parses `specs`' values with `read`, which checks them through the reader; the first flag
 * refused (unknown, an unreadable file:// value, or a bad value) is the result.
 */
export function parseFlags<T>(
  specs: readonly MesosFlagSpec[],
  given: GivenFlags,
  env: FlagEnv,
  read: (reader: FlagReader) => T,
): FlagsResult<T> {
  const raw = readFlags(specs, given, env);
  if (!raw.ok) return raw;
  const flags = read(raw.reader);
  const first = raw.reader.firstError;
  return first === undefined ? { ok: true, flags } : { ok: false, ...first };
}

/** DaemonFlags as /flags and GET_FLAGS report them (values as strings, unset ones left out). */
export function daemonFlagValues(flags: DaemonFlags): Record<string, string> {
  const out: Record<string, string> = {
    ip: flags.ip,
    port: String(flags.port),
    log_level: flags.logLevel.toUpperCase(),
  };
  if (flags.hostname !== undefined) out.hostname = flags.hostname;
  if (flags.advertiseIp !== undefined) out.advertise_ip = flags.advertiseIp;
  if (flags.advertisePort !== undefined) out.advertise_port = String(flags.advertisePort);
  return out;
}

/**
 * Reads the raw values of `specs`: `given` holds the command line's by flag name (a bare
 * boolean flag as `true`), `env` the environment. An unknown flag or an unreadable file:// value
 * is refused at once; checks of the values go through the returned reader.
 */
export function readFlags(
  specs: readonly MesosFlagSpec[],
  given: GivenFlags,
  env: FlagEnv,
): { ok: true; reader: FlagReader } | ({ ok: false } & FlagError) {
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name) && given[name] !== undefined) {
      return { ok: false, flag: name, message: `Failed to load unknown flag '${name}'` };
    }
  }
  const raw = new Map<string, string | undefined>();
  for (const spec of specs) {
    const value = given[spec.name] ?? env[envName(spec.name)] ?? spec.default;
    raw.set(spec.name, typeof value === "boolean" ? String(value) : value);
  }
  const unreadable = expandFlagFiles(raw);
  if (unreadable !== undefined) return { ok: false, ...unreadable };
  return { ok: true, reader: new FlagReader(raw) };
}

/** Typed reads of raw flag values; a bad value is recorded (first one wins) and read as a stand-in. */
export class FlagReader {
  readonly #raw: ReadonlyMap<string, string | undefined>;
  readonly #errors: FlagError[] = [];

  constructor(raw: ReadonlyMap<string, string | undefined>) {
    this.#raw = raw;
  }

  /** The first error recorded, if any. */
  get firstError(): FlagError | undefined {
    return this.#errors[0];
  }

  fail(flag: string, message: string): void {
    this.#errors.push({ flag, message: `Failed to load flag '${flag}': ${message}` });
  }

  /** The value; undefined when unset or empty. */
  str(name: string): string | undefined {
    const v = this.#raw.get(name);
    return v === undefined || v === "" ? undefined : v;
  }

  /** An integer in [min, max] (NaN when it is not). */
  integer(name: string, min: number, max: number): number {
    const text = (this.str(name) ?? "").trim();
    const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= min && n <= max)) this.fail(name, `'${text}' is not an integer in [${min}, ${max}]`);
    return n;
  }

  /** A duration in ms; undefined when unset (or not a duration, which is recorded). */
  duration(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    return this.#parseDuration(name, v);
  }

  /** A duration that must be set (one with a default); 0 when it is not a duration. */
  requiredDuration(name: string): number {
    return this.#parseDuration(name, this.str(name) ?? "") ?? 0;
  }

  bool(name: string): boolean {
    const v = (this.str(name) ?? "").toLowerCase();
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    this.fail(name, `'${v}' is not a boolean (true or false)`);
    return false;
  }

  /** The flags of addressFlagSpecs and the log level. */
  daemonFlags(): DaemonFlags {
    return {
      ip: this.str("ip") ?? "0.0.0.0",
      // 0 is "any free port" for the port listened on, but never one to advertise.
      port: this.integer("port", 0, 65535),
      hostname: this.str("hostname"),
      advertiseIp: this.str("advertise_ip"),
      advertisePort:
        this.str("advertise_port") === undefined
          ? undefined
          : this.integer("advertise_port", 1, 65535),
      logLevel: this.logLevel() ?? "info",
    };
  }

  /** `--logging_level` (Mesos's name), which overrides `--log_level`; undefined when bad. */
  logLevel(): LogLevel | undefined {
    const flag = this.str("logging_level") === undefined ? "log_level" : "logging_level";
    const level = parseLogLevel(this.str(flag) ?? "");
    if (level === undefined) this.fail(flag, `'${this.str(flag)}' is not a log level`);
    return level;
  }

  #parseDuration(name: string, text: string): number | undefined {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms < 0) {
      this.fail(
        name,
        `'${text}' is not a duration (e.g. 10secs; units ns, us, ms, secs, mins, hrs, days, weeks)`,
      );
      return undefined;
    }
    return ms;
  }
}

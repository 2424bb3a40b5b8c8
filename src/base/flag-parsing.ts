// What `tessera master` and `tessera agent` share in reading their flags the Mesos way:
// Mesos's duration syntax, Mesos's other names of a flag (`--slave_ping_timeout`), environment
// variables `TESSERA_<FLAG>` and Mesos's `MESOS_<FLAG>` (the command line wins over TESSERA_,
// which wins over MESOS_, which wins over the default), `--flag=file:///path`, log levels, Mesos
// flags accepted without effect (each named, with why, in one start-up line), an unknown flag's
// "did you mean", and a reader that records the first error naming its flag. Variables that
// name no flag are ignored, as Mesos ignores them (the environment holds others' MESOS_*). Each daemon's own flags (names,
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
  /** Mesos's other names for it (`slave_ping_timeout`); each is read like the name itself. */
  readonly aliases?: readonly string[];
  /**
   * Set for a Mesos flag Tessera accepts but does not act on: why it has no effect. A Mesos
   * command line or systemd unit then starts unchanged, and the start-up line says so.
   */
  readonly withoutEffect?: string;
  /**
   * Set for a Mesos flag asking for what Tessera lacks and must not pretend to do (e.g.
   * authentication): unset or false is accepted, anything else refused with this reason.
   */
  readonly unsupported?: string;
}

/** A flag given that has no effect here, and why (printed in the start-up line). */
export interface FlagWithoutEffect {
  flag: string;
  value: string;
  reason: string;
}

/** The first flag that could not be loaded, with Mesos's "Failed to load flag" line. */
export interface FlagError {
  flag: string;
  message: string;
}

/** A daemon's flags parsed, or the first flag refused. */
export type FlagsResult<T> =
  | { ok: true; flags: T; withoutEffect: readonly FlagWithoutEffect[] }
  | ({ ok: false } & FlagError);

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
  /** `--log_dir`: the daemon's log also goes to a file there (src/cli/daemon.ts). */
  logDir: string | undefined;
}

/** The command line's values by flag name (a bare boolean flag as `true`). */
export type GivenFlags = Readonly<Record<string, string | boolean | undefined>>;

/** The environment, where `TESSERA_<FLAG>` is looked up. */
export type FlagEnv = Readonly<Record<string, string | undefined>>;

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

/** Mesos's env variable for a flag (`MESOS_WORK_DIR`), read after Tessera's own. */
export function mesosEnvName(flag: string): string {
  return `MESOS_${flag.toUpperCase()}`;
}

/** Levenshtein distance, for an unknown flag's suggestion. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known name closest to `name` when it is near enough to be a typo (an edit distance of at
 * most a third of the name, and at least 2 allowed); for "did you mean" suggestions.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(name.length / 3))
    ? best.name
    : undefined;
}

/** Mesos's refusal of an unknown flag, with the closest known name when there is one. */
export function unknownFlagMessage(flag: string, known: Iterable<string>): string {
  const near = closestName(flag, known);
  return `Failed to load unknown flag '${flag}'${near !== undefined ? `; did you mean --${near}?` : ""}`;
}

/** Every name a flag is given by: its own, then Mesos's aliases. */
export function flagNames(spec: MesosFlagSpec): readonly string[] {
  return [spec.name, ...(spec.aliases ?? [])];
}

/** The start-up line naming the flags given that have no effect here, and why; or undefined. */
export function withoutEffectLine(
  daemon: "master" | "agent",
  flags: readonly FlagWithoutEffect[],
): string | undefined {
  if (flags.length === 0) return undefined;
  const each = flags.map((f) => `--${f.flag}=${f.value} (${f.reason})`);
  return `tessera ${daemon}: accepted without effect: ${each.join("; ")}`;
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
  if (first !== undefined) return { ok: false, ...first };
  return { ok: true, flags, withoutEffect: [...raw.withoutEffect, ...raw.reader.withoutEffect] };
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
):
  | { ok: true; reader: FlagReader; withoutEffect: readonly FlagWithoutEffect[] }
  | ({ ok: false } & FlagError) {
  const byName = new Map<string, MesosFlagSpec>();
  for (const spec of specs) for (const name of flagNames(spec)) byName.set(name, spec);
  const seen = new Map<string, string>();
  for (const name of Object.keys(given)) {
    if (given[name] === undefined) continue;
    const spec = byName.get(name);
    if (spec === undefined) {
      return { ok: false, flag: name, message: unknownFlagMessage(name, byName.keys()) };
    }
    const before = seen.get(spec.name);
    if (before !== undefined) {
      const order = flagNames(spec);
      const [one, other] = [before, name].sort((a, b) => order.indexOf(a) - order.indexOf(b));
      const message = `Failed to load flag '${spec.name}': given both as --${one} and --${other}`;
      return { ok: false, flag: spec.name, message };
    }
    seen.set(spec.name, name);
  }
  const raw = new Map<string, string | undefined>();
  const withoutEffect: FlagWithoutEffect[] = [];
  for (const spec of specs) {
    const names = flagNames(spec);
    const value =
      firstDefined(names.map((n) => given[n])) ??
      firstDefined(names.map((n) => env[envName(n)])) ??
      firstDefined(names.map((n) => env[mesosEnvName(n)]));
    const text = value === undefined ? undefined : String(value);
    if (spec.unsupported !== undefined && text !== undefined && !/^(false|0|)$/i.test(text)) {
      const message = `Failed to load flag '${spec.name}': ${spec.unsupported}`;
      return { ok: false, flag: spec.name, message };
    }
    if (value !== undefined && spec.withoutEffect !== undefined) {
      withoutEffect.push({ flag: spec.name, value: String(value), reason: spec.withoutEffect });
    }
    const chosen = value ?? spec.default;
    raw.set(spec.name, typeof chosen === "boolean" ? String(chosen) : chosen);
  }
  const unreadable = expandFlagFiles(raw);
  if (unreadable !== undefined) return { ok: false, ...unreadable };
  return { ok: true, reader: new FlagReader(raw), withoutEffect };
}

function firstDefined<T>(values: readonly (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined);
}

/** Typed reads of raw flag values; a bad value is recorded (first one wins) and read as a stand-in. */
export class FlagReader {
  readonly #raw: ReadonlyMap<string, string | undefined>;
  readonly #errors: FlagError[] = [];
  /** Given values that are accepted but change nothing here (`--registry=replicated_log`). */
  readonly withoutEffect: FlagWithoutEffect[] = [];

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

  /** Records that `flag`'s value is accepted but has no effect here, and why. */
  noEffect(flag: string, reason: string): void {
    this.withoutEffect.push({ flag, value: this.str(flag) ?? "", reason });
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
      logDir: this.str("log_dir"),
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

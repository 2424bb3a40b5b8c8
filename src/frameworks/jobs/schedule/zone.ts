// Wall-clock arithmetic for schedules: the UTC offset of an instant in an IANA zone (from
// Node's Intl, full ICU since Node 20) or a fixed offset, and the way back from a local
// wall-clock time to instants — none, one or two of them around DST transitions.
//
// "Local ms" below means the wall-clock fields written as if they were UTC
// (Date.UTC(year, month, day, hour, minute, second)), which keeps calendar arithmetic on
// plain numbers.

export type Zone =
  | { readonly kind: "fixed"; readonly offsetMs: number }
  | { readonly kind: "iana"; readonly name: string };

export const UTC: Zone = { kind: "fixed", offsetMs: 0 };

const DAY_MS = 86_400_000;

// One formatter per zone name: constructing one costs far more than using it. Bounded by
// the number of zone names in the tz database; cleared rather than grown past the bound.
const FORMATTERS_MAX = 1_024;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(name: string): Intl.DateTimeFormat {
  let formatter = formatters.get(name);
  if (formatter === undefined) {
    if (formatters.size >= FORMATTERS_MAX) formatters.clear();
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(name, formatter);
  }
  return formatter;
}

/** Whether `name` is a time zone the tz database knows (Intl throws a RangeError if not). */
export function isKnownTimeZone(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

// Offsets per zone and UTC hour, for the hours without a transition inside (NaN marks an
// hour with one: asked directly). A scheduler asks about the same few hours again and again,
// and Intl costs microseconds a call. Bounded per zone; cleared rather than grown past it.
const HOUR_MS = 3_600_000;
const OFFSET_HOURS_MAX = 65_536;
const offsetsByHour = new Map<string, Map<number, number>>();

/** Java's custom zone ids, which Chronos's `scheduleTimeZone` takes: GMT+2, GMT-03:30. */
const CUSTOM_OFFSET_RE = /^(?:GMT|UTC)([+-])([0-9]{1,2})(?::?([0-9]{2}))?$/;

/**
 * The zone a `scheduleTimeZone` names: a tz database name (or an alias ICU knows, such as
 * US/Pacific or PST), or a fixed GMT+h[:mm] offset; undefined when it names none.
 */
export function zoneNamed(name: string): Zone | undefined {
  const custom = CUSTOM_OFFSET_RE.exec(name);
  if (custom !== null) {
    const hours = Number(custom[2]);
    const minutes = Number(custom[3] ?? "0");
    if (hours > 23 || minutes > 59) return undefined;
    const offsetMs = (custom[1] === "-" ? -1 : 1) * (hours * 60 + minutes) * 60_000;
    return offsetMs === 0 ? UTC : { kind: "fixed", offsetMs };
  }
  return isKnownTimeZone(name) ? { kind: "iana", name } : undefined;
}

/** The UTC offset (ms, east positive) in force at `instantMs`. */
export function offsetAt(zone: Zone, instantMs: number): number {
  if (zone.kind === "fixed") return zone.offsetMs;
  let hours = offsetsByHour.get(zone.name);
  if (hours === undefined) {
    hours = new Map();
    offsetsByHour.set(zone.name, hours);
  }
  const hour = Math.floor(instantMs / HOUR_MS);
  const cached = hours.get(hour);
  if (cached !== undefined && !Number.isNaN(cached)) return cached;
  if (cached !== undefined) return intlOffset(zone.name, instantMs);
  const first = intlOffset(zone.name, hour * HOUR_MS);
  const last = intlOffset(zone.name, hour * HOUR_MS + HOUR_MS - 1000);
  if (hours.size >= OFFSET_HOURS_MAX) hours.clear();
  hours.set(hour, first === last ? first : Number.NaN);
  return first === last ? first : intlOffset(zone.name, instantMs);
}

function intlOffset(name: string, instantMs: number): number {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of formatterFor(name).formatToParts(seconds)) {
    switch (part.type) {
      case "era":
        bc = part.value === "BC";
        break;
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value);
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
    }
  }
  return localMs(bc ? 1 - year : year, month - 1, day, hour, minute, second) - seconds;
}

/** Date.UTC without its two-digit-year quirk (years 0..99 are not 1900..1999 here). */
export function localMs(
  year: number,
  month0: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month0, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** The wall-clock time (local ms) of an instant. */
export function toLocal(zone: Zone, instantMs: number): number {
  return instantMs + offsetAt(zone, instantMs);
}

export interface LocalResolution {
  /** The instants showing this wall-clock time, ascending: 2 in a fall-back overlap. */
  readonly instants: readonly number[];
  /** Offsets in force just before and just after the time (equal away from transitions). */
  readonly offsetBeforeMs: number;
  readonly offsetAfterMs: number;
}

/** Every instant at which the zone's clocks show `local`. Empty inside a spring-forward gap. */
export function resolveLocal(zone: Zone, local: number): LocalResolution {
  if (zone.kind === "fixed") {
    return {
      instants: [local - zone.offsetMs],
      offsetBeforeMs: zone.offsetMs,
      offsetAfterMs: zone.offsetMs,
    };
  }
  // The instant lies within a day of `local`; the offsets a day either side (and the ones
  // they lead to) are the only candidates.
  const before = offsetAt(zone, local - DAY_MS);
  const after = offsetAt(zone, local + DAY_MS);
  const candidates = new Set([
    before,
    after,
    offsetAt(zone, local - before),
    offsetAt(zone, local - after),
  ]);
  const instants: number[] = [];
  for (const offset of candidates) {
    if (offsetAt(zone, local - offset) === offset) instants.push(local - offset);
  }
  instants.sort((a, b) => a - b);
  return { instants, offsetBeforeMs: before, offsetAfterMs: after };
}

/**
 * The first instant after a spring-forward gap that contains `local` (the moment the clocks
 * jumped). Requires that `local` is in a gap.
 */
export function gapEnd(zone: Zone, local: number, resolution: LocalResolution): number {
  const small = Math.min(resolution.offsetBeforeMs, resolution.offsetAfterMs);
  const large = Math.max(resolution.offsetBeforeMs, resolution.offsetAfterMs);
  // The transition T has local - large < T <= local - small; find the first instant whose
  // offset is no longer the old one.
  let low = local - large;
  let high = local - small;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (offsetAt(zone, mid) === small) low = mid;
    else high = mid;
  }
  return high;
}

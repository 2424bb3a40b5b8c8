// ISO 8601 repeating intervals as Chronos reads them: `R[n]/<start>/<period>` (its regex
// `(R[0-9]*)/(.*)/(P.*)`), the start read like Joda's DateTime.parse, a `scheduleTimeZone`
// re-interpreting the start's wall-clock fields in that zone (Joda's withZoneRetainFields).

import { formatPeriod, type Period, parsePeriod } from "./period.ts";
import { localMs, offsetAt, resolveLocal, UTC, type Zone, zoneNamed } from "./zone.ts";

export interface IsoSchedule {
  /** null = repeat forever (`R`). */
  readonly repetitions: number | null;
  /** null = empty start ("now"). */
  readonly startMs: number | null;
  readonly period: Period;
  /** Where calendar steps are taken: the schedule time zone, else the start's own offset. */
  readonly zone: Zone;
}

export type IsoParse =
  | { readonly ok: true; readonly iso: IsoSchedule }
  | { readonly ok: false; readonly reason: string };

const SCHEDULE_RE = /^(R[0-9]*)\/(.*)\/(P.*)$/;
const DATE_TIME_RE =
  /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(?:T([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?)?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$/;
/** Chronos refuses starts before this (its model treats a zero start as "no schedule"). */
export const START_MIN_MS = 1_000;

export function parseIso(text: string, timeZone: string | undefined): IsoParse {
  const match = SCHEDULE_RE.exec(text);
  if (match === null) {
    return { ok: false, reason: "expected R[n]/[start]/period, e.g. R/2014-03-08T20:00:00Z/PT2H" };
  }
  const [, repeat = "R", start = "", periodText = ""] = match;
  const repetitions = repeat.length === 1 ? null : Number(repeat.slice(1));
  if (repetitions !== null && !Number.isSafeInteger(repetitions)) {
    return { ok: false, reason: `the repetition count ${repeat} is too large` };
  }
  const period = parsePeriod(periodText);
  if (!period.ok) return period;
  let zone: Zone | undefined;
  if (timeZone !== undefined && timeZone !== "") {
    zone = zoneNamed(timeZone);
    if (zone === undefined) {
      return { ok: false, reason: `unknown time zone '${timeZone}' (use a tz database name)` };
    }
  }
  if (start === "") {
    return {
      ok: true,
      iso: { repetitions, startMs: null, period: period.period, zone: zone ?? UTC },
    };
  }
  const parsed = parseStart(start, zone);
  if (!parsed.ok) return parsed;
  if (parsed.startMs < START_MIN_MS) {
    return { ok: false, reason: "the start is before 1970-01-01T00:00:01Z" };
  }
  return {
    ok: true,
    iso: { repetitions, startMs: parsed.startMs, period: period.period, zone: parsed.zone },
  };
}

/**
 * The period and zone of a text parseIso accepted, without reading the start's instant again
 * (that costs time-zone look-ups; the stepping needs only the period and the zone).
 */
export function isoSteps(
  text: string,
  timeZone: string | undefined,
): { readonly period: Period; readonly zone: Zone } | null {
  const match = SCHEDULE_RE.exec(text);
  const period = parsePeriod(match?.[3] ?? "");
  if (match === null || !period.ok) return null;
  if (timeZone !== undefined && timeZone !== "") {
    const zone = zoneNamed(timeZone);
    return zone === undefined ? null : { period: period.period, zone };
  }
  const start = match[2] ?? "";
  const offsetText = start === "" ? undefined : DATE_TIME_RE.exec(start)?.[8];
  const offsetMs = offsetText === undefined ? 0 : parseOffset(offsetText);
  if (offsetMs === null) return null;
  return { period: period.period, zone: offsetMs === 0 ? UTC : { kind: "fixed", offsetMs } };
}

type StartParse =
  | { readonly ok: true; readonly startMs: number; readonly zone: Zone }
  | { readonly ok: false; readonly reason: string };

/**
 * A date-time such as 2014-03-08T20:00:00.000Z or 1997-07-16T19:20:30.45+01:00 (reduced
 * precision such as 2014-03-08 or 2014-03-08T20:00 too). Without an offset it is UTC. With a
 * time zone the wall-clock fields are kept and the offset serves only to pick one of the two
 * instants of a repeated (fall-back) time.
 */
function parseStart(text: string, timeZone: Zone | undefined): StartParse {
  const m = DATE_TIME_RE.exec(text);
  const bad = {
    ok: false,
    reason: `'${text}' is not an ISO 8601 date-time such as 2014-03-08T20:00:00.000Z`,
  } as const;
  if (m === null) return bad;
  const num = (i: number, fallback: number) => (m[i] === undefined ? fallback : Number(m[i]));
  const year = num(1, 0);
  const month = num(2, 1);
  const day = num(3, 1);
  const hour = num(4, 0);
  const minute = num(5, 0);
  const second = num(6, 0);
  const millis = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return bad;
  const local = localMs(year, month - 1, day, hour, minute, second, millis);
  if (new Date(local).getUTCDate() !== day) return bad;
  const offsetText = m[8];
  const textOffset = offsetText === undefined ? undefined : parseOffset(offsetText);
  if (textOffset === null) return bad;
  if (timeZone?.kind === "fixed")
    return { ok: true, startMs: local - timeZone.offsetMs, zone: timeZone };
  if (timeZone?.kind === "iana") {
    const resolution = resolveLocal(timeZone, local);
    const [first, second2] = resolution.instants;
    if (first === undefined) {
      // Inside a spring-forward gap: moved forward by the gap, as Joda does.
      const small = Math.min(resolution.offsetBeforeMs, resolution.offsetAfterMs);
      return { ok: true, startMs: local - small, zone: timeZone };
    }
    const chosen = second2 !== undefined && local - second2 === textOffset ? second2 : first;
    return { ok: true, startMs: chosen, zone: timeZone };
  }
  const offsetMs = textOffset ?? 0;
  return {
    ok: true,
    startMs: local - offsetMs,
    zone: offsetMs === 0 ? UTC : { kind: "fixed", offsetMs },
  };
}

/** `Z`, `+01`, `+0100`, `+01:00` → ms east of UTC; null if out of range. */
function parseOffset(text: string): number | null {
  if (text === "Z") return 0;
  const sign = text.startsWith("-") ? -1 : 1;
  const digits = text.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes) * 60_000;
}

/** `R<n>/<start>/<period>` with the start as Joda prints it: ms and the offset in force. */
export function formatIso(repetitions: number | null, startMs: number, period: Period, zone: Zone) {
  const repeat = repetitions === null ? "R" : `R${repetitions}`;
  return `${repeat}/${formatInstant(startMs, zone)}/${formatPeriod(period)}`;
}

export function formatInstant(instantMs: number, zone: Zone): string {
  const offsetMs = offsetAt(zone, instantMs);
  const local = new Date(instantMs + offsetMs).toISOString().slice(0, 23);
  if (offsetMs === 0) return `${local}Z`;
  const abs = Math.floor(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${offsetMs < 0 ? "-" : "+"}${hh}:${mm}`;
}

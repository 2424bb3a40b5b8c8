// ISO 8601 durations as Chronos reads them (Joda's standard period format PnYnMnWnDTnHnMnS,
// seconds with an optional fraction), and adding k of them to an instant the way Joda's
// DateTime.plus(period.multipliedBy(k)) does: years, then months (each clamping the day to
// the month's end), then weeks and days on the wall clock of the zone, then the time part
// as an exact duration.

import { localMs, offsetAt, resolveLocal, toLocal, type Zone } from "./zone.ts";

export interface Period {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly millis: number;
}

export type PeriodParse =
  | { readonly ok: true; readonly period: Period }
  | { readonly ok: false; readonly reason: string };

const DAY_MS = 86_400_000;
/** Joda keeps each field in a Java int; larger values are refused rather than wrapped. */
const FIELD_MAX = 2_147_483_647;
/** The latest due time (9999-01-01T00:00:00Z): later ones would not print as 4-digit years. */
export const INSTANT_MAX_MS = 253_370_764_800_000;

const PERIOD_RE =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,9}))?S)?)?$/;

export function parsePeriod(text: string): PeriodParse {
  const match = PERIOD_RE.exec(text);
  if (match === null || text.endsWith("T") || text === "P") {
    return {
      ok: false,
      reason: `'${text}' is not an ISO 8601 period such as PT10M, P1D or P1Y2M3DT4H5M6S`,
    };
  }
  const field = (i: number) => Number(match[i] ?? "0");
  const values = [1, 2, 3, 4, 5, 6, 7].map(field);
  if (values.some((v) => v > FIELD_MAX)) {
    return { ok: false, reason: `a field of the period '${text}' is larger than ${FIELD_MAX}` };
  }
  const fraction = match[8] ?? "";
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const [years, months, weeks, days, hours, minutes, seconds] = values as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const period: Period = { years, months, weeks, days, hours, minutes, seconds, millis };
  if (values.every((v) => v === 0) && millis === 0) {
    return { ok: false, reason: `the period '${text}' is zero: a schedule must move forward` };
  }
  return { ok: true, period };
}

/** Joda's standard print: only the fields that are set, seconds with 3 decimals if any. */
export function formatPeriod(p: Period): string {
  let date = "";
  if (p.years) date += `${p.years}Y`;
  if (p.months) date += `${p.months}M`;
  if (p.weeks) date += `${p.weeks}W`;
  if (p.days) date += `${p.days}D`;
  let time = "";
  if (p.hours) time += `${p.hours}H`;
  if (p.minutes) time += `${p.minutes}M`;
  if (p.millis) time += `${p.seconds}.${String(p.millis).padStart(3, "0")}S`;
  else if (p.seconds) time += `${p.seconds}S`;
  return `P${date}${time ? `T${time}` : ""}`;
}

/** The time part (hours and below) as an exact duration. */
export function timeMs(p: Period): number {
  return ((p.hours * 60 + p.minutes) * 60 + p.seconds) * 1000 + p.millis;
}

/** Whether every step of this period is the same number of milliseconds in `zone`. */
export function isFixedLength(p: Period, zone: Zone): boolean {
  if (p.years !== 0 || p.months !== 0) return false;
  return zone.kind === "fixed" || (p.weeks === 0 && p.days === 0);
}

/** The length of one step when isFixedLength, else an average used only to estimate. */
export function approximateMs(p: Period): number {
  const days = p.years * 365.2425 + p.months * 30.436875 + p.weeks * 7 + p.days;
  return days * DAY_MS + timeMs(p);
}

/**
 * `startMs` plus `k` times the period. In an overlap (fall-back) the instant with the start's
 * offset is kept if it is one of the two, else the earlier one; a wall-clock time inside a
 * spring-forward gap moves forward by the gap's length (Joda's rule), so 02:30 becomes 03:30.
 * NaN when the result is beyond what a Date holds.
 */
export function addPeriods(startMs: number, p: Period, k: number, zone: Zone): number {
  let instant = startMs;
  if (p.years !== 0 || p.months !== 0 || p.weeks !== 0 || p.days !== 0) {
    const startOffset = offsetAt(zone, startMs);
    const local = new Date(toLocal(zone, startMs));
    const timeOfDay =
      local.getTime() - localMs(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
    let year = local.getUTCFullYear() + p.years * k;
    let day = Math.min(local.getUTCDate(), daysInMonth(year, local.getUTCMonth()));
    const monthIndex = local.getUTCMonth() + p.months * k;
    year += Math.floor(monthIndex / 12);
    const month0 = ((monthIndex % 12) + 12) % 12;
    day = Math.min(day, daysInMonth(year, month0));
    if (year > 9999) return Number.NaN;
    const target = localMs(year, month0, day + (p.weeks * 7 + p.days) * k) + timeOfDay;
    instant = fromLocal(zone, target, startOffset);
  }
  const result = instant + timeMs(p) * k;
  return result <= INSTANT_MAX_MS ? result : Number.NaN;
}

/** The instant of a wall-clock time by the rules of addPeriods. */
export function fromLocal(zone: Zone, local: number, preferredOffsetMs: number): number {
  const resolution = resolveLocal(zone, local);
  const [first, second] = resolution.instants;
  if (first === undefined)
    return local - Math.min(resolution.offsetBeforeMs, resolution.offsetAfterMs);
  if (second !== undefined && local - second === preferredOffsetMs) return second;
  return first;
}

export function daysInMonth(year: number, month0: number): number {
  return new Date(localMs(year, month0 + 1, 0)).getUTCDate();
}

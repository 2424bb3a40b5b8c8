// The schedule arithmetic of the jobs framework (the contract is in ./types.ts): Chronos's
// ISO 8601 repeating intervals and Aurora's crontab lines. Pure: no clock is read here.
//
// A Schedule's `startMs` and `remaining` are what counts; its `spec` says how to step (the
// period and zone of an ISO text, or the cron line). parseSchedule keeps the spec it was given;
// skipForward rewrites `spec.text` to formatSchedule's text so a stored spec always parses
// back to the same schedule.

import { assert } from "../../../base/assert.ts";
import { type CronFields, nextCron, parseCron } from "./cron.ts";
import { formatIso, isoSteps, parseIso } from "./iso8601.ts";
import {
  addPeriods,
  approximateMs,
  INSTANT_MAX_MS,
  isFixedLength,
  parsePeriod,
  timeMs,
} from "./period.ts";
import type { Schedule, ScheduleModule, ScheduleParse, ScheduleSpec } from "./types.ts";
import { UTC, type Zone, zoneNamed } from "./zone.ts";

export type { Schedule, ScheduleModule, ScheduleParse, ScheduleSpec } from "./types.ts";
export { isKnownTimeZone, zoneNamed } from "./zone.ts";

/** How far before `now` an empty ISO start lies (Chronos: due at once). */
export const EMPTY_START_LEAD_MS = 1_000;

/** Chronos's text for any ISO schedule it cannot read (clients match it). */
export function chronosScheduleError(text: string): string {
  return `Cannot parse schedule '${text}' (wtf bro)`;
}

export function parseSchedule(spec: ScheduleSpec, nowMs: number): ScheduleParse {
  if (spec.kind === "cron") {
    const compiled = compileCron(spec);
    if (!compiled.ok) {
      return {
        ok: false,
        error: `Invalid cron schedule '${spec.text}': ${compiled.reason}`,
        reason: compiled.reason,
      };
    }
    const startMs = nextCron(compiled.fields, compiled.zone, nowMs - 1);
    if (startMs === null) {
      const reason = "it never matches a date in the next 30 years";
      return { ok: false, error: `Invalid cron schedule '${spec.text}': ${reason}`, reason };
    }
    return { ok: true, schedule: { spec, startMs, remaining: null } };
  }
  const parsed = parseIso(spec.text, spec.timeZone);
  if (!parsed.ok)
    return { ok: false, error: chronosScheduleError(spec.text), reason: parsed.reason };
  const startMs = parsed.iso.startMs ?? nowMs - EMPTY_START_LEAD_MS;
  return { ok: true, schedule: { spec, startMs, remaining: parsed.iso.repetitions } };
}

export function nextDue(schedule: Schedule, afterMs: number): number | null {
  if (schedule.spec.kind === "cron") {
    const cron = compileCronOrThrow(schedule.spec);
    return nextCron(cron.fields, cron.zone, Math.max(afterMs, schedule.startMs - 1));
  }
  if (schedule.remaining === 0) return null;
  const iso = compileIso(schedule);
  const index = firstIndexAfter(schedule.startMs, iso, afterMs);
  if (index === null) return null;
  if (schedule.remaining !== null && index >= schedule.remaining) return null;
  return occurrence(schedule.startMs, iso, index);
}

export function skipForward(schedule: Schedule, launchedDueMs: number, nowMs: number): Schedule {
  const pivot = Math.max(launchedDueMs, nowMs);
  if (schedule.spec.kind === "cron") {
    const cron = compileCronOrThrow(schedule.spec);
    const next = nextCron(cron.fields, cron.zone, Math.max(pivot, schedule.startMs - 1));
    // A line with no match left keeps its start: nothing is due again.
    return { ...schedule, startMs: next ?? schedule.startMs };
  }
  if (schedule.remaining === 0) return schedule;
  const iso = compileIso(schedule);
  const index = firstIndexAfter(schedule.startMs, iso, pivot);
  const next = index === null ? Number.NaN : occurrence(schedule.startMs, iso, index);
  const remaining = schedule.remaining === null ? null : schedule.remaining - 1;
  // Past the last date a due time can have: exhausted.
  const moved: Schedule = Number.isNaN(next)
    ? { ...schedule, remaining: 0 }
    : { ...schedule, startMs: next, remaining };
  return { ...moved, spec: { ...schedule.spec, text: formatSchedule(moved) } };
}

export function formatSchedule(schedule: Schedule): string {
  if (schedule.spec.kind === "cron") return schedule.spec.text;
  const iso = compileIso(schedule);
  return formatIso(schedule.remaining, schedule.startMs, iso.period, iso.zone);
}

export type DurationParse =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly reason: string };

/**
 * An ISO 8601 duration of fixed length, such as a job's `epsilon` (`PT60S`, `PT30M`, `P1D` as
 * 24 hours). Months and years are refused: their length depends on the date, and Chronos
 * (Joda's toStandardDuration) refuses them too.
 */
export function parseDuration(text: string): DurationParse {
  const parsed = parsePeriod(text);
  if (!parsed.ok) return parsed;
  if (parsed.period.years !== 0 || parsed.period.months !== 0) {
    return {
      ok: false,
      reason: `the duration '${text}' has months or years, which have no fixed length`,
    };
  }
  return { ok: true, ms: approximateMs(parsed.period) };
}

export const scheduleModule: ScheduleModule = {
  parseSchedule,
  nextDue,
  skipForward,
  formatSchedule,
};

/** The occurrence `index` of a schedule (index 0 = the start); NaN past year 9999. */
function occurrence(startMs: number, iso: IsoSteps, index: number): number {
  return addPeriods(startMs, iso.period, index, iso.zone);
}

/** The index of the first occurrence strictly after `afterMs`, ignoring the count; null if none. */
function firstIndexAfter(startMs: number, iso: IsoSteps, afterMs: number): number | null {
  if (afterMs < startMs) return 0;
  if (afterMs >= INSTANT_MAX_MS) return null;
  if (isFixedLength(iso.period, iso.zone)) {
    const stepMs = iso.zone.kind === "fixed" ? approximateMs(iso.period) : timeMs(iso.period);
    const index = Math.floor((afterMs - startMs) / stepMs) + 1;
    return startMs + index * stepMs > INSTANT_MAX_MS ? null : index;
  }
  // Calendar steps vary in length: estimate from the average, then walk to the exact index.
  let index = Math.max(0, Math.floor((afterMs - startMs) / approximateMs(iso.period)));
  while (index > 0 && !(occurrence(startMs, iso, index - 1) <= afterMs)) index--;
  for (;;) {
    const at = occurrence(startMs, iso, index);
    if (Number.isNaN(at)) return null;
    if (at > afterMs) return index;
    index++;
  }
}

function compileIso(schedule: Schedule): IsoSteps {
  const steps = isoSteps(schedule.spec.text, schedule.spec.timeZone);
  assert(steps !== null, `a stored schedule no longer parses: ${schedule.spec.text}`);
  return steps;
}

type IsoSteps = NonNullable<ReturnType<typeof isoSteps>>;

type CronCompile =
  | { readonly ok: true; readonly fields: CronFields; readonly zone: Zone }
  | { readonly ok: false; readonly reason: string };

// Cron lines are compiled once per (line, zone): a scheduler asks for the next due time of
// the same few lines over and over. Bounded; cleared rather than grown past the bound.
const CRON_CACHE_MAX = 4_096;
const cronCache = new Map<string, CronCompile>();

function compileCron(spec: ScheduleSpec): CronCompile {
  const key = `${spec.timeZone ?? ""}\n${spec.text}`;
  const cached = cronCache.get(key);
  if (cached !== undefined) return cached;
  let compiled: CronCompile;
  const parsed = parseCron(spec.text);
  if (!parsed.ok) compiled = parsed;
  else if (spec.timeZone === undefined || spec.timeZone === "")
    compiled = { ok: true, fields: parsed.fields, zone: UTC };
  else {
    const zone = zoneNamed(spec.timeZone);
    compiled =
      zone === undefined
        ? { ok: false, reason: `unknown time zone '${spec.timeZone}' (use a tz database name)` }
        : { ok: true, fields: parsed.fields, zone };
  }
  if (cronCache.size >= CRON_CACHE_MAX) cronCache.clear();
  cronCache.set(key, compiled);
  return compiled;
}

function compileCronOrThrow(spec: ScheduleSpec): { fields: CronFields; zone: Zone } {
  const compiled = compileCron(spec);
  assert(compiled.ok, `a stored cron schedule no longer parses: ${spec.text}`);
  return compiled;
}

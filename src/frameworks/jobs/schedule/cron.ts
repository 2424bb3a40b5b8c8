// Crontab lines as Aurora's `cron_schedule` takes them: five fields (minute, hour, day of
// month, month, day of week) with `*`, lists, ranges, steps, month and weekday names, the
// @hourly/@daily/@weekly/@monthly/@yearly shorthands, and Vixie cron's rule for the two day
// fields: when both are restricted a day matches either; when one starts with `*` only the
// other counts. Evaluated on the wall clock of a time zone:
// - a matching wall-clock time that does not exist (spring-forward gap) runs once at the
//   moment the clocks jump (as Vixie cron runs such jobs right after the change), coalesced
//   with a run due at that moment;
// - a wall-clock time that happens twice (fall-back) runs once, the first time.

import { gapEnd, localMs, resolveLocal, toLocal, type Zone } from "./zone.ts";

export interface CronFields {
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  readonly daysOfMonth: readonly boolean[];
  readonly months: readonly boolean[];
  /** 0..6, Sunday 0 (7 is read as Sunday too). */
  readonly daysOfWeek: readonly boolean[];
  readonly dayOfMonthStar: boolean;
  readonly dayOfWeekStar: boolean;
}

export type CronParse =
  | { readonly ok: true; readonly fields: CronFields }
  | { readonly ok: false; readonly reason: string };

const SHORTHANDS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const MONTH_NAMES = "jan feb mar apr may jun jul aug sep oct nov dec".split(" ");
const DAY_NAMES = "sun mon tue wed thu fri sat".split(" ");

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names: readonly string[];
  /** The value of names[0]. */
  readonly namesFrom: number;
}
const RULES: readonly FieldRule[] = [
  { name: "minute", min: 0, max: 59, names: [], namesFrom: 0 },
  { name: "hour", min: 0, max: 23, names: [], namesFrom: 0 },
  { name: "day of month", min: 1, max: 31, names: [], namesFrom: 1 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  { name: "day of week", min: 0, max: 7, names: DAY_NAMES, namesFrom: 0 },
];
/** Days in each month at most (February of a leap year). */
const MONTH_DAYS_MAX = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function parseCron(text: string): CronParse {
  const trimmed = text.trim();
  const line = trimmed.startsWith("@") ? SHORTHANDS[trimmed.toLowerCase()] : trimmed;
  if (line === undefined) {
    return {
      ok: false,
      reason: `unknown shorthand '${trimmed}' (@hourly, @daily, @weekly, @monthly, @yearly)`,
    };
  }
  const parts = line.split(/\s+/);
  if (parts.length !== 5) {
    return {
      ok: false,
      reason: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    };
  }
  const sets: boolean[][] = [];
  for (const [i, rule] of RULES.entries()) {
    const set = parseField(parts[i] ?? "", rule);
    if (typeof set === "string") return { ok: false, reason: set };
    sets.push(set);
  }
  const [minutes, hours, daysOfMonth, months, weekdays] = sets as [
    boolean[],
    boolean[],
    boolean[],
    boolean[],
    boolean[],
  ];
  const daysOfWeek = weekdays.slice(0, 7);
  if (weekdays[7]) daysOfWeek[0] = true;
  const fields: CronFields = {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthStar: (parts[2] ?? "").startsWith("*"),
    dayOfWeekStar: (parts[4] ?? "").startsWith("*"),
  };
  if (!fields.dayOfMonthStar && fields.dayOfWeekStar && !someDayExists(fields)) {
    return { ok: false, reason: "no allowed month has any of the allowed days of the month" };
  }
  return { ok: true, fields };
}

/** One field: a comma list of `*`, `n`, `a-b`, each optionally `/step` (`n/step` = n-max). */
function parseField(text: string, rule: FieldRule): boolean[] | string {
  const set = new Array<boolean>(rule.max + 1).fill(false);
  for (const item of text.split(",")) {
    const [range = "", stepText, extra] = item.split("/");
    if (extra !== undefined) return `bad ${rule.name} '${item}'`;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!/^[0-9]+$/.test(stepText ?? "1") || step < 1) return `bad step in ${rule.name} '${item}'`;
    let low: number;
    let high: number;
    if (range === "*") {
      low = rule.min;
      high = rule.max;
    } else {
      const [a = "", b, more] = range.split("-");
      if (more !== undefined) return `bad range in ${rule.name} '${item}'`;
      const from = value(a, rule);
      const to = b === undefined ? (stepText === undefined ? from : rule.max) : value(b, rule);
      if (from === null || to === null) {
        return `bad ${rule.name} '${item}' (allowed ${rule.min}-${rule.max}${rule.names.length ? " or names" : ""})`;
      }
      if (from > to) return `the ${rule.name} range '${item}' runs backwards`;
      low = from;
      high = to;
    }
    for (let v = low; v <= high; v += step) set[v] = true;
  }
  return set;
}

function value(text: string, rule: FieldRule): number | null {
  const named = rule.names.indexOf(text.toLowerCase());
  if (named >= 0) return named + rule.namesFrom;
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return n >= rule.min && n <= rule.max ? n : null;
}

function someDayExists(fields: CronFields): boolean {
  for (let month = 1; month <= 12; month++) {
    if (!fields.months[month]) continue;
    for (let day = 1; day <= (MONTH_DAYS_MAX[month - 1] ?? 31); day++) {
      if (fields.daysOfMonth[day]) return true;
    }
  }
  return false;
}

function dayMatches(fields: CronFields, day: number, weekday: number): boolean {
  const dom = fields.daysOfMonth[day] === true;
  const dow = fields.daysOfWeek[weekday] === true;
  return fields.dayOfMonthStar || fields.dayOfWeekStar ? dom && dow : dom || dow;
}

const MINUTE_MS = 60_000;
/** No due time is looked for past 9999-01-01T00:00:00Z (as for ISO schedules). */
const CRON_AFTER_MAX_MS = 253_370_764_800_000;
/** How far ahead a match is looked for: Feb 29 on a given weekday can be 28 years away. */
const SEARCH_YEARS = 30;
/** Wall-clock matches passed over because they already ran in a fall-back overlap. */
const OVERLAP_SKIPS_MAX = 24 * 60;

/** The first wall-clock minute after `local` (local ms) that matches; null if none is near. */
export function nextLocalMatch(fields: CronFields, local: number): number | null {
  let t = Math.floor(local / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const limitYear = new Date(t).getUTCFullYear() + SEARCH_YEARS;
  for (;;) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    if (year > limitYear) return null;
    const month0 = d.getUTCMonth();
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    if (!fields.months[month0 + 1]) {
      t = localMs(year, month0 + 1, 1);
    } else if (!dayMatches(fields, day, d.getUTCDay())) {
      t = localMs(year, month0, day + 1);
    } else if (!fields.hours[hour]) {
      t = localMs(year, month0, day, hour + 1);
    } else if (!fields.minutes[d.getUTCMinutes()]) {
      t += MINUTE_MS;
    } else {
      return t;
    }
  }
}

/** The first due instant strictly after `afterMs` (see the rules at the top). */
export function nextCron(fields: CronFields, zone: Zone, afterMs: number): number | null {
  if (!(afterMs < CRON_AFTER_MAX_MS)) return null;
  let local = toLocal(zone, afterMs);
  for (let skips = 0; skips <= OVERLAP_SKIPS_MAX; skips++) {
    const match = nextLocalMatch(fields, local);
    if (match === null) return null;
    const resolution = resolveLocal(zone, match);
    const first = resolution.instants[0];
    const due = first ?? gapEnd(zone, match, resolution);
    if (due > afterMs) return due;
    local = match;
  }
  return null;
}

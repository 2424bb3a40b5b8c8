// Properties of the schedule arithmetic over random ISO 8601 schedules and cron lines, in
// zones with and without daylight saving.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  formatSchedule,
  nextDue,
  parseSchedule,
  type Schedule,
  type ScheduleSpec,
  skipForward,
} from "../../../../src/frameworks/jobs/schedule/index.ts";

const ZONES = [
  undefined,
  "GMT-03:30",
  "America/Los_Angeles",
  "Europe/Berlin",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
];
const FROM_MS = Date.parse("2000-01-01T00:00:00Z");
const TO_MS = Date.parse("2030-01-01T00:00:00Z");
const RUNS = 150;

const zoneArb = fc.constantFrom(...ZONES);
// Half of the instants fall within two days of a 2024 DST transition (Los Angeles, Berlin,
// Lord Howe's half-hour shift), where wall-clock arithmetic is hardest.
const TRANSITIONS_MS = [
  "2024-03-10T10:00:00Z",
  "2024-11-03T09:00:00Z",
  "2024-03-31T01:00:00Z",
  "2024-10-27T01:00:00Z",
  "2024-04-06T15:00:00Z",
  "2024-10-05T15:30:00Z",
].map(Date.parse);
const instantArb = fc.oneof(
  fc.integer({ min: FROM_MS, max: TO_MS }),
  fc
    .tuple(
      fc.constantFrom(...TRANSITIONS_MS),
      fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }),
    )
    .map(([t, d]) => t + d),
);

const periodArb = fc
  .record({
    years: fc.constantFrom(0, 0, 0, 1),
    months: fc.constantFrom(0, 0, 0, 1, 2, 13),
    weeks: fc.constantFrom(0, 0, 0, 1),
    days: fc.constantFrom(0, 0, 1, 3),
    hours: fc.constantFrom(0, 0, 1, 24, 25),
    minutes: fc.constantFrom(0, 0, 1, 30),
    seconds: fc.constantFrom(0, 0, 1, 45),
    millis: fc.constantFrom(0, 0, 500),
  })
  .map((p) => {
    let date = "";
    if (p.years) date += `${p.years}Y`;
    if (p.months) date += `${p.months}M`;
    if (p.weeks) date += `${p.weeks}W`;
    if (p.days) date += `${p.days}D`;
    let time = "";
    if (p.hours) time += `${p.hours}H`;
    if (p.minutes) time += `${p.minutes}M`;
    if (p.millis) time += `${p.seconds}.${p.millis}S`;
    else if (p.seconds) time += `${p.seconds}S`;
    return date === "" && time === "" ? "PT1H" : `P${date}${time ? `T${time}` : ""}`;
  });

const isoSpecArb: fc.Arbitrary<ScheduleSpec> = fc
  .record({
    repeat: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
    startMs: instantArb,
    period: periodArb,
    timeZone: zoneArb,
    emptyStart: fc.boolean(),
  })
  .map(({ repeat, startMs, period, timeZone, emptyStart }) => {
    // A start written in local wall-clock fields (no offset) when a zone is given.
    const start = emptyStart ? "" : new Date(startMs).toISOString().slice(0, 19);
    return { kind: "iso8601", text: `R${repeat ?? ""}/${start}/${period}`, timeZone };
  });

const cronFieldArb = (min: number, max: number) =>
  fc.oneof(
    fc.constant("*"),
    fc.integer({ min, max }).map(String),
    fc.integer({ min: 2, max: 15 }).map((step) => `*/${step}`),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
      .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc
      .uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 })
      .map((xs) => xs.join(",")),
  );

const cronSpecArb: fc.Arbitrary<ScheduleSpec> = fc
  .record({
    minute: cronFieldArb(0, 59),
    hour: cronFieldArb(0, 23),
    dom: fc.oneof(fc.constant("*"), fc.constant("*"), cronFieldArb(1, 28)),
    month: fc.oneof(fc.constant("*"), fc.constant("*"), cronFieldArb(1, 12)),
    dow: fc.oneof(fc.constant("*"), fc.constant("*"), cronFieldArb(0, 7)),
    timeZone: zoneArb,
  })
  .map((c) => ({
    kind: "cron",
    text: `${c.minute} ${c.hour} ${c.dom} ${c.month} ${c.dow}`,
    timeZone: c.timeZone,
  }));

const specArb = fc.oneof(isoSpecArb, cronSpecArb);

function parsed(spec: ScheduleSpec, nowMs: number): Schedule {
  const result = parseSchedule(spec, nowMs);
  assert.ok(
    result.ok,
    `${spec.text} (${spec.timeZone}) should parse: ${result.ok ? "" : result.reason}`,
  );
  return result.schedule;
}

/** Up to n consecutive due times after `afterMs`. */
function dues(schedule: Schedule, afterMs: number, n: number): number[] {
  const out: number[] = [];
  let after = afterMs;
  for (let i = 0; i < n; i++) {
    const due = nextDue(schedule, after);
    if (due === null) break;
    out.push(due);
    after = due;
  }
  return out;
}

describe("schedule properties", () => {
  it("nextDue is strictly after its argument and strictly increasing", () => {
    fc.assert(
      fc.property(specArb, instantArb, instantArb, (spec, nowMs, afterMs) => {
        const s = parsed(spec, nowMs);
        let previous = afterMs;
        for (const due of dues(s, afterMs, 8)) {
          assert.ok(due > previous, `${spec.text}: ${due} after ${previous}`);
          assert.ok(due >= s.startMs);
          previous = due;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("no occurrence lies between two consecutive due times", () => {
    fc.assert(
      fc.property(
        specArb,
        instantArb,
        instantArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (spec, nowMs, afterMs, f) => {
          const s = parsed(spec, nowMs);
          const list = dues(s, afterMs, 6);
          for (let i = 0; i + 1 < list.length; i++) {
            const a = list[i]!;
            const b = list[i + 1]!;
            const x = a + Math.floor((b - a - 1) * f);
            assert.equal(
              nextDue(s, x),
              b,
              `${spec.text} (${spec.timeZone}): from ${x} between ${a} and ${b}`,
            );
            assert.equal(nextDue(s, a - 1), a, `${spec.text}: ${a} is found again`);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("in UTC a cron line's due times are exactly the matching minutes (brute force)", () => {
    const utcCron = cronSpecArb.map((spec) => ({ ...spec, timeZone: undefined }));
    fc.assert(
      fc.property(utcCron, instantArb, (spec, nowMs) => {
        const s = parsed(spec, nowMs);
        const end = nowMs + 2 * 86_400_000;
        const expected: number[] = [];
        for (let m = Math.floor(nowMs / 60_000) * 60_000; m <= end; m += 60_000) {
          if (m >= nowMs && matchesUtc(spec.text, m)) expected.push(m);
        }
        const got = dues(s, s.startMs - 1, expected.length + 1).filter((t) => t <= end);
        assert.deepEqual(got, expected, spec.text);
      }),
      { numRuns: 40 },
    );
  });

  it("skipForward never leaves a due time at or before now, and decrements once", () => {
    fc.assert(
      fc.property(
        specArb,
        instantArb,
        fc.integer({ min: 0, max: 400 * 86_400_000 }),
        (spec, nowMs, lateMs) => {
          const s = parsed(spec, nowMs);
          const launched = nextDue(s, s.startMs - 1);
          if (launched === null) return;
          const later = launched + lateMs;
          const moved = skipForward(s, launched, later);
          if (s.remaining === null) assert.equal(moved.remaining, null);
          else assert.equal(moved.remaining, s.remaining - 1);
          const next = nextDue(moved, Number.MIN_SAFE_INTEGER);
          if (next !== null) assert.ok(next > later, `${spec.text}: ${next} <= ${later}`);
          if (spec.kind === "iso8601" && moved.remaining !== 0) {
            // The new start is the original schedule's next occurrence after now (no drift).
            const unbounded = { ...s, remaining: null };
            assert.equal(moved.startMs, nextDue(unbounded, later));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("format → parse gives back the same schedule", () => {
    fc.assert(
      fc.property(specArb, instantArb, fc.integer({ min: 0, max: 3 }), (spec, nowMs, skips) => {
        let s = parsed(spec, nowMs);
        for (let i = 0; i < skips && s.remaining !== 0; i++)
          s = skipForward(s, s.startMs, s.startMs);
        const text = formatSchedule(s);
        const again = parsed({ ...spec, text }, nowMs + 12_345);
        if (spec.kind === "cron") {
          assert.equal(text, spec.text);
          return;
        }
        assert.equal(again.startMs, s.startMs, `${spec.text} → ${text}`);
        assert.equal(again.remaining, s.remaining);
        assert.equal(formatSchedule(again), text);
        assert.deepEqual(dues(again, s.startMs - 1, 4), dues(s, s.startMs - 1, 4));
      }),
      { numRuns: RUNS },
    );
  });
});

/** A direct reading of a crontab line in UTC, independent of the implementation's search. */
function matchesUtc(line: string, ms: number): boolean {
  const d = new Date(ms);
  const [mi = "", h = "", dom = "", mon = "", dow = ""] = line.split(" ");
  const inField = (field: string, v: number, min: number, max: number) =>
    field.split(",").some((item) => {
      const [range = "", step = "1"] = item.split("/");
      const [a, b] = range === "*" ? [min, max] : range.split("-").map(Number);
      const low = a ?? min;
      const high = b ?? (item.includes("/") ? max : low);
      return v >= low && v <= high && (v - low) % Number(step) === 0;
    });
  const weekday = d.getUTCDay();
  const domOk = inField(dom, d.getUTCDate(), 1, 31);
  const dowOk = inField(dow, weekday, 0, 7) || (weekday === 0 && inField(dow, 7, 0, 7));
  const dayOk = dom.startsWith("*") || dow.startsWith("*") ? domOk && dowOk : domOk || dowOk;
  return (
    inField(mi, d.getUTCMinutes(), 0, 59) &&
    inField(h, d.getUTCHours(), 0, 23) &&
    dayOk &&
    inField(mon, d.getUTCMonth() + 1, 1, 12)
  );
}

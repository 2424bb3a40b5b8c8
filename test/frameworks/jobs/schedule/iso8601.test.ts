import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatSchedule,
  nextDue,
  parseDuration,
  parseSchedule,
  type Schedule,
  skipForward,
} from "../../../../src/frameworks/jobs/schedule/index.ts";

const NOW = Date.parse("2024-01-01T00:00:00Z");
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function parse(text: string, timeZone?: string, nowMs = NOW): Schedule {
  const parsed = parseSchedule({ kind: "iso8601", text, timeZone }, nowMs);
  assert.ok(parsed.ok, `${text} should parse: ${parsed.ok ? "" : parsed.reason}`);
  return parsed.schedule;
}

/** The first `n` due times (fewer if the schedule runs out), as UTC ISO strings. */
function dues(schedule: Schedule, n: number): string[] {
  const out: string[] = [];
  let after = schedule.startMs - 1;
  for (let i = 0; i < n; i++) {
    const due = nextDue(schedule, after);
    if (due === null) break;
    out.push(iso(due)!);
    after = due;
  }
  return out;
}

function refusal(text: string, timeZone?: string) {
  const parsed = parseSchedule({ kind: "iso8601", text, timeZone }, NOW);
  assert.ok(!parsed.ok, `${text} should be refused`);
  return parsed;
}

describe("ISO 8601 schedules: the examples of Chronos's documentation", () => {
  it("R/2014-03-08T20:00:00.000Z/PT2H runs every 2 hours forever", () => {
    const s = parse("R/2014-03-08T20:00:00.000Z/PT2H");
    assert.equal(s.remaining, null);
    assert.deepEqual(dues(s, 3), [
      "2014-03-08T20:00:00.000Z",
      "2014-03-08T22:00:00.000Z",
      "2014-03-09T00:00:00.000Z",
    ]);
    assert.equal(iso(nextDue(s, Date.parse("2030-05-05T05:05:05Z"))), "2030-05-05T06:00:00.000Z");
  });

  it("R10/2012-10-01T05:52:00Z/PT2S runs ten times, 2 s apart, then never", () => {
    const s = parse("R10/2012-10-01T05:52:00Z/PT2S");
    const all = dues(s, 20);
    assert.equal(all.length, 10);
    assert.equal(all[0], "2012-10-01T05:52:00.000Z");
    assert.equal(all[9], "2012-10-01T05:52:18.000Z");
    assert.equal(nextDue(s, Date.parse("2012-10-01T05:52:18Z")), null);
  });

  it("R1//PT24H runs once, now (the empty start is now minus 1 s)", () => {
    const s = parse("R1//PT24H");
    assert.equal(s.startMs, NOW - 1000);
    assert.equal(s.remaining, 1);
    assert.deepEqual(dues(s, 5), [iso(NOW - 1000)]);
  });

  it("R/2014-10-10T18:32:00Z/PT60M with scheduleTimeZone America/Los_Angeles runs hourly at :32 Pacific", () => {
    const s = parse("R/2014-10-10T18:32:00Z/PT60M", "America/Los_Angeles");
    // The wall-clock fields 18:32 are kept and read as Pacific daylight time (UTC-7).
    assert.equal(iso(s.startMs), "2014-10-11T01:32:00.000Z");
    assert.deepEqual(dues(s, 2), ["2014-10-11T01:32:00.000Z", "2014-10-11T02:32:00.000Z"]);
    assert.equal(formatSchedule(s), "R/2014-10-10T18:32:00.000-07:00/PT60M");
  });

  it("reads a start with an offset and fractional seconds (1997-07-16T19:20:30.45+01:00)", () => {
    const s = parse("R/1997-07-16T19:20:30.45+01:00/PT1H");
    assert.equal(iso(s.startMs), "1997-07-16T18:20:30.450Z");
    assert.equal(formatSchedule(s), "R/1997-07-16T19:20:30.450+01:00/PT1H");
  });

  it("reads the periods PT10M, P10M, PT1H, P1D, P1W and P1Y2M3DT4H5M6S", () => {
    const start = "2014-03-08T20:00:00.000Z";
    const second = (period: string) => dues(parse(`R/${start}/${period}`), 2)[1];
    assert.equal(second("PT10M"), "2014-03-08T20:10:00.000Z");
    assert.equal(second("P10M"), "2015-01-08T20:00:00.000Z");
    assert.equal(second("PT1H"), "2014-03-08T21:00:00.000Z");
    assert.equal(second("P1D"), "2014-03-09T20:00:00.000Z");
    assert.equal(second("P1W"), "2014-03-15T20:00:00.000Z");
    assert.equal(second("P1Y2M3DT4H5M6S"), "2015-05-12T00:05:06.000Z");
  });

  it("reads fractional seconds in the period (PT1.5S, PT0,25S)", () => {
    assert.deepEqual(
      dues(parse("R/2014-03-08T20:00:00Z/PT1.5S"), 2)[1],
      "2014-03-08T20:00:01.500Z",
    );
    assert.deepEqual(
      dues(parse("R/2014-03-08T20:00:00Z/PT0,25S"), 2)[1],
      "2014-03-08T20:00:00.250Z",
    );
    assert.equal(
      formatSchedule(parse("R/2014-03-08T20:00:00Z/PT1.5S")),
      "R/2014-03-08T20:00:00.000Z/PT1.500S",
    );
  });

  it("R0 is exhausted: nothing is due", () => {
    const s = parse("R0/2014-03-08T20:00:00Z/PT1H");
    assert.equal(s.remaining, 0);
    assert.equal(nextDue(s, 0), null);
    assert.deepEqual(skipForward(s, s.startMs, NOW), s);
  });

  it("refuses an invalid expression with Chronos's message, and says why", () => {
    for (const text of [
      "",
      "every hour",
      "R/2014-03-08T20:00:00Z",
      "RX/2014-03-08T20:00:00Z/PT1H",
      "R/2014-13-08T20:00:00Z/PT1H",
      "R/2014-02-30T20:00:00Z/PT1H",
      "R/2014-03-08T20:00:00Z/P",
      "R/2014-03-08T20:00:00Z/PT",
      "R/2014-03-08T20:00:00Z/PT0S",
      "R/2014-03-08T20:00:00Z/P1H",
      "R/2014-03-08T20:00:00Z/PT-1H",
      "R/2014-03-08T20:00:00Z/PT0.5H",
    ]) {
      const refused = refusal(text);
      assert.equal(refused.error, `Cannot parse schedule '${text}' (wtf bro)`);
      assert.ok(refused.reason && refused.reason.length > 0, text);
    }
  });

  it("refuses a start before 1970-01-01T00:00:01Z and accepts that second itself", () => {
    assert.match(
      refusal("R/1970-01-01T00:00:00.999Z/PT1H").reason ?? "",
      /before 1970-01-01T00:00:01Z/,
    );
    assert.match(refusal("R/1969-12-31T23:00:00Z/PT1H").reason ?? "", /before 1970/);
    assert.equal(parse("R/1970-01-01T00:00:01Z/PT1H").startMs, 1000);
  });

  it("refuses a time zone the tz database does not know", () => {
    const refused = refusal("R/2014-03-08T20:00:00Z/PT1H", "Mars/Olympus_Mons");
    assert.match(refused.reason ?? "", /unknown time zone 'Mars\/Olympus_Mons'/);
  });

  it("takes Java's custom GMT+h[:mm] zone ids and the aliases ICU knows as scheduleTimeZone", () => {
    const fixed = parse("R/2014-03-08T20:00:00Z/P1D", "GMT+2");
    assert.equal(iso(fixed.startMs), "2014-03-08T18:00:00.000Z");
    assert.equal(formatSchedule(fixed), "R/2014-03-08T20:00:00.000+02:00/P1D");
    assert.equal(
      iso(parse("R/2014-03-08T20:00:00Z/P1D", "GMT-03:30").startMs),
      "2014-03-08T23:30:00.000Z",
    );
    const alias = parse("R/2014-10-10T18:32:00Z/PT60M", "US/Pacific");
    assert.equal(
      alias.startMs,
      parse("R/2014-10-10T18:32:00Z/PT60M", "America/Los_Angeles").startMs,
    );
    assert.match(refusal("R/2014-03-08T20:00:00Z/P1D", "GMT+24").reason ?? "", /unknown time zone/);
  });

  it("reads a start without offset as UTC, and reduced precision starts", () => {
    assert.equal(iso(parse("R/2014-03-08T20:00:00/PT1H").startMs), "2014-03-08T20:00:00.000Z");
    assert.equal(iso(parse("R/2014-03-08/PT1H").startMs), "2014-03-08T00:00:00.000Z");
    assert.equal(iso(parse("R/2014-03-08T20:15/PT1H").startMs), "2014-03-08T20:15:00.000Z");
    assert.equal(iso(parse("R/2014-03-08T20:15-0330/PT1H").startMs), "2014-03-08T23:45:00.000Z");
  });
});

describe("ISO 8601 schedules: skipping forward after a launch (Chronos's coalescing)", () => {
  it("moves the start past now by whole periods and decrements the count once", () => {
    const s = parse("R5/2014-03-08T20:00:00Z/PT2H");
    const now = Date.parse("2014-03-09T03:30:00Z"); // 3.75 periods late
    const moved = skipForward(s, s.startMs, now);
    assert.equal(iso(moved.startMs), "2014-03-09T04:00:00.000Z");
    assert.equal(moved.remaining, 4);
    assert.equal(moved.spec.text, "R4/2014-03-09T04:00:00.000Z/PT2H");
    assert.equal(formatSchedule(moved), moved.spec.text);
  });

  it("on time: the start moves one period", () => {
    const s = parse("R/2014-03-08T20:00:00Z/PT2H");
    assert.equal(iso(skipForward(s, s.startMs, s.startMs).startMs), "2014-03-08T22:00:00.000Z");
  });

  it("keeps the calendar grid of a monthly schedule (Jan 31 → Mar 31, not Mar 28)", () => {
    const s = parse("R/2014-01-31T10:00:00Z/P1M");
    const moved = skipForward(s, s.startMs, Date.parse("2014-03-01T00:00:00Z"));
    assert.equal(iso(moved.startMs), "2014-03-31T10:00:00.000Z");
  });

  it("a last run leaves R0 behind", () => {
    const s = parse("R1/2014-03-08T20:00:00Z/PT2H");
    const moved = skipForward(s, s.startMs, s.startMs + 10);
    assert.equal(moved.remaining, 0);
    assert.equal(nextDue(moved, 0), null);
    assert.match(formatSchedule(moved), /^R0\//);
  });
});

describe("ISO 8601 schedules: months and years step by the calendar", () => {
  it("Jan 31 + P1M clamps to the end of each month without drifting", () => {
    assert.deepEqual(dues(parse("R/2014-01-31T10:00:00Z/P1M"), 4), [
      "2014-01-31T10:00:00.000Z",
      "2014-02-28T10:00:00.000Z",
      "2014-03-31T10:00:00.000Z",
      "2014-04-30T10:00:00.000Z",
    ]);
    assert.equal(dues(parse("R/2024-01-31T10:00:00Z/P1M"), 2)[1], "2024-02-29T10:00:00.000Z");
  });

  it("Feb 29 + P1Y is Feb 28 in common years and Feb 29 again in leap years", () => {
    assert.deepEqual(dues(parse("R/2024-02-29T00:00:00Z/P1Y"), 5), [
      "2024-02-29T00:00:00.000Z",
      "2025-02-28T00:00:00.000Z",
      "2026-02-28T00:00:00.000Z",
      "2027-02-28T00:00:00.000Z",
      "2028-02-29T00:00:00.000Z",
    ]);
  });

  it("adds years before months, as Joda does (Feb 29 2012 + P1Y1M = Mar 28 2013)", () => {
    assert.equal(dues(parse("R/2012-02-29T00:00:00Z/P1Y1M"), 2)[1], "2013-03-28T00:00:00.000Z");
  });

  it("a monthly schedule finds the right occurrence decades after its start", () => {
    const s = parse("R/1970-01-31T12:00:00Z/P1M");
    assert.equal(iso(nextDue(s, Date.parse("2024-02-15T00:00:00Z"))), "2024-02-29T12:00:00.000Z");
    assert.equal(iso(nextDue(s, Date.parse("2024-02-29T12:00:00Z"))), "2024-03-31T12:00:00.000Z");
  });

  it("a monthly schedule in a time zone keeps its wall-clock day and time", () => {
    const s = parse("R/2024-01-31T23:30:00/P1M", "Europe/Berlin");
    assert.deepEqual(dues(s, 4), [
      "2024-01-31T22:30:00.000Z",
      "2024-02-29T22:30:00.000Z",
      "2024-03-31T21:30:00.000Z", // summer time: UTC+2
      "2024-04-30T21:30:00.000Z",
    ]);
  });
});

describe("ISO 8601 durations of fixed length (a job's epsilon)", () => {
  it("reads seconds, minutes, hours, days and weeks as milliseconds", () => {
    assert.deepEqual(parseDuration("PT60S"), { ok: true, ms: 60_000 });
    assert.deepEqual(parseDuration("PT30M"), { ok: true, ms: 1_800_000 });
    assert.deepEqual(parseDuration("P1DT1.5S"), { ok: true, ms: 86_401_500 });
    assert.deepEqual(parseDuration("P1W"), { ok: true, ms: 604_800_000 });
  });

  it("refuses months, years and what is not a duration", () => {
    for (const text of ["P1M", "P1Y", "60", "PT", "PT0S"])
      assert.equal(parseDuration(text).ok, false, text);
  });
});

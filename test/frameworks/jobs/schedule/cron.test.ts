import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatSchedule,
  nextDue,
  parseSchedule,
  type Schedule,
  skipForward,
} from "../../../../src/frameworks/jobs/schedule/index.ts";

// A Friday.
const NOW = Date.parse("2024-03-01T12:00:30Z");

function parse(text: string, timeZone?: string, nowMs = NOW): Schedule {
  const parsed = parseSchedule({ kind: "cron", text, timeZone }, nowMs);
  assert.ok(parsed.ok, `${text} should parse: ${parsed.ok ? "" : parsed.error}`);
  return parsed.schedule;
}

function dues(text: string, n: number, timeZone?: string): string[] {
  const s = parse(text, timeZone);
  const out: string[] = [];
  let after = s.startMs - 1;
  for (let i = 0; i < n; i++) {
    const due = nextDue(s, after);
    if (due === null) break;
    out.push(new Date(due).toISOString().slice(0, 16));
    after = due;
  }
  return out;
}

describe("cron schedules (Aurora's crontab lines)", () => {
  it("starts at the first matching minute at or after now and repeats forever", () => {
    const s = parse("*/5 * * * *");
    assert.equal(new Date(s.startMs).toISOString(), "2024-03-01T12:05:00.000Z");
    assert.equal(s.remaining, null);
    assert.equal(
      parse("* * * * *", undefined, Date.parse("2024-03-01T12:00:00Z")).startMs,
      Date.parse("2024-03-01T12:00:00Z"),
    );
  });

  it("reads lists, ranges, steps and ranges with steps", () => {
    assert.deepEqual(dues("0,20-22 12 * * *", 5), [
      "2024-03-01T12:20",
      "2024-03-01T12:21",
      "2024-03-01T12:22",
      "2024-03-02T12:00",
      "2024-03-02T12:20",
    ]);
    assert.deepEqual(dues("10-40/15 13 * * *", 3), [
      "2024-03-01T13:10",
      "2024-03-01T13:25",
      "2024-03-01T13:40",
    ]);
    // n/step runs from n to the end of the field.
    assert.deepEqual(dues("50/4 13 * * *", 3), [
      "2024-03-01T13:50",
      "2024-03-01T13:54",
      "2024-03-01T13:58",
    ]);
  });

  it("reads month and weekday names in any case, and 7 as Sunday", () => {
    assert.deepEqual(dues("0 9 * JUN-aug mon", 2), ["2024-06-03T09:00", "2024-06-10T09:00"]);
    assert.deepEqual(dues("0 9 * * 7", 1), ["2024-03-03T09:00"]);
    assert.deepEqual(dues("0 9 * * sun", 1), ["2024-03-03T09:00"]);
  });

  it("when both day fields are restricted, either matches (Vixie cron)", () => {
    // The 13th (a Wednesday in March 2024) or any Friday.
    assert.deepEqual(dues("0 0 13 * fri", 3), [
      "2024-03-08T00:00",
      "2024-03-13T00:00",
      "2024-03-15T00:00",
    ]);
  });

  it("when a day field starts with *, only the other counts (even */2)", () => {
    assert.deepEqual(dues("0 0 * * fri", 2), ["2024-03-08T00:00", "2024-03-15T00:00"]);
    // */2 in the day of month: odd days that are also Fridays.
    assert.deepEqual(dues("0 0 */2 * fri", 2), ["2024-03-15T00:00", "2024-03-29T00:00"]);
  });

  it("reads the shorthands", () => {
    assert.deepEqual(dues("@hourly", 1), ["2024-03-01T13:00"]);
    assert.deepEqual(dues("@daily", 1), ["2024-03-02T00:00"]);
    assert.deepEqual(dues("@weekly", 1), ["2024-03-03T00:00"]);
    assert.deepEqual(dues("@monthly", 1), ["2024-04-01T00:00"]);
    assert.deepEqual(dues("@yearly", 1), ["2025-01-01T00:00"]);
    assert.deepEqual(dues("@annually", 1), ["2025-01-01T00:00"]);
  });

  it("finds Feb 29 years ahead", () => {
    assert.deepEqual(dues("0 0 29 2 *", 2), ["2028-02-29T00:00", "2032-02-29T00:00"]);
  });

  it("evaluates in the schedule's time zone", () => {
    assert.deepEqual(dues("0 9 * * *", 1, "Asia/Kolkata"), ["2024-03-02T03:30"]);
    assert.deepEqual(dues("0 9 * * *", 1, "GMT-03:30"), ["2024-03-01T12:30"]);
  });

  it("refuses what it cannot read, saying why", () => {
    for (const [text, why] of [
      ["* * * *", /expected 5 fields/],
      ["* * * * * *", /expected 5 fields/],
      ["60 * * * *", /bad minute/],
      ["* 24 * * *", /bad hour/],
      ["* * 0 * *", /bad day of month/],
      ["* * * 13 *", /bad month/],
      ["* * * * 8", /bad day of week/],
      ["*/0 * * * *", /bad step/],
      ["5-1 * * * *", /backwards/],
      ["* * * foo *", /bad month/],
      ["@reboot", /unknown shorthand/],
      ["0 0 30 2 *", /no allowed month/],
    ] as const) {
      const parsed = parseSchedule({ kind: "cron", text }, NOW);
      assert.ok(!parsed.ok, text);
      assert.ok(parsed.error.startsWith(`Invalid cron schedule '${text}': `), parsed.error);
      assert.match(parsed.reason ?? "", why, text);
    }
  });

  it("refuses an unknown time zone", () => {
    const parsed = parseSchedule(
      { kind: "cron", text: "* * * * *", timeZone: "Nowhere/City" },
      NOW,
    );
    assert.ok(!parsed.ok);
    assert.match(parsed.reason ?? "", /unknown time zone/);
  });

  it("skipForward moves past now (no catch-up) and leaves the line unchanged", () => {
    const s = parse("*/5 * * * *");
    const moved = skipForward(s, s.startMs, Date.parse("2024-03-01T13:02:00Z"));
    assert.equal(new Date(moved.startMs).toISOString(), "2024-03-01T13:05:00.000Z");
    assert.equal(moved.remaining, null);
    assert.equal(formatSchedule(moved), "*/5 * * * *");
  });
});

describe("cron schedules at the ends of time", () => {
  it("nothing is due after year 9999, and asking does not throw", () => {
    const s = parse("* * * * *");
    assert.equal(nextDue(s, 8.64e15), null);
    assert.equal(nextDue(s, Number.MAX_SAFE_INTEGER), null);
  });
});

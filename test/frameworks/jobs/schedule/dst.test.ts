// Daylight-saving transitions in two zones, both directions, for ISO 8601 periods and cron.
// 2024: Los Angeles springs forward on Mar 10 at 02:00 PST (10:00Z) and falls back on Nov 3
// at 02:00 PDT (09:00Z); Berlin springs forward on Mar 31 at 02:00 CET (01:00Z) and falls
// back on Oct 27 at 03:00 CEST (01:00Z).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatSchedule,
  nextDue,
  parseSchedule,
  type Schedule,
  type ScheduleSpec,
} from "../../../../src/frameworks/jobs/schedule/index.ts";

const LA = "America/Los_Angeles";
const BERLIN = "Europe/Berlin";

function parse(spec: ScheduleSpec, nowIso = "2024-01-01T00:00:00Z"): Schedule {
  const parsed = parseSchedule(spec, Date.parse(nowIso));
  assert.ok(parsed.ok, `${spec.text} should parse: ${parsed.ok ? "" : parsed.error}`);
  return parsed.schedule;
}

function duesFrom(schedule: Schedule, fromIso: string, n: number): string[] {
  const out: string[] = [];
  let after = Date.parse(fromIso);
  for (let i = 0; i < n; i++) {
    const due = nextDue(schedule, after);
    if (due === null) break;
    out.push(new Date(due).toISOString());
    after = due;
  }
  return out;
}

describe("ISO 8601 periods across DST: P1D keeps the wall clock, PT24H keeps the duration", () => {
  it("Los Angeles, spring forward", () => {
    const daily = parse({ kind: "iso8601", text: "R/2024-03-09T10:00:00/P1D", timeZone: LA });
    assert.deepEqual(duesFrom(daily, "2024-03-09T00:00:00Z", 3), [
      "2024-03-09T18:00:00.000Z", // 10:00 PST
      "2024-03-10T17:00:00.000Z", // 10:00 PDT
      "2024-03-11T17:00:00.000Z",
    ]);
    const fixed = parse({ kind: "iso8601", text: "R/2024-03-09T10:00:00/PT24H", timeZone: LA });
    assert.deepEqual(duesFrom(fixed, "2024-03-09T00:00:00Z", 2), [
      "2024-03-09T18:00:00.000Z",
      "2024-03-10T18:00:00.000Z", // 11:00 PDT
    ]);
  });

  it("Los Angeles, fall back", () => {
    const daily = parse({ kind: "iso8601", text: "R/2024-11-02T10:00:00/P1D", timeZone: LA });
    assert.deepEqual(duesFrom(daily, "2024-11-02T00:00:00Z", 2), [
      "2024-11-02T17:00:00.000Z", // 10:00 PDT
      "2024-11-03T18:00:00.000Z", // 10:00 PST
    ]);
    const fixed = parse({ kind: "iso8601", text: "R/2024-11-02T10:00:00/PT24H", timeZone: LA });
    assert.equal(duesFrom(fixed, "2024-11-02T00:00:00Z", 2)[1], "2024-11-03T17:00:00.000Z");
  });

  it("Berlin, spring forward and fall back", () => {
    const spring = parse({ kind: "iso8601", text: "R/2024-03-30T08:00:00/P1D", timeZone: BERLIN });
    assert.deepEqual(duesFrom(spring, "2024-03-30T00:00:00Z", 2), [
      "2024-03-30T07:00:00.000Z", // 08:00 CET
      "2024-03-31T06:00:00.000Z", // 08:00 CEST
    ]);
    const fall = parse({ kind: "iso8601", text: "R/2024-10-26T08:00:00/P1D", timeZone: BERLIN });
    assert.deepEqual(duesFrom(fall, "2024-10-26T00:00:00Z", 2), [
      "2024-10-26T06:00:00.000Z",
      "2024-10-27T07:00:00.000Z",
    ]);
    const fixed = parse({ kind: "iso8601", text: "R/2024-10-26T08:00:00/PT24H", timeZone: BERLIN });
    assert.equal(duesFrom(fixed, "2024-10-26T00:00:00Z", 2)[1], "2024-10-27T06:00:00.000Z");
  });

  it("a daily time inside the spring-forward gap moves forward by the gap (02:30 → 03:30), as Joda does", () => {
    const s = parse({ kind: "iso8601", text: "R/2024-03-09T02:30:00/P1D", timeZone: LA });
    assert.deepEqual(duesFrom(s, "2024-03-09T00:00:00Z", 3), [
      "2024-03-09T10:30:00.000Z", // 02:30 PST
      "2024-03-10T10:30:00.000Z", // 03:30 PDT
      "2024-03-11T09:30:00.000Z", // 02:30 PDT
    ]);
  });

  it("a daily time that happens twice on the fall-back day runs once, the first time", () => {
    const s = parse({ kind: "iso8601", text: "R/2024-11-02T01:30:00/P1D", timeZone: LA });
    assert.deepEqual(duesFrom(s, "2024-11-02T00:00:00Z", 3), [
      "2024-11-02T08:30:00.000Z", // 01:30 PDT
      "2024-11-03T08:30:00.000Z", // 01:30 PDT (not again at 01:30 PST)
      "2024-11-04T09:30:00.000Z", // 01:30 PST
    ]);
  });

  it("a start written with the second offset of a repeated time keeps that instant", () => {
    const s = parse({ kind: "iso8601", text: "R/2024-11-03T01:30:00-08:00/PT1H", timeZone: LA });
    assert.equal(new Date(s.startMs).toISOString(), "2024-11-03T09:30:00.000Z");
    assert.equal(formatSchedule(s), "R/2024-11-03T01:30:00.000-08:00/PT1H");
  });

  it("an empty start with a time zone steps on that zone's wall clock too", () => {
    // Now is 10:00 PST on Mar 9; the start is a second earlier, and P1D keeps 09:59:59.
    const s = parse({ kind: "iso8601", text: "R//P1D", timeZone: LA }, "2024-03-09T18:00:00Z");
    assert.deepEqual(duesFrom(s, "2024-03-09T00:00:00Z", 2), [
      "2024-03-09T17:59:59.000Z",
      "2024-03-10T16:59:59.000Z",
    ]);
  });

  it("hourly periods are exact durations and walk straight through both transitions", () => {
    const s = parse({ kind: "iso8601", text: "R/2024-11-03T00:30:00/PT1H", timeZone: LA });
    assert.deepEqual(duesFrom(s, "2024-11-03T07:00:00Z", 4), [
      "2024-11-03T07:30:00.000Z", // 00:30 PDT
      "2024-11-03T08:30:00.000Z", // 01:30 PDT
      "2024-11-03T09:30:00.000Z", // 01:30 PST
      "2024-11-03T10:30:00.000Z", // 02:30 PST
    ]);
  });
});

describe("cron across DST (wall clock; a missing time runs when the clocks jump, a repeated one once)", () => {
  it("Los Angeles, spring forward: 30 2 * * * runs at 03:00 PDT on the day 02:30 does not exist", () => {
    const s = parse({ kind: "cron", text: "30 2 * * *", timeZone: LA }, "2024-03-09T00:00:00Z");
    assert.deepEqual(duesFrom(s, "2024-03-09T00:00:00Z", 3), [
      "2024-03-09T10:30:00.000Z",
      "2024-03-10T10:00:00.000Z",
      "2024-03-11T09:30:00.000Z",
    ]);
  });

  it("Los Angeles, spring forward: every 30 minutes coalesces the missing hour into one run at 03:00", () => {
    const s = parse({ kind: "cron", text: "*/30 * * * *", timeZone: LA }, "2024-03-10T09:00:00Z");
    assert.deepEqual(duesFrom(s, "2024-03-10T09:00:00Z", 4), [
      "2024-03-10T09:30:00.000Z", // 01:30 PST
      "2024-03-10T10:00:00.000Z", // 03:00 PDT (02:00, 02:30 and 03:00 together)
      "2024-03-10T10:30:00.000Z", // 03:30 PDT
      "2024-03-10T11:00:00.000Z",
    ]);
  });

  it("Los Angeles, fall back: 30 1 * * * runs once, at 01:30 PDT", () => {
    const s = parse({ kind: "cron", text: "30 1 * * *", timeZone: LA }, "2024-11-02T00:00:00Z");
    assert.deepEqual(duesFrom(s, "2024-11-02T00:00:00Z", 3), [
      "2024-11-02T08:30:00.000Z",
      "2024-11-03T08:30:00.000Z",
      "2024-11-04T09:30:00.000Z",
    ]);
  });

  it("Los Angeles, fall back: every 30 minutes does not repeat the wall-clock hour", () => {
    const s = parse({ kind: "cron", text: "*/30 * * * *", timeZone: LA }, "2024-11-03T07:45:00Z");
    assert.deepEqual(duesFrom(s, "2024-11-03T07:45:00Z", 4), [
      "2024-11-03T08:00:00.000Z", // 01:00 PDT
      "2024-11-03T08:30:00.000Z", // 01:30 PDT
      "2024-11-03T10:00:00.000Z", // 02:00 PST (01:00 and 01:30 PST already ran)
      "2024-11-03T10:30:00.000Z",
    ]);
    // Asked from inside the repeated hour, the answer is the same.
    assert.equal(duesFrom(s, "2024-11-03T09:10:00Z", 1)[0], "2024-11-03T10:00:00.000Z");
  });

  it("Berlin, spring forward: 30 2 * * * runs at 03:00 CEST on Mar 31", () => {
    const s = parse({ kind: "cron", text: "30 2 * * *", timeZone: BERLIN }, "2024-03-30T00:00:00Z");
    assert.deepEqual(duesFrom(s, "2024-03-30T00:00:00Z", 3), [
      "2024-03-30T01:30:00.000Z",
      "2024-03-31T01:00:00.000Z",
      "2024-04-01T00:30:00.000Z",
    ]);
  });

  it("Berlin, fall back: 30 2 * * * runs once, at 02:30 CEST on Oct 27", () => {
    const s = parse({ kind: "cron", text: "30 2 * * *", timeZone: BERLIN }, "2024-10-26T00:00:00Z");
    assert.deepEqual(duesFrom(s, "2024-10-26T00:00:00Z", 3), [
      "2024-10-26T00:30:00.000Z",
      "2024-10-27T00:30:00.000Z",
      "2024-10-28T01:30:00.000Z",
    ]);
  });

  it("a daily time away from the transition keeps its wall-clock time on both sides", () => {
    const s = parse({ kind: "cron", text: "0 9 * * *", timeZone: BERLIN }, "2024-10-26T00:00:00Z");
    assert.deepEqual(duesFrom(s, "2024-10-26T00:00:00Z", 2), [
      "2024-10-26T07:00:00.000Z",
      "2024-10-27T08:00:00.000Z",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { CronSyntaxError, isValidTimeZone, nextRuns, parseCron } from "../src/deployments/cron";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const next = (expression: string, timeZone: string, after: string, count = 5) =>
  iso(nextRuns(parseCron(expression), timeZone, at(after), count));

describe("cron: parsing", () => {
  it("expands lists, ranges, steps and names", () => {
    const spec = parseCron("*/15 9-17/4 1,15 jan-MAR mon-fri");
    expect([...spec.minutes]).toEqual([0, 15, 30, 45]);
    expect([...spec.hours]).toEqual([9, 13, 17]);
    expect([...spec.daysOfMonth]).toEqual([1, 15]);
    expect([...spec.months]).toEqual([1, 2, 3]);
    expect([...spec.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(spec).toMatchObject({ domRestricted: true, dowRestricted: true });
  });

  it("treats day-of-week 7 as Sunday and `5/20` as from-5-every-20", () => {
    expect([...parseCron("0 0 * * 7").daysOfWeek]).toEqual([0]);
    expect([...parseCron("5/20 * * * *").minutes]).toEqual([5, 25, 45]);
  });

  it.each([
    ["0 9 * *", /expected 5 fields/],
    ["0 0 9 * * 1", /expected 5 fields/],
    ["@daily", /shortcuts/],
    ["0 0 L * *", /L, W, # and \?/],
    ["0 0 15W * *", /L, W, # and \?/],
    ["0 0 * * 5#3", /L, W, # and \?/],
    ["0 0 ? * *", /L, W, # and \?/],
    ["60 * * * *", /minute: 60 is outside 0-59/],
    ["* 24 * * *", /hour: 24 is outside 0-23/],
    ["* * 0 * *", /day-of-month: 0 is outside 1-31/],
    ["* * * 13 *", /month: 13 is outside 1-12/],
    ["* * * * 8", /day-of-week: 8 is outside 0-7/],
    ["5-1 * * * *", /runs backwards/],
    ["*/0 * * * *", /step must be at least 1/],
    ["a * * * *", /not a number/],
    ["1,,2 * * * *", /cannot parse/],
  ])("rejects %j", (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronSyntaxError);
    expect(() => parseCron(expression)).toThrow(message);
  });

  it("knows IANA zones and refuses made-up ones", () => {
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("America/Los_Angeles")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });
});

describe("cron: next run times", () => {
  it("every minute: the following minutes, never the current instant", () => {
    expect(next("* * * * *", "UTC", "2026-03-10T10:00:00.000Z", 3)).toEqual([
      "2026-03-10T10:01:00.000Z",
      "2026-03-10T10:02:00.000Z",
      "2026-03-10T10:03:00.000Z",
    ]);
    expect(next("* * * * *", "UTC", "2026-03-10T10:00:30.000Z", 1)).toEqual(["2026-03-10T10:01:00.000Z"]);
  });

  it("weekdays at 9am in Los Angeles, across a weekend", () => {
    // 2026-03-06 is a Friday. PST is UTC-8 until 8 March.
    expect(next("0 9 * * 1-5", "America/Los_Angeles", "2026-03-06T18:00:00.000Z", 3)).toEqual([
      "2026-03-09T16:00:00.000Z", // Monday 9:00 PDT (UTC-7): DST began on Sunday
      "2026-03-10T16:00:00.000Z",
      "2026-03-11T16:00:00.000Z",
    ]);
  });

  it("skips a local time that a spring-forward gap removes", () => {
    // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 never happens that day.
    expect(next("30 2 * * *", "America/New_York", "2026-03-07T00:00:00.000Z", 3)).toEqual([
      "2026-03-07T07:30:00.000Z",
      "2026-03-09T06:30:00.000Z",
      "2026-03-10T06:30:00.000Z",
    ]);
  });

  it("fires at both instants of a local time that a fall-back overlap repeats", () => {
    // New York, 1 November 2026: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice.
    expect(next("30 1 * * *", "America/New_York", "2026-10-31T12:00:00.000Z", 3)).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T06:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
    // Interleaved minutes stay in time order.
    expect(next("0,30 1 1 11 *", "America/New_York", "2026-10-31T12:00:00.000Z", 4)).toEqual([
      "2026-11-01T05:00:00.000Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T06:00:00.000Z",
      "2026-11-01T06:30:00.000Z",
    ]);
  });

  it("matches either day field when both are restricted (POSIX), only one when the other is *", () => {
    // The 13th, or any Friday, in February 2026 (Fridays: 6, 13, 20, 27).
    expect(next("0 0 13 * 5", "UTC", "2026-02-01T00:00:00.000Z", 4)).toEqual([
      "2026-02-06T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
      "2026-02-20T00:00:00.000Z",
      "2026-02-27T00:00:00.000Z",
    ]);
    expect(next("0 0 13 * *", "UTC", "2026-02-01T00:00:00.000Z", 2)).toEqual([
      "2026-02-13T00:00:00.000Z",
      "2026-03-13T00:00:00.000Z",
    ]);
    // `*/2` starts with `*`, so day-of-month stays unrestricted and only Fridays count.
    expect(next("0 0 */2 * 5", "UTC", "2026-02-01T00:00:00.000Z", 2)).toEqual([
      "2026-02-06T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
    ]);
  });

  it("uses the local date, not the UTC date, east of Greenwich", () => {
    // 8:00 on the 1st in Tokyo (UTC+9) is 23:00 UTC on the last day of the month before.
    expect(next("0 8 1 * *", "Asia/Tokyo", "2026-01-31T22:00:00.000Z", 2)).toEqual([
      "2026-01-31T23:00:00.000Z",
      "2026-02-28T23:00:00.000Z",
    ]);
  });

  it("finds leap days years away and nothing for dates that never exist", () => {
    expect(next("0 12 29 2 *", "UTC", "2026-01-01T00:00:00.000Z", 2)).toEqual([
      "2028-02-29T12:00:00.000Z",
      "2032-02-29T12:00:00.000Z",
    ]);
    expect(next("0 0 31 2 *", "UTC", "2026-01-01T00:00:00.000Z")).toEqual([]);
  });
});

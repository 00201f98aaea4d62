// Time-zone math: local clocks, DST, quiet-hour windows and yearly dates.
import { describe, expect, it } from "vitest";
import { localParts, monthDay, nextYearly, quietHoursEnd, zonedInstant } from "./time.ts";

const iso = (t: number) => new Date(t).toISOString();

describe("local time", () => {
  it("reads the wall clock in a zone", () => {
    expect(localParts(Date.UTC(2026, 6, 1, 12, 30), "Europe/Paris")).toEqual({
      year: 2026,
      month: 7,
      day: 1,
      minutes: 14 * 60 + 30,
    });
    expect(localParts(Date.UTC(2026, 0, 1, 2), "America/New_York").day).toBe(31);
  });
  it("falls back to UTC for an unknown zone", () => {
    expect(localParts(Date.UTC(2026, 0, 1, 2), "Mars/Olympus").minutes).toBe(120);
  });
  it("maps local times to instants across DST", () => {
    expect(iso(zonedInstant(2026, 1, 15, 9 * 60, "America/New_York"))).toBe(
      "2026-01-15T14:00:00.000Z",
    );
    expect(iso(zonedInstant(2026, 7, 15, 9 * 60, "America/New_York"))).toBe(
      "2026-07-15T13:00:00.000Z",
    );
    expect(iso(zonedInstant(2026, 3, 29, 9 * 60, "Europe/Paris"))).toBe("2026-03-29T07:00:00.000Z");
    expect(iso(zonedInstant(2026, 3, 5, 30, "Asia/Kolkata"))).toBe("2026-03-04T19:00:00.000Z");
  });
});

describe("quiet hours", () => {
  const q = { start: 21 * 60, end: 8 * 60 };
  it("defers an evening instant to the next morning", () => {
    const end = quietHoursEnd(Date.UTC(2026, 0, 5, 21, 30), q, "Europe/Paris"); // 22:30 local
    expect(iso(end ?? 0)).toBe("2026-01-06T07:00:00.000Z");
  });
  it("defers an early-morning instant to the same morning", () => {
    const end = quietHoursEnd(Date.UTC(2026, 0, 6, 3), q, "Europe/Paris");
    expect(iso(end ?? 0)).toBe("2026-01-06T07:00:00.000Z");
  });
  it("leaves daytime alone, and handles same-day windows", () => {
    expect(quietHoursEnd(Date.UTC(2026, 0, 6, 12), q, "Europe/Paris")).toBeNull();
    const lunch = { start: 12 * 60, end: 14 * 60 };
    expect(iso(quietHoursEnd(Date.UTC(2026, 0, 6, 12, 5), lunch, "UTC") ?? 0)).toBe(
      "2026-01-06T14:00:00.000Z",
    );
  });
});

describe("yearly dates", () => {
  it("parses MM-DD and YYYY-MM-DD", () => {
    expect(monthDay("03-04")).toEqual({ month: 3, day: 4 });
    expect(monthDay("1990-12-31")).toEqual({ month: 12, day: 31 });
    expect(monthDay("13-01")).toBeNull();
    expect(monthDay(42)).toBeNull();
  });
  it("finds the next occurrence at a local time, once per year", () => {
    const now = Date.UTC(2026, 0, 5);
    const md = { month: 3, day: 4 };
    expect(iso(nextYearly(md, 540, "Europe/Paris", now, null).at)).toBe("2026-03-04T08:00:00.000Z");
    expect(nextYearly(md, 540, "Europe/Paris", now, 2026).year).toBe(2027);
  });
  it("fires a date learnt on the day, but not one long past", () => {
    const md = { month: 1, day: 5 };
    expect(nextYearly(md, 540, "UTC", Date.UTC(2026, 0, 5, 15), null).year).toBe(2026);
    expect(nextYearly(md, 540, "UTC", Date.UTC(2026, 0, 7), null).year).toBe(2027);
  });
  it("moves 29 February to the 28th in common years", () => {
    const r = nextYearly({ month: 2, day: 29 }, 540, "UTC", Date.UTC(2027, 0, 1), null);
    expect(iso(r.at)).toBe("2027-02-28T09:00:00.000Z");
  });
});

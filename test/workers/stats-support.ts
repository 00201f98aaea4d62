// What the Stats tests share: a fresh site per test, a measurement event, the report.
import { expect } from "vitest";
import type { Report } from "../../worker/stats/report.ts";
import type { StatEvent } from "../../worker/stats/types.ts";
import { ADMIN, getJson, seedSite } from "./helpers.ts";

export const DAY = new Date().toISOString().slice(0, 10);
let siteSeq = 0;

/** A fresh site with a stored config, so tests never share counters. */
export async function freshSite(): Promise<string> {
  const site = `stats-${Date.now().toString(36)}-${++siteSeq}`;
  await seedSite(site);
  return site;
}

/** A measurement of cart-abandoned's first step, now, unless `p` says otherwise. */
export function ev(site: string, p: Partial<StatEvent> & Pick<StatEvent, "metric">): StatEvent {
  return {
    site,
    trigger: "cart-abandoned",
    step: 0,
    variant: null,
    group: "treated",
    at: Date.now(),
    ...p,
  };
}

export async function report(
  site: string,
  headers: Record<string, string> = ADMIN,
): Promise<Report> {
  const res = await getJson(`/admin/api/stats?site=${site}`, headers);
  expect(res.status).toBe(200);
  return res.json<Report>();
}

export const cartOf = (r: Report) => r.triggers.find((t) => t.trigger === "cart-abandoned");

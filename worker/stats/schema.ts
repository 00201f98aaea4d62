// Inbound shapes of the stats surface: the report query (`site`, `from`, `to`) and, for the
// non-production seeding route, StatEvent batches. Pure (zod only); used by the routes.
import { z } from "zod";
import type { Issue } from "../lib/errors.ts";
import { zodIssues } from "../lib/errors.ts";
import { addDays, dayOf, dayStart } from "./rows.ts";
import type { Metric, StatEvent } from "./types.ts";
import { SITE_ID } from "../lib/ids.ts";

/** Longest report range, in days (inclusive). The unique-dedupe table keeps about as long. */
export const MAX_RANGE_DAYS = 400;
/** Range when `from` is not given: the last 30 days, today included. */
export const DEFAULT_RANGE_DAYS = 30;

const day = z.iso.date({ error: "must be a date as YYYY-MM-DD" });

const QuerySchema = z.object({
  site: z.string({ error: "is required" }).regex(SITE_ID, { error: "is not a valid site id" }),
  from: day.optional(),
  to: day.optional(),
});

export interface StatsQuery {
  site: string;
  /** First day, YYYY-MM-DD (UTC), inclusive. */
  from: string;
  /** Last day, YYYY-MM-DD (UTC), inclusive. */
  to: string;
}

export type QueryResult = { ok: true; value: StatsQuery } | { ok: false; issues: Issue[] };

/** Validates a report query and fills the default range (the 30 days ending today, UTC). */
export function parseStatsQuery(
  input: Record<string, string | undefined>,
  now: number,
): QueryResult {
  const r = QuerySchema.safeParse(input);
  if (!r.success) return { ok: false, issues: zodIssues(r.error.issues) };
  const to = r.data.to ?? dayOf(now);
  const from = r.data.from ?? addDays(to, 1 - DEFAULT_RANGE_DAYS);
  if (from > to) return { ok: false, issues: [{ path: "from", message: "must not be after to" }] };
  const days = (dayStart(to) - dayStart(from)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) {
    return {
      ok: false,
      issues: [{ path: "from", message: `the range is ${days} days; at most ${MAX_RANGE_DAYS}` }],
    };
  }
  return { ok: true, value: { site: r.data.site, from, to } };
}

const METRICS = [
  "entered",
  "cancelled",
  "due",
  "sent",
  "skipped",
  "failed",
  "delivered",
  "opened",
  "clicked",
  "converted",
  "claimed",
  "episode_converted",
  "unsubscribed",
  "unsubscribed_topic",
  "bounced",
  "complained",
] as const satisfies readonly Metric[];
/** Fails to compile when a Metric is missing from METRICS. */
const _everyMetric: Exclude<Metric, (typeof METRICS)[number]> extends never ? true : never = true;
void _everyMetric;

const short = z.string().max(200);
const index = z.number().int().min(0).max(1000).nullable();

export const StatEventSchema = z.strictObject({
  site: z.string().regex(SITE_ID),
  trigger: z.string().max(100),
  step: index,
  variant: index,
  group: z.enum(["treated", "holdout"]),
  metric: z.enum(METRICS),
  at: z.number().int().min(0).max(8.64e15),
  reason: short.optional(),
  value: z.number().finite().optional(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/)
    .optional(),
  unique: short.optional(),
  contact: short.optional(),
}) satisfies z.ZodType<StatEvent>;

/** Body of POST /_dev/stats. */
export const SeedSchema = z.strictObject({ events: z.array(StatEventSchema).max(20_000) });

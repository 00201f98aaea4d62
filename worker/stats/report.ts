// The stats report: merges the counter rows of every shard into funnels per trigger, step and
// variant, reasons, a daily series and holdout lift. Pure (no Cloudflare imports, no clock);
// called through read.ts by the admin API and the dashboard, and by the CLI's tests. This is
// the boundary where stored step indexes (0-based) become step numbers (1-based) and stored
// instants (ms) become ISO 8601 strings.
//
// How counts add up (the funnel is monotone by construction, see from-facts.ts and
// contact/record.ts `engagementStats`): every counter counts a thing once (an episode entered,
// a step due, a send, a delivery, an open, a click: each unique per episode or per send), on
// the UTC day it happened, except deliveries, opens and clicks, which count on the day of
// their send. Over a window, `entered` is episodes; `firstStepDue` those whose step 1 came due;
// `due`, `sent`, … are emails of every step (so `due` may exceed `entered` for a trigger with
// several steps: compare `firstStepDue` with `entered`, `due` with `sent`).
import { humanStep, humanStepOrNull } from "../lib/step.ts";
import type { CounterRow, FailureRow, ShardResult } from "./rows.ts";
import { daysBetween, MAX_FAILURES, sumCounters } from "./rows.ts";
import type { Group, Metric } from "./types.ts";

/** Revenue per upper-case currency code. */
export type Money = Record<string, number>;

export interface Funnel {
  /** Episodes started. */
  entered: number;
  /** Episodes whose first step came due (≤ entered; the rest were cancelled or are waiting). */
  firstStepDue: number;
  /** Steps that came due, every step (≥ sent + skipped + failed of those steps). */
  due: number;
  sent: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** Sends known delivered: Resend's `email.delivered`, or an open or click (which prove it),
   * once per send. */
  delivered: number;
  /** Sends opened at least once (unique per send: pixel hits and Resend opens of one email are
   * one open). */
  opened: number;
  /** Sends clicked at least once (unique per send). */
  clicked: number;
  converted: number;
  /** Sum of `converted` values (last-touch revenue) per currency. */
  revenue: Money;
  /** Purchases only a browser reported, credited here but not counted as revenue. */
  claimed: number;
  /** Sum of `claimed` values per currency (not revenue: nobody verified them). */
  claimedValue: Money;
  unsubscribed: number;
  bounced: number;
  complained: number;
}

export interface ReasonCount {
  reason: string;
  count: number;
}

export interface DailyPoint {
  day: string;
  sent: number;
  opened: number;
  clicked: number;
  converted: number;
  revenue: Money;
}

export interface GroupOutcome {
  /** Episodes that started in the group. */
  entered: number;
  /** Episodes that converted (episode_converted), capped at `entered`. */
  converted: number;
  /** converted / entered; null when entered is 0. */
  rate: number | null;
  /** Sum of episode_converted values per currency. */
  revenue: Money;
}

export interface Lift {
  treated: GroupOutcome;
  holdout: GroupOutcome;
  /** rate(treated) − rate(holdout); null when either group is empty. */
  difference: number | null;
  /** 95 % confidence interval of `difference` (Wald); null when either group is empty. */
  interval: [number, number] | null;
  /** difference / rate(holdout); null when the holdout rate is 0 or unknown. */
  relative: number | null;
  /** Whether the normal approximation behind the interval is reasonable (see ENOUGH). */
  enoughData: boolean;
}

export interface StepReport {
  /** 1-based, as the dashboard, the logs and `nudge render --step` count. */
  step: number;
  variant: number | null;
  funnel: Funnel;
  holdout: Funnel;
}

export interface TriggerReport {
  trigger: string;
  /** Treated group (what was actually emailed). */
  funnel: Funnel;
  /** Holdout group: the same steps, nothing sent ("sent" = would have been sent). */
  holdout: Funnel;
  steps: StepReport[];
  /** Both groups, most frequent first. */
  skipReasons: ReasonCount[];
  cancelReasons: ReasonCount[];
  failReasons: ReasonCount[];
  daily: DailyPoint[];
  lift: Lift;
}

export interface Suppression {
  unsubscribed: number;
  bounced: number;
  complained: number;
  /** Opt-outs of one kind of email (topic) on the unsubscribe page, by topic, most first. */
  topics: ReasonCount[];
}

export interface Report {
  site: string;
  from: string;
  to: string;
  /** Treated funnel over every trigger, including site-level events (trigger ""). */
  totals: Funnel;
  /** Every group and trigger, including trigger "". */
  suppression: Suppression;
  daily: DailyPoint[];
  triggers: TriggerReport[];
  /** Most recent first, at most MAX_FAILURES. */
  recentFailures: ReportFailure[];
}

/** A failed send as the report shows it: ISO time, 1-based step. */
export interface ReportFailure extends Omit<FailureRow, "at"> {
  /** ISO 8601 (UTC). */
  at: string;
}

export interface ReportInput {
  site: string;
  from: string;
  to: string;
  /** Configured trigger ids, in config order: listed even without data. */
  triggers?: readonly string[];
}

/** Funnel counters fed by each metric (episode_converted feeds lift only). */
const FUNNEL_METRICS = [
  "entered",
  "due",
  "sent",
  "skipped",
  "failed",
  "cancelled",
  "delivered",
  "opened",
  "clicked",
  "converted",
  "claimed",
  "unsubscribed",
  "bounced",
  "complained",
] as const satisfies readonly Metric[];
type FunnelMetric = (typeof FUNNEL_METRICS)[number];
const isFunnelMetric = (m: Metric): m is FunnelMetric =>
  (FUNNEL_METRICS as readonly Metric[]).includes(m);

export function emptyFunnel(): Funnel {
  return {
    entered: 0,
    firstStepDue: 0,
    due: 0,
    sent: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    delivered: 0,
    opened: 0,
    clicked: 0,
    converted: 0,
    revenue: {},
    claimed: 0,
    claimedValue: {},
    unsubscribed: 0,
    bounced: 0,
    complained: 0,
  };
}

function addMoney(m: Money, currency: string, amount: number): void {
  if (!amount) return;
  const c = currency || "???";
  m[c] = round2((m[c] ?? 0) + amount);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function addToFunnel(f: Funnel, r: CounterRow): void {
  if (!isFunnelMetric(r.metric)) return;
  f[r.metric] += r.count;
  if (r.metric === "due" && r.step === 0) f.firstStepDue += r.count;
  if (r.metric === "converted") addMoney(f.revenue, r.currency, r.sum);
  if (r.metric === "claimed") addMoney(f.claimedValue, r.currency, r.sum);
}

function reasons(rows: readonly CounterRow[], metric: Metric): ReasonCount[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    if (r.metric === metric) counts.set(r.reason, (counts.get(r.reason) ?? 0) + r.count);
  }
  return [...counts]
    .map(([reason, count]) => ({ reason: reason || "unknown", count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

function daily(rows: readonly CounterRow[], days: readonly string[]): DailyPoint[] {
  const byDay = new Map<string, DailyPoint>(
    days.map((day) => [day, { day, sent: 0, opened: 0, clicked: 0, converted: 0, revenue: {} }]),
  );
  for (const r of rows) {
    const p = byDay.get(r.day);
    if (!p || r.group !== "treated") continue;
    if (r.metric === "sent" || r.metric === "opened" || r.metric === "clicked") {
      p[r.metric] += r.count;
    } else if (r.metric === "converted") {
      p.converted += r.count;
      addMoney(p.revenue, r.currency, r.sum);
    }
  }
  return [...byDay.values()];
}

/** z for a two-sided 95 % interval. */
const Z95 = 1.96;

/**
 * Conversion lift of treated over holdout episodes with a 95 % confidence interval.
 *
 * Formula: the Wald interval for a difference of two independent proportions,
 *   p1 = x1/n1 (treated), p2 = x2/n2 (holdout), d = p1 − p2,
 *   d ± 1.96 · sqrt(p1(1−p1)/n1 + p2(1−p2)/n2).
 * Null interval when either n is 0. Conversions are capped at entries (an episode that started
 * before the range can convert inside it). `enoughData` is the usual rule of thumb for the
 * normal approximation: at least 5 conversions and 5 non-conversions in each group.
 */
export function lift(
  treated: { entered: number; converted: number; revenue?: Money },
  holdout: { entered: number; converted: number; revenue?: Money },
): Lift {
  const outcome = (g: { entered: number; converted: number; revenue?: Money }): GroupOutcome => {
    const converted = Math.min(g.converted, g.entered);
    return {
      entered: g.entered,
      converted,
      rate: g.entered > 0 ? converted / g.entered : null,
      revenue: g.revenue ?? {},
    };
  };
  const t = outcome(treated);
  const h = outcome(holdout);
  if (t.rate === null || h.rate === null) {
    return {
      treated: t,
      holdout: h,
      difference: null,
      interval: null,
      relative: null,
      enoughData: false,
    };
  }
  const d = t.rate - h.rate;
  const se = Math.sqrt((t.rate * (1 - t.rate)) / t.entered + (h.rate * (1 - h.rate)) / h.entered);
  const enough = (g: GroupOutcome) => g.converted >= 5 && g.entered - g.converted >= 5;
  return {
    treated: t,
    holdout: h,
    difference: d,
    interval: [d - Z95 * se, d + Z95 * se],
    relative: h.rate > 0 ? d / h.rate : null,
    enoughData: enough(t) && enough(h),
  };
}

function groupOutcome(rows: readonly CounterRow[], group: Group) {
  let entered = 0;
  let converted = 0;
  const revenue: Money = {};
  for (const r of rows) {
    if (r.group !== group) continue;
    if (r.metric === "entered") entered += r.count;
    else if (r.metric === "episode_converted") {
      converted += r.count;
      addMoney(revenue, r.currency, r.sum);
    }
  }
  return { entered, converted, revenue };
}

function funnelOf(rows: readonly CounterRow[], group: Group): Funnel {
  const f = emptyFunnel();
  for (const r of rows) if (r.group === group) addToFunnel(f, r);
  return f;
}

function stepsOf(rows: readonly CounterRow[]): StepReport[] {
  const byStep = new Map<string, StepReport>();
  for (const r of rows) {
    if (r.step === null) continue;
    const k = `${r.step}:${r.variant ?? ""}`;
    let s = byStep.get(k);
    if (!s) {
      s = {
        step: humanStep(r.step),
        variant: r.variant,
        funnel: emptyFunnel(),
        holdout: emptyFunnel(),
      };
      byStep.set(k, s);
    }
    addToFunnel(r.group === "treated" ? s.funnel : s.holdout, r);
  }
  return [...byStep.values()].sort(
    (a, b) => a.step - b.step || (a.variant ?? -1) - (b.variant ?? -1),
  );
}

function triggerReport(
  trigger: string,
  rows: readonly CounterRow[],
  days: string[],
): TriggerReport {
  return {
    trigger,
    funnel: funnelOf(rows, "treated"),
    holdout: funnelOf(rows, "holdout"),
    steps: stepsOf(rows),
    skipReasons: reasons(rows, "skipped"),
    cancelReasons: reasons(rows, "cancelled"),
    failReasons: reasons(rows, "failed"),
    daily: daily(rows, days),
    lift: lift(groupOutcome(rows, "treated"), groupOutcome(rows, "holdout")),
  };
}

/** Merges every shard's rows and failures into the report for [from, to] (UTC days, inclusive). */
export function buildReport(shards: readonly ShardResult[], input: ReportInput): Report {
  const days = daysBetween(input.from, input.to);
  const rows = sumCounters(
    shards.flatMap((s) => s.rows).filter((r) => r.day >= input.from && r.day <= input.to),
  );

  const byTrigger = new Map<string, CounterRow[]>();
  for (const id of input.triggers ?? []) if (id) byTrigger.set(id, []);
  const extra = new Set<string>();
  for (const r of rows) {
    if (r.trigger === "") continue;
    if (!byTrigger.has(r.trigger)) extra.add(r.trigger);
    const list = byTrigger.get(r.trigger) ?? [];
    list.push(r);
    byTrigger.set(r.trigger, list);
  }
  // Configured triggers first in config order, then ones that only have history, by name.
  const order = [...(input.triggers ?? []).filter(Boolean), ...[...extra].sort()];

  const suppression: Suppression = {
    unsubscribed: 0,
    bounced: 0,
    complained: 0,
    topics: reasons(rows, "unsubscribed_topic"),
  };
  for (const r of rows) {
    if (r.metric === "unsubscribed" || r.metric === "bounced" || r.metric === "complained") {
      suppression[r.metric] += r.count;
    }
  }

  const recentFailures = shards
    .flatMap((s) => s.failures)
    .sort((a, b) => b.at - a.at)
    .slice(0, MAX_FAILURES)
    .map((f): ReportFailure => ({
      ...f,
      at: new Date(f.at).toISOString(),
      step: humanStepOrNull(f.step),
    }));

  return {
    site: input.site,
    from: input.from,
    to: input.to,
    totals: funnelOf(rows, "treated"),
    suppression,
    daily: daily(rows, days),
    triggers: [...new Set(order)].map((id) => triggerReport(id, byTrigger.get(id) ?? [], days)),
    recentFailures,
  };
}

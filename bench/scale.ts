// The scale model (`npx tsx bench/run.ts scale`): what a store of a given size costs and which
// single object or key gets hot first, measured where it can be and computed where it cannot.
// Pure and deterministic: the per-event figures come from bench/results.json (what the ingest,
// latency and fan-out parts measured on local workerd), every other quantity is a named
// assumption (scale-inputs.ts), and the prices are PRICE and INCLUDED (prices.ts). No network,
// no clock.
import { bookSend, newLine } from "../worker/mail/pacing.ts";
import { INCLUDED, PRICE } from "./prices.ts";
import {
  ASSUMPTIONS,
  DAY_S,
  DAYS_A_MONTH,
  DESIGN,
  OBJECT_RPS_LIMIT,
  measuredFrom,
  scenarios,
  type Assumptions,
  type Measured,
  type Scenario,
} from "./scale-inputs.ts";

/** A usage count for one day (or one burst), by billing item. */
export interface Usage {
  workerRequests: number;
  workerCpuMs: number;
  doRequests: number;
  doGbSeconds: number;
  rowsWritten: number;
  rowsRead: number;
  kvReads: number;
}

export type ObjectClass = "Visitor" | "Contact" | "Stats" | "Catalog" | "Watchers" | "Pacer";

/** A single object or limit that can become the bottleneck, at the scenario's peak. */
export interface HotSpot {
  name: string;
  /** Requests (or sends) a second it takes at the peak. */
  peakRps: number;
  /** What it can take: ~1,000 req/s for one object, RESEND_RATE_LIMIT for Resend. */
  limit: number;
  /** peakRps ÷ limit: above 1 it is over its limit. */
  load: number;
}

/** Events a day at which a steady hot spot reaches its limit (load grows with events). */
export function limitEventsPerDay(r: ScaleResult, h: HotSpot): number {
  return h.load > 0 ? r.eventsPerDay / h.load : Number.POSITIVE_INFINITY;
}

export interface ScaleResult {
  scenario: Scenario;
  eventsPerDay: number;
  batchesPerDay: number;
  emailsPerDay: number;
  /** Durable Object requests a day, by class. */
  doRequests: Record<ObjectClass, number>;
  usage: Usage;
  /** Usage at list price with nothing included (what the day's traffic adds). */
  usdPerDay: number;
  /** $5 base plus a month of such days beyond the included amounts. */
  usdPerMonth: number;
  /** The catalog change: seconds until every visitor is told (computed for production). */
  fanoutSeconds: number;
  /** Seconds for Resend's limit to let the burst's emails (and the peak hour's) through. */
  emailDrainSeconds: number;
  /** Provider attempts the Pacer (and the Contact) takes; each email renders once, at its slot. */
  pacedAttempts: number;
  hotSpots: HotSpot[];
  /** The first to bite: the highest load. */
  hotSpot: HotSpot;
}

/**
 * Paced provider attempts when `emails` come due at once, replaying the Pacer's own rule
 * (`bookSend` in worker/mail/pacing.ts): each email asks once; one whose slot is more than
 * maxWaitMs ahead keeps it as a ticket and comes back once, half a wait before it, to take it.
 * Returns attempts, drain seconds (the last slot) and the most attempts in any one second.
 */
export function pacedBurst(
  emails: number,
  ratePerSec: number,
  maxWaitMs: number,
): { attempts: number; seconds: number; peakPerSec: number } {
  const n = Math.round(emails);
  if (n <= 0) return { attempts: 0, seconds: 0, peakPerSec: 0 };
  const line = newLine();
  const perSecond = new Map<number, number>();
  const ask = (key: string, t: number) => {
    perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    return bookSend(line, key, ratePerSec, maxWaitMs, t);
  };
  let last = 0;
  // Those told to come back return in slot order (their return times grow with their slots).
  const back: [number, string][] = [];
  for (let i = 0; i < n; i++) {
    const slot = ask(`e${i}`, 0);
    if (slot.ok) last = Math.max(last, slot.waitMs);
    else back.push([slot.retryAfterMs, `e${i}`]);
  }
  for (const [t, key] of back) {
    const slot = ask(key, t);
    if (!slot.ok) throw new Error(`pacedBurst: ${key} was not given its booked slot`);
    last = Math.max(last, t + slot.waitMs);
  }
  return {
    attempts: n + back.length,
    seconds: last / 1000,
    peakPerSec: Math.max(...perSecond.values()),
  };
}

/** Seconds for the watcher shards to tell `visitors` of one catalog change, in production. */
export function fanoutSeconds(visitors: number, a: Assumptions = ASSUMPTIONS): number {
  if (visitors <= 0) return 0;
  const perShard = Math.ceil(visitors / DESIGN.watcherShards);
  const batches = Math.ceil(perShard / DESIGN.fanoutBatch);
  const roundsPerBatch = Math.ceil(DESIGN.fanoutBatch / DESIGN.fanoutConcurrency);
  return (batches * (roundsPerBatch * a.visitorCallMs + a.alarmGapMs)) / 1000;
}

/** The model: one scenario's day (and burst), priced and its hot spots found. */
export function model(
  s: Scenario,
  m: Measured,
  a: Assumptions = ASSUMPTIONS,
  resendRatePerSec = DESIGN.resendRatePerSec,
): ScaleResult {
  const visits = s.eventsPerDay / a.eventsPerVisit;
  const batches = s.eventsPerDay / m.eventsPerBatch;
  const emails = s.emailsPerDay + s.burstEmails;
  const orders = visits * a.ordersPerVisit;
  const webhooks = emails * (a.webhooksPerEmail + a.trackingHitsPerEmail);
  const interests = s.priceDropTrigger ? visits * a.interestsPerVisit * a.priceDropEmailShare : 0;

  // The burst: every told visitor is one Visitor call; its emails come due together.
  const paced = pacedBurst(s.burstEmails, resendRatePerSec, DESIGN.maxPaceWaitMs);
  const retries = Math.max(0, paced.attempts - s.burstEmails);
  // Every provider attempt is a Contact and a Pacer call; an email renders (a Catalog call) only
  // once it has its slot, so once, at the provider's rate (the bucket's burst, then the rate).
  const attempts = s.emailsPerDay + paced.attempts;
  const renderPeakPerSec =
    s.burstEmails > 0 ? Math.min(s.burstEmails, 2 * Math.max(1, resendRatePerSec)) : 0;

  const doRequests: Record<ObjectClass, number> = {
    Visitor:
      batches + s.eventsPerDay * m.lifecycleAlarmRunsPerEvent + s.fanoutVisitors + emails + retries,
    Contact: visits * a.identifyPerVisit + attempts + webhooks,
    Stats:
      s.eventsPerDay * (m.statsCallsPerEvent + m.lifecycleWakeStatsCallsPerEvent) +
      emails * a.statsCallsPerEmail +
      webhooks,
    Catalog: emails + orders + a.catalogPushesPerDay + (s.fanoutVisitors > 0 ? 1 : 0),
    Watchers: interests + (s.fanoutVisitors > 0 ? DESIGN.watcherShards : 0),
    Pacer: attempts,
  };
  const doTotal = Object.values(doRequests).reduce((x, y) => x + y, 0);
  const workerRequests = batches + webhooks + orders + a.catalogPushesPerDay;
  const peakWorkerRps = (workerRequests / DAY_S) * s.peakFactor;
  const isolates = a.isolatesMin + Math.ceil(peakWorkerRps / a.requestsPerIsolatePerSec);
  const usage: Usage = {
    workerRequests,
    workerCpuMs: workerRequests * m.cpuMsPerBatch,
    doRequests: doTotal,
    doGbSeconds: doTotal * (m.doActiveMs / 1000) * PRICE.doGb,
    rowsWritten:
      s.eventsPerDay * (m.allRowsWrittenPerEvent + m.lifecycleWakeRowsPerEvent) +
      emails * a.rowsPerEmail +
      webhooks * a.rowsPerWebhook +
      retries * a.rowsPerPacedRetry +
      interests +
      orders,
    rowsRead: batches * m.rowsReadPerBatch,
    kvReads: isolates * (DAY_S / (DESIGN.configTtlMs / 1000)),
  };
  const usdPerDay = priceOf(usage);
  const usdPerMonth = monthlyUsd(usage);

  // Peaks: the steady part at the peak hour's rate; the burst on top, at its own rate.
  const perSec = (perDay: number) => (perDay / DAY_S) * s.peakFactor;
  const steadyAttemptsPerSec = perSec(s.emailsPerDay);
  const hotSpots: HotSpot[] = [
    spot("Pacer (one per account)", steadyAttemptsPerSec + paced.peakPerSec, OBJECT_RPS_LIMIT),
    spot(
      "Catalog (one per site)",
      steadyAttemptsPerSec + perSec(orders + a.catalogPushesPerDay) + renderPeakPerSec,
      OBJECT_RPS_LIMIT,
    ),
    spot(
      `Stats shard (1 of ${DESIGN.statsShards})`,
      perSec(doRequests.Stats) / DESIGN.statsShards,
      OBJECT_RPS_LIMIT,
    ),
    spot(
      `Watchers shard (hot product, 1 of ${DESIGN.watcherShards})`,
      (perSec(interests) * a.hotProductShare) / DESIGN.watcherShards,
      OBJECT_RPS_LIMIT,
    ),
    spot(
      "KV config key (per site)",
      isolates / (DESIGN.configTtlMs / 1000),
      // KV serves a hot key from each location's cache; not an object, no 1,000/s limit.
      Number.POSITIVE_INFINITY,
    ),
    // What comes due a second against what may go; a burst's emails come due while the
    // watcher shards tell their visitors.
    spot(
      "Resend account limit",
      steadyAttemptsPerSec + s.burstEmails / Math.max(1, fanoutSeconds(s.fanoutVisitors, a)),
      resendRatePerSec,
    ),
  ];
  const hotSpot = hotSpots.reduce((x, y) => (y.load > x.load ? y : x));
  const peakHourEmails = (s.emailsPerDay / 24) * s.peakFactor;
  return {
    scenario: s,
    eventsPerDay: s.eventsPerDay,
    batchesPerDay: batches,
    emailsPerDay: emails,
    doRequests,
    usage,
    usdPerDay,
    usdPerMonth,
    fanoutSeconds: fanoutSeconds(s.fanoutVisitors, a),
    emailDrainSeconds: s.burstEmails > 0 ? paced.seconds : peakHourEmails / resendRatePerSec,
    pacedAttempts: paced.attempts,
    hotSpots,
    hotSpot,
  };
}

function spotOf(r: ScaleResult, prefix: string): HotSpot {
  const h = r.hotSpots.find((x) => x.name.startsWith(prefix));
  if (!h) throw new Error(`scale: no hot spot ${prefix}`);
  return h;
}

function spot(name: string, peakRps: number, limit: number): HotSpot {
  return { name, peakRps, limit, load: Number.isFinite(limit) ? peakRps / limit : 0 };
}

/** A usage at list price, nothing included. */
export function priceOf(u: Usage): number {
  return (
    u.workerRequests * PRICE.workerRequest +
    u.workerCpuMs * PRICE.workerCpuMs +
    u.doRequests * PRICE.doRequest +
    u.doGbSeconds * PRICE.doGbSecond +
    u.rowsWritten * PRICE.rowWritten +
    u.rowsRead * PRICE.rowRead +
    u.kvReads * PRICE.kvRead
  );
}

/** A month of days like `day` on Workers Paid: the base plus what goes beyond the included. */
export function monthlyUsd(day: Usage): number {
  const over = (perDay: number, included: number) => Math.max(0, perDay * DAYS_A_MONTH - included);
  return (
    INCLUDED.monthlyBaseUsd +
    over(day.workerRequests, INCLUDED.workerRequests) * PRICE.workerRequest +
    over(day.workerCpuMs, INCLUDED.workerCpuMs) * PRICE.workerCpuMs +
    over(day.doRequests, INCLUDED.doRequests) * PRICE.doRequest +
    over(day.doGbSeconds, INCLUDED.doGbSeconds) * PRICE.doGbSecond +
    over(day.rowsWritten, INCLUDED.rowsWritten) * PRICE.rowWritten +
    over(day.rowsRead, INCLUDED.rowsRead) * PRICE.rowRead +
    over(day.kvReads, INCLUDED.kvReads) * PRICE.kvRead
  );
}

/** Runs every scenario on the measured figures: the table to print and the headline figures. */
export function scaleReport(results: Record<string, unknown>): {
  rows: ScaleResult[];
  table: string;
  figures: Record<string, number | string>;
} {
  const m = measuredFrom(results);
  const rows = scenarios().map((s) => model(s, m));
  const by = (name: string) => rows.find((r) => r.scenario.name === name)!;
  const oneM = by("1M visitors/month");
  const tenM = by("10M events/day");
  const drop = by("price drop, 10k watchers");
  const bf = by("Black Friday hour 20x");
  const worst = rows.flatMap((r) => r.hotSpots).reduce((x, y) => (y.load > x.load ? y : x));
  const maxObject = (r: ScaleResult) =>
    Math.max(...r.hotSpots.filter((h) => h.limit === OBJECT_RPS_LIMIT).map((h) => h.peakRps));
  const figures = {
    scaleMonthlyUsd1MVisitors: round(oneM.usdPerMonth, 2),
    scale10MEventsPerDayUsdPerDay: round(tenM.usdPerDay, 2),
    scale10MEventsPerDayUsdPerMonth: round(tenM.usdPerMonth, 2),
    scaleMonthlyUsd100kContacts: round(by("100k contacts").usdPerMonth, 2),
    scaleHotspot: `${worst.name} (${round(worst.load, 1)}x its limit, price drop)`,
    scaleBlackFridayPeakObjectRps: round(maxObject(bf), 1),
    scaleBlackFridayHotspot: bf.hotSpot.name,
    scaleBlackFridayEmailDrainSeconds: round(bf.emailDrainSeconds),
    scalePriceDropSeconds: round(drop.fanoutSeconds, 1),
    scalePriceDropEmailDrainSeconds: round(drop.emailDrainSeconds),
    scalePriceDropPacedAttempts: drop.pacedAttempts,
    scalePriceDropPeakObjectRps: round(maxObject(drop)),
    // Where steady growth bites: events a day at which each limit is reached.
    scaleResendLimitEventsPerDay: Math.round(limitEventsPerDay(tenM, spotOf(tenM, "Resend"))),
    scaleStatsShardLimitEventsPerDay: Math.round(limitEventsPerDay(tenM, spotOf(tenM, "Stats"))),
    scaleWatchersShardLimitEventsPerDay: Math.round(
      limitEventsPerDay(tenM, spotOf(tenM, "Watchers")),
    ),
  };
  return { rows, table: tableOf(rows), figures };
}

function tableOf(rows: ScaleResult[]): string {
  const fmt = (n: number) =>
    n >= 100 ? Math.round(n).toLocaleString("en-US") : String(round(n, n >= 10 ? 1 : 2));
  const lines: string[][] = [
    ["figure (a day)", ...rows.map((r) => r.scenario.name)],
    ["events", ...rows.map((r) => fmt(r.eventsPerDay))],
    ["Worker requests", ...rows.map((r) => fmt(r.usage.workerRequests))],
    ...(["Visitor", "Contact", "Stats", "Catalog", "Watchers", "Pacer"] as const).map((c) => [
      `DO requests: ${c}`,
      ...rows.map((r) => fmt(r.doRequests[c])),
    ]),
    ["rows written", ...rows.map((r) => fmt(r.usage.rowsWritten))],
    ["KV reads", ...rows.map((r) => fmt(r.usage.kvReads))],
    ["emails", ...rows.map((r) => fmt(r.emailsPerDay))],
    ["Resend seconds (peak hour / burst)", ...rows.map((r) => fmt(r.emailDrainSeconds))],
    ["$ a day (list price)", ...rows.map((r) => `$${round(r.usdPerDay, 2)}`)],
    ["$ a month (Workers Paid)", ...rows.map((r) => `$${round(r.usdPerMonth, 2)}`)],
    ["fan-out seconds", ...rows.map((r) => fmt(r.fanoutSeconds))],
    ["paced attempts (burst)", ...rows.map((r) => fmt(r.pacedAttempts))],
    ...rows[0]!.hotSpots.map((h, i) => [
      `peak/s: ${h.name}`,
      ...rows.map((r) => fmt(r.hotSpots[i]!.peakRps)),
    ]),
    ["hot spot first", ...rows.map((r) => r.hotSpot.name)],
    ["its load (peak ÷ limit)", ...rows.map((r) => `${round(r.hotSpot.load, 2)}x`)],
  ];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines
    .map((l) =>
      l
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join("  "),
    )
    .join("\n");
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

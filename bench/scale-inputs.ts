// The inputs of the scale model (bench/scale.ts): the design's constants that decide where load
// lands, the named assumptions about a store, the measured figures read from
// bench/results.json, and the scenarios of docs/scale.md. Pure data and validation.

/**
 * Constants of the design that decide where load lands. The worker's modules cannot be imported
 * here (they need the Workers runtime and its types), so test/node/scale-model.test.ts checks
 * each against its source: the model cannot drift from the code.
 */
export const DESIGN = {
  /** worker/stats/shard.ts SHARDS: Stats objects per site; a fact's shard is a hash of
   * (trigger, unique key or contact or time), so facts spread evenly. */
  statsShards: 8,
  /** worker/catalog/watchers.ts WATCHER_SHARDS: ProductWatchers objects per product. */
  watcherShards: 4,
  /** worker/catalog/watchers.ts BATCH and CONCURRENCY: visitors told per alarm run, at once. */
  fanoutBatch: 100,
  fanoutConcurrency: 10,
  /** worker/mail/pacer.ts MAX_PACE_WAIT_MS: longest a send waits for its slot before it is
   * put back (the Visitor's alarm retries it when the slot would have come). */
  maxPaceWaitMs: 5_000,
  /** worker/mail/pacer.ts DEFAULT_RATE_PER_SEC (wrangler.toml RESEND_RATE_LIMIT = "2"). */
  resendRatePerSec: 2,
  /** worker/config/load.ts CONFIG_TTL_MS: an isolate reads a site's config from KV at most
   * once per this long. */
  configTtlMs: 30_000,
};

/** Cloudflare's documented soft limit of one Durable Object (requests a second). */
export const OBJECT_RPS_LIMIT = 1_000;
export const DAY_S = 86_400;
export const DAYS_A_MONTH = 30;

/**
 * What the model assumes about a store and about production. Each is a guess stated once, with
 * why; where the choice is unclear it leans to more load and more cost.
 */
export const ASSUMPTIONS = {
  /** Visits per monthly visitor: most visitors of a small store come once, some come back. */
  visitsPerVisitor: 1.5,
  /** Events per visit: ~4 page views, ~2 product views, ~1 cart snapshot, ~1 other (search,
   * form, checkout) — a browsing visit, above the 2–3 pages many stores see per visit. */
  eventsPerVisit: 8,
  /** Share of visits that make an email known (a sign-up, checkout or login: identify). */
  identifyPerVisit: 0.03,
  /** Orders per visit (2 %, a typical e-commerce conversion rate); each is one verified order
   * webhook (a Worker request) and one Catalog call for best sellers. */
  ordersPerVisit: 0.02,
  /** Emails per visit: cart and browse abandonment mail reaches only known, consenting
   * addresses, so about one visit in a hundred ends in an email. */
  emailsPerVisit: 0.01,
  /** Emails a month per contact on a list (the 100k-contact store): a weekly rhythm of
   * triggered mail, the most a frequency cap lets through in practice. */
  emailsPerContactPerMonth: 4,
  /** Distinct products a visit shows interest in (once per visitor, product and day,
   * worker/catalog/interest.ts) when the site has a price-drop trigger. Only a visitor whose
   * address is known registers it (priceDropEmailShare of them): a price drop can only be
   * emailed, so an anonymous visitor's views wait in its profile until it identifies. */
  interestsPerVisit: 1.5,
  /** Share of all product interest that goes to the one product everybody wants (a
   * featured item on a sale day). */
  hotProductShare: 0.1,
  /** Stats shard calls per email: the step's `sent` fact, and the engagement facts. */
  statsCallsPerEmail: 2,
  /** Resend webhooks per email (sent, delivered, opened by ~40 %, clicked by a few): each a
   * Worker request, a Contact call and a Stats call. */
  webhooksPerEmail: 3,
  /** Open-pixel and link hits per email through Nudge's own routes (Worker + Contact). */
  trackingHitsPerEmail: 0.5,
  /** Rows written per email: Visitor (state, outbox row, alarm), Contact (ledger row, record),
   * Stats (counters). Estimated from the code, not measured. */
  rowsPerEmail: 8,
  /** Rows written per webhook or tracking hit: the Contact record and a Stats counter or two. */
  rowsPerWebhook: 3,
  /** Rows written per paced retry: the Visitor's outbox row and its alarm. */
  rowsPerPacedRetry: 2,
  /** Catalog pushes a day (an hourly product sync), each one Worker and one Catalog call. */
  catalogPushesPerDay: 24,
  /** Busiest hour of an ordinary day against the average hour (evening peak). */
  peakHourFactor: 3,
  /** The Black Friday hour against the average hour (a doorbuster hour of a sale day). */
  blackFridayFactor: 20,
  /** Viewers told of the price drop whose address is known and may be mailed. */
  priceDropEmailShare: 0.3,
  /** One Visitor RPC from a watcher shard in production: an object in another place with a
   * replicated write, ~30 ms (local workerd: ~16 ms of wall time each, measured, 40 at once). */
  visitorCallMs: 30,
  /** Gap between two alarm runs of a watcher shard (the alarm is set to "now"). */
  alarmGapMs: 50,
  /** Isolates that hold the worker (edge locations with traffic, plus object isolates); each
   * reads the config from KV at most once per CONFIG_TTL_MS while it lives. */
  isolatesMin: 100,
  /** Requests a second one isolate takes before another is started (for the KV read count). */
  requestsPerIsolatePerSec: 100,
};

export type Assumptions = typeof ASSUMPTIONS;

/** The measured figures the model reads from bench/results.json `results`. */
export interface Measured {
  eventsPerBatch: number;
  rowsWrittenPerEvent: number;
  alarmRowsPerEvent: number;
  statsRowsPerEvent: number;
  statsCallsPerEvent: number;
  allRowsWrittenPerEvent: number;
  /** After the batches (bench/lifecycle.ts): Visitor alarm runs, their Stats calls and all the
   * rows they write (state, alarms, Stats, the retention erasure), per event. */
  lifecycleAlarmRunsPerEvent: number;
  lifecycleWakeStatsCallsPerEvent: number;
  lifecycleWakeRowsPerEvent: number;
  costPerMillionEventsUsd: number;
  /** CPU of the runtime per ingested batch (ms; an upper bound of the Worker's billed CPU). */
  cpuMsPerBatch: number;
  /** SQLite rows the Visitor read per batch. */
  rowsReadPerBatch: number;
  /** Active time of a Visitor per batch (ingestSerialP50Ms − emptySerialP50Ms), ms. */
  doActiveMs: number;
  fanoutWatchers: number;
  fanoutSeconds: number;
  triggerLatencyP99Ms: number;
  serverEventsPerSec: number;
}

const MEASURED_KEYS = [
  "eventsPerBatch",
  "rowsWrittenPerEvent",
  "alarmRowsPerEvent",
  "statsRowsPerEvent",
  "statsCallsPerEvent",
  "allRowsWrittenPerEvent",
  "lifecycleAlarmRunsPerEvent",
  "lifecycleWakeStatsCallsPerEvent",
  "lifecycleWakeRowsPerEvent",
  "costPerMillionEventsUsd",
  "cpuMsPerBatch",
  "rowsReadPerBatch",
  "ingestSerialP50Ms",
  "emptySerialP50Ms",
  "fanoutWatchers",
  "fanoutSeconds",
  "triggerLatencyP99Ms",
  "serverEventsPerSec",
] as const;

/** Reads the measured figures; a missing or non-numeric one is an error naming it. */
export function measuredFrom(results: Record<string, unknown>): Measured {
  const bad = MEASURED_KEYS.filter((k) => {
    const v = results[k];
    return typeof v !== "number" || !Number.isFinite(v) || v < 0;
  });
  if (bad.length)
    throw new Error(
      `scale: bench/results.json lacks measured figures (${bad.join(", ")}); run npm run bench first`,
    );
  const n = (k: (typeof MEASURED_KEYS)[number]) => results[k] as number;
  if (n("eventsPerBatch") <= 0) throw new Error("scale: eventsPerBatch must be above 0");
  return {
    eventsPerBatch: n("eventsPerBatch"),
    rowsWrittenPerEvent: n("rowsWrittenPerEvent"),
    alarmRowsPerEvent: n("alarmRowsPerEvent"),
    statsRowsPerEvent: n("statsRowsPerEvent"),
    statsCallsPerEvent: n("statsCallsPerEvent"),
    allRowsWrittenPerEvent: n("allRowsWrittenPerEvent"),
    lifecycleAlarmRunsPerEvent: n("lifecycleAlarmRunsPerEvent"),
    lifecycleWakeStatsCallsPerEvent: n("lifecycleWakeStatsCallsPerEvent"),
    lifecycleWakeRowsPerEvent: n("lifecycleWakeRowsPerEvent"),
    costPerMillionEventsUsd: n("costPerMillionEventsUsd"),
    cpuMsPerBatch: n("cpuMsPerBatch"),
    rowsReadPerBatch: n("rowsReadPerBatch"),
    doActiveMs: Math.max(1, n("ingestSerialP50Ms") - n("emptySerialP50Ms")),
    fanoutWatchers: n("fanoutWatchers"),
    fanoutSeconds: n("fanoutSeconds"),
    triggerLatencyP99Ms: n("triggerLatencyP99Ms"),
    serverEventsPerSec: n("serverEventsPerSec"),
  };
}

/** One store load to price: a day of steady traffic, plus at most one burst on top of it. */
export interface Scenario {
  name: string;
  /** Events a day (the whole day, at the ordinary daily curve). */
  eventsPerDay: number;
  /** Emails a day from steady traffic. */
  emailsPerDay: number;
  /** The hour that sets the peak, as a multiple of the average hour. */
  peakFactor: number;
  /** Visitors told of one catalog change at once (0: none). */
  fanoutVisitors: number;
  /** Emails that come due at once from that change. */
  burstEmails: number;
  /** Whether the site has a price-drop trigger (views register interest with watcher shards). */
  priceDropTrigger: boolean;
}

/** The scenarios of docs/scale.md. */
export function scenarios(a: Assumptions = ASSUMPTIONS): Scenario[] {
  const store = (visitorsPerMonth: number) => {
    const visitsPerDay = (visitorsPerMonth * a.visitsPerVisitor) / DAYS_A_MONTH;
    return {
      eventsPerDay: visitsPerDay * a.eventsPerVisit,
      emailsPerDay: visitsPerDay * a.emailsPerVisit,
    };
  };
  const oneMillion = store(1e6);
  const tenMillionEvents = 10e6;
  const base = { fanoutVisitors: 0, burstEmails: 0, priceDropTrigger: true };
  return [
    { name: "1M visitors/month", ...oneMillion, peakFactor: a.peakHourFactor, ...base },
    {
      name: "10M events/day",
      eventsPerDay: tenMillionEvents,
      emailsPerDay: (tenMillionEvents / a.eventsPerVisit) * a.emailsPerVisit,
      peakFactor: a.peakHourFactor,
      ...base,
    },
    {
      name: "100k contacts",
      eventsPerDay: oneMillion.eventsPerDay,
      emailsPerDay: (100e3 * a.emailsPerContactPerMonth) / DAYS_A_MONTH,
      peakFactor: a.peakHourFactor,
      ...base,
    },
    {
      name: "price drop, 10k watchers",
      ...oneMillion,
      peakFactor: a.peakHourFactor,
      ...base,
      fanoutVisitors: 10e3,
      burstEmails: 10e3 * a.priceDropEmailShare,
    },
    {
      // 23 ordinary hours and one at 20 times the average hour; the peak is that hour.
      name: "Black Friday hour 20x",
      eventsPerDay: (oneMillion.eventsPerDay * (23 + a.blackFridayFactor)) / 24,
      emailsPerDay: (oneMillion.emailsPerDay * (23 + a.blackFridayFactor)) / 24,
      peakFactor: (a.blackFridayFactor * 24) / (23 + a.blackFridayFactor),
      ...base,
    },
  ];
}

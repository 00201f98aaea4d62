// The whole life of the ingest bench's visitors, computed: what their Visitor objects and the
// Stats shards write after the batches, when the alarms run (due steps, held steps running out,
// the inactivity check, retention), which the ingest bench cannot wait for (the last hold runs a
// day, retention 400 days). The real engine (`apply`, `wake`) and the real stats projection and
// sharding run here in Node on the same events, ids and config as bench/ingest.ts; only the
// storage is counted by rule, the rules of worker/visitor/visitor.ts and worker/stats/stats.ts:
// - a batch: 1 state row; a setAlarm when no alarm is set at or before the next due time;
// - an alarm run: 1 state row when anything changed, 1 setAlarm (the fired alarm is gone);
// - retention: the state row deleted (1 row); nothing follows;
// - Stats: per shard touched, 1 call, 1 row per day counted, 1 per new unique value.
// The batch phase is checked against what the ingest bench measured on workerd
// (`lifecycleBatchRowsPerEvent` against `allRowsWrittenPerEvent`). Pure: no network, no clock.
import demoConfig from "../demo/site-config.json" with { type: "json" };
import { parseSiteConfig, type SiteConfig } from "../worker/config/schema.ts";
import { apply, changedFrom, expiresAt, initialState, wake } from "../worker/engine/index.ts";
import type { Fact, VisitorState } from "../worker/engine/index.ts";
import type { NudgeEvent } from "../worker/ingest/events.ts";
import { statsOfFacts } from "../worker/stats/from-facts.ts";
import { shardOf } from "../worker/stats/shard.ts";
import { byDay, countOnce, toCounter } from "../worker/stats/rows.ts";
import type { StatEvent } from "../worker/stats/types.ts";
import { keepsAlarm } from "../worker/visitor/alarm.ts";
import { mixEvent, visitorId } from "./ingest-mix.ts";
import { PRICE } from "./prices.ts";

export interface LifecycleOptions {
  visitors: number;
  batchesPerVisitor: number;
}

/** Rows and requests, by phase. */
interface Tally {
  alarmRuns: number;
  stateRows: number;
  alarmsSet: number;
  statsCalls: number;
  statsRows: number;
  /** Rows deleted at retention (billed as written). */
  erasedRows: number;
}

const tally = (): Tally => ({
  alarmRuns: 0,
  stateRows: 0,
  alarmsSet: 0,
  statsCalls: 0,
  statsRows: 0,
  erasedRows: 0,
});

const rowsOf = (t: Tally) => t.stateRows + t.alarmsSet + t.statsRows + t.erasedRows;

/** Adds `one` into `total`. */
const addTo = (total: Tally, one: Tally) => {
  for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += one[k];
};

const SITE = "bench";
const T0 = Date.UTC(2026, 11, 1, 12);
/** The ingest bench sends its 1,200 batches in a few seconds: a few ms apart. */
const BATCH_GAP_MS = 4;
/** Alarm runs one visitor may take before the simulation calls it a runaway. */
const MAX_RUNS = 1000;

/** The ingest bench's site config: the demo store's, as its stack seeds it. */
export function benchConfig(): SiteConfig {
  const parsed = parseSiteConfig({ ...demoConfig, site: SITE });
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.config;
}

/**
 * Counts what recording `facts` at `at` writes in the Stats shards, as a shard's `record` does
 * (stats.ts): `countOnce` against the unique values `seen` so far (a dedupe row each), then one
 * row per day of the counters.
 */
function recordStats(t: Tally, facts: readonly Fact[], at: number, seen: Set<string>): void {
  const shards = new Map<number, StatEvent[]>();
  for (const e of statsOfFacts(SITE, facts, at)) {
    const s = shardOf(e);
    shards.set(s, [...(shards.get(s) ?? []), e]);
  }
  for (const events of shards.values()) {
    t.statsCalls++;
    const { counted } = countOnce(events, (trigger, metric, unique) => {
      const k = `${trigger}\n${metric}\n${unique}`;
      if (seen.has(k)) return false;
      seen.add(k);
      t.statsRows++; // the dedupe row
      return true;
    });
    t.statsRows += byDay(counted.map(toCounter)).size;
  }
}

/** The alarm a Visitor keeps (visitor.ts `schedule`): a new one unless one is set early enough. */
function schedule(t: Tally, set: number | null, next: number | null, expiry: number, now: number) {
  const at = Math.min(next ?? Infinity, expiry);
  if (keepsAlarm(set, at, now)) return set;
  t.alarmsSet++;
  return at;
}

/** Facts of an email step that waited for an address and ran out. */
const holdFact = (f: Fact) =>
  f.type === "due" ||
  f.type === "held" ||
  f.type === "completed" ||
  (f.type === "skipped" && f.reason === "no_email");

export function lifecycle(
  opts: LifecycleOptions = { visitors: 400, batchesPerVisitor: 3 },
  config: SiteConfig = benchConfig(),
) {
  const { visitors, batchesPerVisitor } = opts;
  const batch = tally();
  const wakes = tally();
  /** Alarm runs of an anonymous visitor that only moved email steps it could not send. */
  const holds = tally();
  const seen = new Set<string>();
  /** Alarm runs by what they decided (the fact types, joined with +). */
  const runsByReason = new Map<string, number>();
  let events = 0;
  const states: VisitorState[] = [];
  const alarms: (number | null)[] = [];
  // 1. The batches, in the ingest bench's order: batch i goes to visitor i % visitors.
  for (let i = 0; i < visitors * batchesPerVisitor; i++) {
    const v = i % visitors;
    const now = T0 + i * BATCH_GAP_MS;
    let state = states[v] ?? initialState(SITE, visitorId(v), now);
    const facts: Fact[] = [];
    let next: number | null = null;
    const n = 1 + (i % 3);
    for (let k = 0; k < n; k++) {
      const e = { ...mixEvent(i, k, "https://shop.example"), at: now } as NudgeEvent;
      const r = apply(state, e, config, now, "Europe/Paris");
      state = r.state;
      facts.push(...r.facts);
      next = r.nextDue;
      events++;
    }
    batch.stateRows++;
    alarms[v] = schedule(batch, alarms[v] ?? null, next, expiresAt(state, config), now);
    recordStats(batch, facts, now, seen);
    states[v] = state;
  }
  // 2. Every alarm each visitor's object runs, until retention erases it.
  for (let v = 0; v < visitors; v++) {
    let state = states[v]!;
    let alarm = alarms[v] ?? null;
    for (let run = 0; alarm !== null; run++) {
      if (run === MAX_RUNS) throw new Error(`visitor ${v}: more than ${MAX_RUNS} alarm runs`);
      const now = alarm;
      const one = { ...tally(), alarmRuns: 1 };
      let why: string;
      if (expiresAt(state, config) <= now) {
        one.erasedRows++;
        why = "retention";
        alarm = null;
      } else {
        const r = wake(state, config, now);
        const changed = changedFrom(state, r);
        if (r.effects.length) throw new Error(`visitor ${v}: an anonymous visitor got an effect`);
        if (changed) one.stateRows++;
        recordStats(one, r.facts, now, seen);
        why = r.facts.map((f) => f.type).join("+") || (changed ? "state only" : "nothing");
        const hold = r.facts.length > 0 && r.facts.every(holdFact) && !state.profile.email;
        state = r.state;
        alarm = schedule(one, null, r.nextDue, expiresAt(state, config), now);
        if (hold) addTo(holds, one);
      }
      runsByReason.set(why, (runsByReason.get(why) ?? 0) + 1);
      addTo(wakes, one);
    }
  }
  const per = (x: number) => Math.round((x / events) * 1000) / 1000;
  return {
    figures: {
      lifecycleVisitors: visitors,
      lifecycleEvents: events,
      lifecycleBatchRowsPerEvent: per(rowsOf(batch)),
      lifecycleBatchAlarmRowsPerEvent: per(batch.alarmsSet),
      lifecycleBatchStatsRowsPerEvent: per(batch.statsRows),
      lifecycleAlarmRunsPerVisitor: Math.round((wakes.alarmRuns / visitors) * 100) / 100,
      lifecycleAlarmRunsPerEvent: per(wakes.alarmRuns),
      lifecycleWakeStatsCallsPerEvent: per(wakes.statsCalls),
      lifecycleWakeRowsPerEvent: per(rowsOf(wakes)),
      lifecycleWakeStateRowsPerEvent: per(wakes.stateRows),
      lifecycleWakeAlarmRowsPerEvent: per(wakes.alarmsSet),
      lifecycleWakeStatsRowsPerEvent: per(wakes.statsRows),
      lifecycleWakeErasedRowsPerEvent: per(wakes.erasedRows),
      /** DO requests after the batches: alarm runs and Stats calls. */
      lifecycleWakeDoRequestsPerEvent: per(wakes.alarmRuns + wakes.statsCalls),
      /** Of the rows after the batches, those of alarm runs that only held or skipped an email
       * step of a visitor with no address (due, held, skipped, completed). */
      lifecycleAnonymousHoldRowsPerEvent: per(rowsOf(holds)),
      lifecycleAnonymousHoldRunsPerVisitor: Math.round((holds.alarmRuns / visitors) * 100) / 100,
    },
    runsByReason: Object.fromEntries([...runsByReason].sort((a, b) => b[1] - a[1])),
  };
}

/**
 * The lifecycle figures, and the cost of a million events with everything after the batches
 * added to what the ingest bench measured (`measured`: its results). Alarm runs are priced as
 * Durable Object requests, each active as long as a stored batch (the ingest bench's serial
 * difference); their rows at the row price.
 */
export function benchLifecycle(measured: Record<string, unknown>): Record<string, number> {
  const { figures } = lifecycle();
  // The same visitors on a site with `anonymousSteps: "deferred"` (engine/schedule.ts `wakeAt`).
  const deferred = lifecycle(undefined, { ...benchConfig(), anonymousSteps: "deferred" }).figures;
  const n = (k: string) => {
    const v = measured[k];
    if (typeof v !== "number") throw new Error(`lifecycle: needs ${k} from the ingest bench`);
    return v;
  };
  const activeS = Math.max(0, n("ingestSerialP50Ms") - n("emptySerialP50Ms")) / 1000;
  const wakeUsdOf = (f: typeof figures) =>
    1e6 *
    (f.lifecycleWakeRowsPerEvent * PRICE.rowWritten +
      f.lifecycleWakeDoRequestsPerEvent * PRICE.doRequest +
      f.lifecycleAlarmRunsPerEvent * activeS * PRICE.doGb * PRICE.doGbSecond);
  const wakeUsd = wakeUsdOf(figures);
  // Deferred: what ingest measured, plus the rows its batches write differently (alarms), plus
  // its own later life.
  const deferredUsd =
    n("costPerMillionEventsUsd") +
    1e6 *
      (deferred.lifecycleBatchRowsPerEvent - figures.lifecycleBatchRowsPerEvent) *
      PRICE.rowWritten +
    wakeUsdOf(deferred);
  const measuredRows = n("allRowsWrittenPerEvent");
  if (Math.abs(figures.lifecycleBatchRowsPerEvent - measuredRows) > 0.01 * measuredRows)
    console.warn(
      `lifecycle: the model writes ${figures.lifecycleBatchRowsPerEvent} rows per event at ingest, ` +
        `workerd measured ${measuredRows}: the model no longer follows the objects`,
    );
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    ...figures,
    costPerMillionEventsWakesUsd: round(wakeUsd),
    costPerMillionEventsWithWakesUsd: round(n("costPerMillionEventsUsd") + wakeUsd),
    lifecycleDeferredAlarmRunsPerVisitor: deferred.lifecycleAlarmRunsPerVisitor,
    lifecycleDeferredBatchRowsPerEvent: deferred.lifecycleBatchRowsPerEvent,
    lifecycleDeferredWakeRowsPerEvent: deferred.lifecycleWakeRowsPerEvent,
    costPerMillionEventsDeferredUsd: round(deferredUsd),
  };
}

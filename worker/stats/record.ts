// Write side of the stats store: routes StatEvents to their shard (8 Durable Objects per site)
// and, when bound, to Workers Analytics Engine. Called by recordFacts (facts.ts), by the Contact
// object (opens, clicks, webhooks, unsubscribes, conversions) and by the dev seeding route; never
// throws (measurement must not break a send).
import { log } from "../lib/log.ts";
import { humanStep } from "../lib/step.ts";
import { SHARDS, shardOf } from "./shard.ts";
import type { StatEvent } from "./types.ts";

export { SHARDS, shardOf } from "./shard.ts";

export type StatsEnv = Pick<Env, "STATS" | "NUDGE_ANALYTICS">;

export function statsStub(env: Pick<Env, "STATS">, site: string, shard: number) {
  return env.STATS.get(env.STATS.idFromName(`stats:${site}:${shard}`));
}

/** One data point: blobs site, trigger, metric, reason, group; doubles step (counted from 1, as
 * every outside reader sees steps; -1: none), variant (0-based; -1: none), value. */
function writeAnalytics(dataset: AnalyticsEngineDataset, e: StatEvent): void {
  dataset.writeDataPoint({
    blobs: [e.site, e.trigger, e.metric, e.reason ?? "", e.group],
    doubles: [e.step === null ? -1 : humanStep(e.step), e.variant ?? -1, e.value ?? 0],
    indexes: [e.site],
  });
}

/** What recording cost: shard calls made and rows the shards wrote (for the bench). */
export interface StatsUsage {
  calls: number;
  rowsWritten: number;
}

/** Records events in their shards (one RPC per shard touched). Logs and swallows failures. */
export async function recordStats(
  env: StatsEnv,
  events: readonly StatEvent[],
): Promise<StatsUsage> {
  const usage = { calls: 0, rowsWritten: 0 };
  if (events.length === 0) return usage;
  const dataset = env.NUDGE_ANALYTICS;
  if (dataset) {
    for (const e of events) {
      try {
        writeAnalytics(dataset, e);
      } catch (err) {
        log("warn", "stats.failed", { site: e.site, reason: `analytics: ${reasonOf(err)}` });
        break;
      }
    }
  }
  const batches = new Map<string, { site: string; shard: number; events: StatEvent[] }>();
  try {
    for (const e of events) {
      const shard = shardOf(e);
      const k = `${e.site}\n${shard}`;
      const b = batches.get(k) ?? { site: e.site, shard, events: [] };
      b.events.push(e);
      batches.set(k, b);
    }
  } catch (err) {
    log("warn", "stats.failed", { site: events[0]?.site, reason: reasonOf(err) });
    return usage;
  }
  await Promise.all(
    [...batches.values()].map(async (b) => {
      usage.calls++;
      try {
        const r = await statsStub(env, b.site, b.shard).record(b.events);
        usage.rowsWritten += r.rowsWritten;
      } catch (err) {
        log("warn", "stats.failed", { site: b.site, reason: reasonOf(err) });
      }
    }),
  );
  return usage;
}

/** record() calls and rows written by every shard of `site` since each started (bench only). */
export async function statsUsageOf(env: Pick<Env, "STATS">, site: string): Promise<StatsUsage> {
  const all = await Promise.all(
    Array.from({ length: SHARDS }, (_, shard) => statsStub(env, site, shard).usage()),
  );
  return all.reduce(
    (a, b) => ({ calls: a.calls + b.calls, rowsWritten: a.rowsWritten + b.rowsWritten }),
    {
      calls: 0,
      rowsWritten: 0,
    },
  );
}

/** Erasure: drops the contact from every shard's recent-failures list. */
export async function forgetInStats(env: Pick<Env, "STATS">, site: string, contact: string) {
  await Promise.all(
    Array.from({ length: SHARDS }, (_, shard) => statsStub(env, site, shard).forget(contact)),
  );
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Records domain events where they were decided: one log line each (engine/facts.ts
// `logLineOf`) and their measurement events (from-facts.ts) in the stats shards. Called by the
// Visitor and Contact objects; never throws for stats (recordStats logs and swallows).
import type { Fact } from "../engine/facts.ts";
import { logLineOf } from "../engine/facts.ts";
import { log } from "../lib/log.ts";
import { statsOfFacts } from "./from-facts.ts";
import { recordStats, type StatsEnv, type StatsUsage } from "./record.ts";

export interface FactSource {
  site: string;
  vid?: string;
  /** Contact hash (never an address). */
  contact?: string;
}

export async function recordFacts(
  env: StatsEnv,
  facts: readonly Fact[],
  from: FactSource,
  at: number,
): Promise<StatsUsage> {
  if (facts.length === 0) return { calls: 0, rowsWritten: 0 };
  for (const f of facts) {
    const line = logLineOf(f);
    log(line.level, line.msg, { ...from, ...line.fields });
  }
  return recordStats(env, statsOfFacts(from.site, facts, at, from.contact));
}

// Read side of the stats store: asks all SHARDS objects of a site for their rows in parallel and
// merges them into a report. Called by the stats API route and the dashboard.
import { SHARDS, statsStub } from "./record.ts";
import { buildReport, type Report } from "./report.ts";
import type { ShardResult } from "./rows.ts";
import type { StatsQuery } from "./schema.ts";

export async function loadReport(
  env: Pick<Env, "STATS">,
  q: StatsQuery,
  triggers: readonly string[],
): Promise<Report> {
  const shards = await Promise.all(
    Array.from(
      { length: SHARDS },
      async (_, i): Promise<ShardResult> => await statsStub(env, q.site, i).query(q),
    ),
  );
  return buildReport(shards, { ...q, triggers });
}

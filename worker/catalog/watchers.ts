// The ProductWatchers Durable Object: who cares about one product, one shard of them. Visitors
// are spread over WATCHER_SHARDS objects per product by their id, so no single object takes every
// visitor of a popular product. It keeps who asked to be told of a restock (`watchers`, consumed
// when told) and who viewed or carted it lately (`viewers`, for price drops), and runs the fan-out
// of one catalog change at a time from its alarm, in batches: durable (a restart resumes at the
// cursor), bounded per invocation, and exactly once in effect (the event id is the same for every
// batch and retry, and a Visitor drops an id it has seen).
import { DurableObject } from "cloudflare:workers";
import type { NudgeEvent } from "../ingest/events.ts";
import { errorMessage } from "../lib/errors.ts";
import { hash32 } from "../lib/hash.ts";
import { log } from "../lib/log.ts";
import { visitorStub } from "../lib/stubs.ts";

/** Objects per product: each holds the visitors whose id hashes to it. */
export const WATCHER_SHARDS = 4;
/** Visitors told per alarm run, and at once within it. */
const BATCH = 100;
const CONCURRENCY = 10;
/** After a failed delivery the batch is tried again this much later. */
const RETRY_MS = 5_000;
/** Viewers older than this are forgotten (longer than any price-drop `within` is useful). */
export const VIEWER_TTL_MS = 90 * 86_400_000;

export function watcherStub(env: Env, site: string, product: string, shard: number) {
  return env.WATCHERS.get(env.WATCHERS.idFromName(`${site}\n${product}\n${shard}`));
}

export function watcherShardOf(vid: string): number {
  return hash32(vid) % WATCHER_SHARDS;
}

/** One catalog change to tell this shard's visitors about. */
export interface FanoutJob {
  /** The event id every visitor gets (unique per catalog change). */
  id: string;
  site: string;
  kind: "back_in_stock" | "price_drop";
  /** The event's data (a price drop's `seen_at` is set per visitor). */
  data: Record<string, unknown>;
  at: number;
  /** Price drops: only viewers seen at or after this instant. */
  since: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS watchers (vid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS viewers (vid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, job TEXT NOT NULL,
     cursor TEXT NOT NULL DEFAULT '', told INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL)`,
];

export class ProductWatchers extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const s of SCHEMA) this.sql.exec(s);
  }

  /** A visitor asked to hear of a restock, and/or viewed or carted the product at `seenAt`. */
  /** Returns the rows it wrote (billed; the ingest bench counts them). */
  async register(
    vid: string,
    watch: boolean,
    seenAt: number | null,
    now: number,
  ): Promise<{ rowsWritten: number }> {
    let rowsWritten = 0;
    if (watch)
      rowsWritten += this.sql.exec(
        `INSERT INTO watchers (vid, at) VALUES (?, ?) ON CONFLICT(vid) DO UPDATE SET at = excluded.at`,
        vid,
        now,
      ).rowsWritten;
    if (seenAt !== null)
      rowsWritten += this.sql.exec(
        `INSERT INTO viewers (vid, at) VALUES (?, ?)
         ON CONFLICT(vid) DO UPDATE SET at = max(at, excluded.at)`,
        vid,
        seenAt,
      ).rowsWritten;
    return { rowsWritten };
  }

  /** Queues a fan-out (a repeat of the same job id is ignored) and starts it. */
  async fanout(job: FanoutJob): Promise<void> {
    this.sql.exec(
      `INSERT OR IGNORE INTO jobs (id, job, created) VALUES (?, ?, ?)`,
      job.id,
      JSON.stringify(job),
      Date.now(),
    );
    const set = await this.ctx.storage.getAlarm();
    if (set === null) await this.ctx.storage.setAlarm(Date.now());
  }

  /** Counts, for the admin API and the tests. */
  async counts(): Promise<{ watchers: number; viewers: number; jobs: number }> {
    const one = (q: string) => Number(this.sql.exec<{ n: number }>(q).one().n);
    return {
      watchers: one(`SELECT count(*) AS n FROM watchers`),
      viewers: one(`SELECT count(*) AS n FROM viewers`),
      jobs: one(`SELECT count(*) AS n FROM jobs`),
    };
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec(`DELETE FROM viewers WHERE at < ?`, now - VIEWER_TTL_MS);
    const row = this.sql
      .exec<{ id: string; job: string; cursor: string; told: number }>(
        `SELECT id, job, cursor, told FROM jobs ORDER BY created, id LIMIT 1`,
      )
      .toArray()[0];
    if (!row) return;
    const job = JSON.parse(row.job) as FanoutJob;
    const targets =
      job.kind === "back_in_stock"
        ? this.sql
            .exec<{ vid: string; at: number }>(
              `SELECT vid, at FROM watchers WHERE vid > ? ORDER BY vid LIMIT ?`,
              row.cursor,
              BATCH,
            )
            .toArray()
        : this.sql
            .exec<{ vid: string; at: number }>(
              `SELECT vid, at FROM viewers WHERE vid > ? AND at >= ? ORDER BY vid LIMIT ?`,
              row.cursor,
              job.since,
              BATCH,
            )
            .toArray();
    const ok = await this.tell(job, targets);
    const done = targets.slice(0, ok);
    const last = done[done.length - 1];
    if (job.kind === "back_in_stock")
      // Told once: the request is used up (a later restock tells only who asks again).
      for (const t of done)
        this.sql.exec(`DELETE FROM watchers WHERE vid = ? AND at <= ?`, t.vid, t.at);
    const finished = ok === targets.length && targets.length < BATCH;
    if (finished) {
      this.sql.exec(`DELETE FROM jobs WHERE id = ?`, row.id);
      log("info", "catalog.fanout_done", {
        site: job.site,
        reason: job.kind,
        detail: `${row.told + ok} told`,
      });
    } else if (last)
      this.sql.exec(
        `UPDATE jobs SET cursor = ?, told = told + ? WHERE id = ?`,
        last.vid,
        ok,
        row.id,
      );
    const more = !finished || this.sql.exec(`SELECT 1 FROM jobs LIMIT 1`).toArray().length > 0;
    if (more) await this.ctx.storage.setAlarm(ok < targets.length ? now + RETRY_MS : Date.now());
  }

  /** Delivers the job's event to `targets` in order; returns how many in a row succeeded. */
  private async tell(job: FanoutJob, targets: { vid: string; at: number }[]): Promise<number> {
    const results: boolean[] = [];
    for (let i = 0; i < targets.length; i += CONCURRENCY) {
      const part = targets.slice(i, i + CONCURRENCY);
      results.push(
        ...(await Promise.all(
          part.map(async (t) => {
            const data = job.kind === "price_drop" ? { ...job.data, seen_at: t.at } : job.data;
            const event = { id: job.id, name: job.kind, at: job.at, verified: "server", data };
            try {
              await visitorStub(this.env, job.site, t.vid).ingest({
                site: job.site,
                vid: t.vid,
                tz: null,
                base: null,
                events: [event as NudgeEvent],
              });
              return true;
            } catch (err) {
              log("warn", "catalog.fanout_retry", {
                site: job.site,
                vid: t.vid,
                reason: errorMessage(err),
              });
              return false;
            }
          }),
        )),
      );
    }
    const firstFailure = results.indexOf(false);
    return firstFailure < 0 ? results.length : firstFailure;
  }
}

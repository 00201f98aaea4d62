// The Catalog Durable Object: one per site, the store's products as the store states them (CLI
// push, POST /v1/catalog, the `product_updated` server event, platform product webhooks) and the
// units sold per product (verified orders only), for recommendations. Only the catalog's writers
// and the send path touch it (sends are paced account-wide), never a page view. A change that
// matters to a trigger (a restock, a price drop) is written in the same transaction as the
// product, as a job for each shard of that product's watchers, and handed to them from the alarm
// until each accepted it: a push is never half-announced.
import { DurableObject } from "cloudflare:workers";
import { errorMessage } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { factsOf, productChange, type CatalogNeeds } from "./changes.ts";
import type { CatalogProduct } from "./schema.ts";
import { WATCHER_SHARDS, watcherStub, type FanoutJob } from "./watchers.ts";

export function catalogStub(env: Env, site: string) {
  return env.CATALOG.get(env.CATALOG.idFromName(`catalog:${site}`));
}

export interface UpsertResult {
  received: number;
  changed: number;
  price_drops: number;
  back_in_stock: number;
}

/** One verified order's lines, for best sellers. */
export interface Sale {
  order_id: string;
  items: { id: string; quantity: number }[];
}

/** Orders remembered to count each once (a webhook retried, created then paid). */
const SOLD_ORDERS = 20_000;
/** Jobs handed to watcher shards per alarm run. */
const DISPATCH_BATCH = 50;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, doc TEXT NOT NULL,
     available INTEGER NOT NULL, category TEXT, updated INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS products_category ON products (category, available)`,
  `CREATE TABLE IF NOT EXISTS sales (id TEXT PRIMARY KEY, units INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS sold_orders (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS dispatch (id TEXT NOT NULL, shard INTEGER NOT NULL,
     product TEXT NOT NULL, job TEXT NOT NULL, PRIMARY KEY (id, shard)) WITHOUT ROWID`,
];

export class Catalog extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const s of SCHEMA) this.sql.exec(s);
  }

  /**
   * Stores each product (validated by the caller) and, for what the site's triggers need, queues
   * the fan-out of restocks and price drops. Restating a product unchanged writes nothing.
   */
  async upsert(
    site: string,
    products: CatalogProduct[],
    needs: CatalogNeeds,
    now: number,
  ): Promise<UpsertResult> {
    const result: UpsertResult = {
      received: products.length,
      changed: 0,
      price_drops: 0,
      back_in_stock: 0,
    };
    this.ctx.storage.transactionSync(() => {
      for (const p of products) {
        const before = this.product(p.id);
        const change = productChange(before, p);
        if (!change.changed) continue;
        result.changed++;
        this.sql.exec(
          `INSERT INTO products (id, doc, available, category, updated) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, available = excluded.available,
             category = excluded.category, updated = excluded.updated`,
          p.id,
          JSON.stringify(p),
          p.available ? 1 : 0,
          p.category ?? null,
          now,
        );
        if (change.backInStock && needs.backInStock) {
          result.back_in_stock++;
          this.queue(site, p.id, {
            kind: "back_in_stock",
            data: { product: factsOf(p) },
            at: now,
            since: 0,
          });
        }
        if (change.priceDrop && needs.priceDrop) {
          result.price_drops++;
          this.queue(site, p.id, {
            kind: "price_drop",
            data: { product: factsOf(p), ...change.priceDrop },
            at: now,
            since: now - needs.within,
          });
        }
      }
    });
    if (result.back_in_stock + result.price_drops > 0) await this.ctx.storage.setAlarm(Date.now());
    return result;
  }

  /** The stored products among `ids` (unknown ids are absent). */
  async lookup(ids: string[]): Promise<Record<string, CatalogProduct>> {
    const out: Record<string, CatalogProduct> = {};
    for (const id of new Set(ids.slice(0, 200))) {
      const p = this.product(id);
      if (p) out[id] = p;
    }
    return out;
  }

  /**
   * Up to `limit` available products to suggest beside `ids` (never one of `exclude`): their
   * `related` products first, then others of their categories, then the best sellers.
   */
  async recommend(ids: string[], exclude: string[], limit: number): Promise<CatalogProduct[]> {
    const out: CatalogProduct[] = [];
    const skip = new Set([...ids, ...exclude]);
    const take = (p: CatalogProduct | null) => {
      if (out.length < limit && p && p.available && !skip.has(p.id)) {
        out.push(p);
        skip.add(p.id);
      }
    };
    const known = ids.flatMap((id) => this.product(id) ?? []);
    for (const p of known) for (const r of p.related ?? []) take(this.product(r));
    const ranked = (where: string, ...args: (string | number)[]) =>
      this.sql
        .exec<{ doc: string }>(
          `SELECT p.doc FROM products p LEFT JOIN sales s ON s.id = p.id
           WHERE p.available = 1 ${where} ORDER BY coalesce(s.units, 0) DESC, p.id LIMIT ?`,
          ...args,
        )
        .toArray()
        .map((r) => JSON.parse(r.doc) as CatalogProduct);
    const room = () => limit + skip.size;
    for (const c of new Set(known.flatMap((p) => p.category ?? [])))
      if (out.length < limit) for (const p of ranked(`AND p.category = ?`, c, room())) take(p);
    if (out.length < limit) for (const p of ranked("", room())) take(p);
    return out;
  }

  /** What one email needs: the facts of the products it names and up to `limit` suggestions. */
  async forEmail(
    ids: string[],
    exclude: string[],
    limit: number,
  ): Promise<{ products: Record<string, CatalogProduct>; recommendations: CatalogProduct[] }> {
    if (this.sql.exec(`SELECT 1 FROM products LIMIT 1`).toArray().length === 0)
      return { products: {}, recommendations: [] };
    return {
      products: await this.lookup(ids),
      recommendations: await this.recommend(ids, exclude, limit),
    };
  }

  /** Counts verified orders' units per product, each order once. */
  async recordSales(sales: Sale[], now: number): Promise<number> {
    let counted = 0;
    this.ctx.storage.transactionSync(() => {
      for (const s of sales) {
        const fresh = this.sql.exec(
          `INSERT OR IGNORE INTO sold_orders (id, at) VALUES (?, ?)`,
          s.order_id,
          now,
        ).rowsWritten;
        if (!fresh) continue;
        counted++;
        for (const i of s.items)
          this.sql.exec(
            `INSERT INTO sales (id, units) VALUES (?, ?)
             ON CONFLICT(id) DO UPDATE SET units = units + excluded.units`,
            i.id,
            i.quantity,
          );
      }
      this.sql.exec(
        `DELETE FROM sold_orders WHERE id IN
           (SELECT id FROM sold_orders ORDER BY at DESC LIMIT -1 OFFSET ?)`,
        SOLD_ORDERS,
      );
    });
    return counted;
  }

  /** Products stored, and fan-out jobs not yet handed over. */
  async counts(): Promise<{ products: number; available: number; pending: number }> {
    const one = (q: string) => Number(this.sql.exec<{ n: number }>(q).one().n);
    return {
      products: one(`SELECT count(*) AS n FROM products`),
      available: one(`SELECT count(*) AS n FROM products WHERE available = 1`),
      pending: one(`SELECT count(*) AS n FROM dispatch`),
    };
  }

  /** Hands queued jobs to the watcher shards; what fails is tried again shortly. */
  override async alarm(): Promise<void> {
    const rows = this.sql
      .exec<{ id: string; shard: number; product: string; job: string }>(
        `SELECT id, shard, product, job FROM dispatch ORDER BY id, shard LIMIT ?`,
        DISPATCH_BATCH,
      )
      .toArray();
    let failed = false;
    await Promise.all(
      rows.map(async (r) => {
        const job = JSON.parse(r.job) as FanoutJob;
        try {
          await watcherStub(this.env, job.site, r.product, r.shard).fanout(job);
          this.sql.exec(`DELETE FROM dispatch WHERE id = ? AND shard = ?`, r.id, r.shard);
        } catch (err) {
          failed = true;
          log("warn", "catalog.dispatch_retry", { site: job.site, reason: errorMessage(err) });
        }
      }),
    );
    const more = this.sql.exec(`SELECT 1 FROM dispatch LIMIT 1`).toArray().length > 0;
    if (more) await this.ctx.storage.setAlarm(Date.now() + (failed ? 5_000 : 0));
  }

  private product(id: string): CatalogProduct | null {
    const row = this.sql
      .exec<{ doc: string }>(`SELECT doc FROM products WHERE id = ?`, id)
      .toArray()[0];
    return row ? (JSON.parse(row.doc) as CatalogProduct) : null;
  }

  /** One job per watcher shard of `product`, under a fresh id (the catalog's change counter). */
  private queue(site: string, product: string, job: Omit<FanoutJob, "id" | "site">): void {
    const gen =
      Number(
        this.sql
          .exec<{ v: number }>(
            `INSERT INTO meta (k, v) VALUES ('gen', 1) ON CONFLICT(k) DO UPDATE SET v = v + 1
             RETURNING v`,
          )
          .one().v,
      ) || 1;
    const id = `${job.kind === "price_drop" ? "pd" : "bis"}-${site.slice(0, 40)}-${gen}`;
    const full: FanoutJob = { ...job, id, site };
    for (let shard = 0; shard < WATCHER_SHARDS; shard++)
      this.sql.exec(
        `INSERT INTO dispatch (id, shard, product, job) VALUES (?, ?, ?, ?)`,
        id,
        shard,
        product,
        JSON.stringify(full),
      );
  }
}

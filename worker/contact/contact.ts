// The Contact Durable Object: one per (site, contact hash of the normalised email). Owns
// suppression, the cross-trigger frequency cap, the send ledger that makes every (site, trigger,
// episode, step) exactly-once in effect, the links to the person's visitors and the touches
// attribution needs. A thin shell over policy.ts and record.ts (pure), delivery.ts (one due
// step: decide, render, pace, send and record its facts), subscription.ts (unsubscribe,
// resubscribe, suppression) and conversion.ts (purchases), each through host.ts.
//
// Every state change is load → pure function → save with no await in between, so a concurrent
// unsubscribe is never overwritten by a send that was in flight. Deliveries run one at a time.
import { DurableObject } from "cloudflare:workers";
import { loadSiteConfig } from "../config/load.ts";
import type { SiteConfig } from "../config/schema.ts";
import { stepKey } from "../engine/index.ts";
import { log } from "../lib/log.ts";
import { humanStep } from "../lib/step.ts";
import { visitorStub } from "../lib/stubs.ts";
import { addTouch } from "../stats/attribution.ts";
import { recordStats } from "../stats/record.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import type { RoutedServerEvent } from "../ingest/server-events.ts";
import { deliverStep } from "./delivery.ts";
import { DEFAULT_WINDOW_MS, recordPurchase, type Order } from "./conversion.ts";
import type { ContactHost } from "./host.ts";
import { forwardToVisitors } from "./forward.ts";
import { recordMailEvent } from "./mail-events.ts";
import { resubscribeNow, unsubscribeNow } from "./subscription.ts";
import { contactTimeline } from "./timeline.ts";
import type { TimelineEntry } from "../timeline/entry.ts";
import type { DeliverOutcome, DeliverRequest, EngagementRef, MailEvent } from "./protocol.ts";
import {
  freshRecord,
  snapshotOf,
  serverVid,
  engagementStats,
  touchOf,
  verifiedBy,
  withServerEvents,
  type ContactRecord,
  type ContactSnapshot,
  type VerifiedVia,
} from "./record.ts";

export class Contact extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID`,
    );
    // The person's visitors (devices), however many: erasure reaches every one.
    sql.exec(
      `CREATE TABLE IF NOT EXISTS visitors (vid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
    );
    this.migrateVids();
  }

  /** Decides, renders and sends one step. Safe to call again with the same key. */
  deliver(req: DeliverRequest): Promise<DeliverOutcome> {
    const run = this.queue.then(() => deliverStep(this.host(), req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Records that `vid` belongs to this person (identify, form submit, email link). Says whether
   * the address is verified, so the visitor releases steps it holds for a confirmation.
   */
  async link(
    site: string,
    contact: string,
    email: string,
    vid: string,
    via?: VerifiedVia,
  ): Promise<{ verified: boolean }> {
    if (this.erased()) {
      log("info", "contact.link_refused", { site, contact, vid, reason: "erased" });
      return { verified: false };
    }
    const rec = this.mutate(site, email, (r) => r);
    this.addVisitor(vid);
    log("info", "contact.linked", { site, contact, vid });
    // The visitor's identify was vouched for (user_hash, the store's backend): so is the person.
    if (via && !rec.verified) await this.verify(site, contact, via, vid);
    return { verified: Boolean(rec.verified) || via !== undefined };
  }

  /**
   * Events the store's systems sent about this person (POST /v1/events, by email): each event id
   * once. The address is verified (the store vouches for it); unsubscribe and resubscribe act
   * here; a purchase is verified revenue; the engine events go to every linked visitor and to
   * the person's server-side visitor, where the episodes they start share one id, so each step
   * is sent once whichever device runs it.
   */
  async serverEvents(
    site: string,
    contact: string,
    email: string,
    batch: RoutedServerEvent[],
    /** The worker's public origin the events reached it on (links in the emails they cause). */
    base: string | null = null,
  ): Promise<{ accepted: number; duplicates: number }> {
    if (this.erased()) {
      // A tombstone: nothing about the person is stored again, nothing is sent.
      log("info", "contact.server_events_refused", { site, contact, reason: "erased" });
      return { accepted: batch.length, duplicates: 0 };
    }
    const now = Date.now();
    let fresh: RoutedServerEvent[] = [];
    let wasVerified = false;
    this.mutate(site, email, (r) => {
      const seen = new Set(r.serverEvents ?? []);
      fresh = batch.filter((b) => !seen.has(b.id) && seen.add(b.id));
      wasVerified = Boolean(r.verified);
      return verifiedBy(
        withServerEvents(
          r,
          fresh.map((b) => b.id),
        ),
        "server",
        now,
      );
    });
    if (fresh.length === 0) return { accepted: 0, duplicates: batch.length };
    if (!wasVerified) log("info", "contact.verified", { site, contact, via: "server" });
    this.addVisitor(serverVid(contact));
    for (const b of fresh) {
      if (b.action?.kind === "unsubscribe")
        await unsubscribeNow(this.host(), site, contact, email, b.action.topic);
      if (b.action?.kind === "resubscribe")
        resubscribeNow(this.host(), site, contact, email, b.action.topic);
      if (b.purchase) await this.purchase(site, contact, { ...b.purchase, verified: true });
    }
    const events = fresh.flatMap((b) => b.events);
    // First the address (verified; the server-side visitor takes it), then what happened.
    const verified: NudgeEvent = {
      id: "verified.server",
      name: "contact_verified",
      at: now,
      data: { email },
    };
    await forwardToVisitors(this.env, site, contact, this.visitors(), [verified, ...events], {
      base,
    });
    return { accepted: fresh.length, duplicates: batch.length - fresh.length };
  }

  /**
   * Someone vouched for the address (a confirmed opt-in, a click on our link): from now on it is
   * verified, and every linked visitor is told at once, so steps held for it go out. Nothing for
   * an erased person or one we never wrote to. Telling the visitors again is harmless (their
   * engine ignores a repeat), so a confirmation that failed part-way can be repeated.
   */
  async verify(
    site: string,
    contact: string,
    via: VerifiedVia,
    except?: string,
  ): Promise<{ ok: boolean; changed: boolean }> {
    const existing = this.load();
    if (this.erased() || !existing) return { ok: false, changed: false };
    const now = Date.now();
    let changed = false;
    const rec = this.mutate(site, existing.email, (r) => {
      const next = verifiedBy(r, via, now);
      changed = next !== r;
      return next;
    });
    if (changed) log("info", "contact.verified", { site, contact, via });
    const event: NudgeEvent = {
      id: `verified.${now.toString(36)}`,
      name: "contact_verified",
      at: now,
      data: { email: rec.email },
    };
    await forwardToVisitors(this.env, site, contact, this.visitors(), [event], { except });
    return { ok: true, changed };
  }

  /** An open or click from one of our links: stats, attribution touch, and the visitor event. */
  async engage(
    kind: "open" | "click",
    contact: string,
    ref: EngagementRef,
    href: string | null,
  ): Promise<{ email: string } | null> {
    const existing = this.load();
    if (!existing) return null; // erased, or never sent: nothing to attribute it to
    const now = Date.now();
    const window = await this.attributionWindow(ref.site);
    const touch = touchOf(ref, "treated", kind, now);
    const rec = this.mutate(ref.site, existing.email, (r) => ({
      ...r,
      touches: addTouch(r.touches, touch, window),
    }));
    const key = stepKey(ref.site, ref.trigger, ref.episode, ref.step);
    // Counted once per send, and only for a send the ledger holds (record.ts engagementStats).
    await recordStats(this.env, engagementStats(rec, key, ref, kind, contact));
    log("info", kind === "open" ? "email.opened" : "email.clicked", {
      site: ref.site,
      contact,
      trigger: ref.trigger,
      step: humanStep(ref.step),
      variant: ref.variant,
    });
    // A click proves the person reads this inbox: the address is verified from now on.
    if (kind === "click" && !rec.verified) await this.verify(ref.site, contact, "click");
    const vid = rec.sentFrom[key];
    if (vid) {
      const { site, ...data } = ref;
      const minute = Math.floor(now / 60_000);
      await visitorStub(this.env, site, vid).ingest({
        site,
        vid,
        tz: null,
        base: null,
        events: [
          kind === "open"
            ? { id: `open.${key}`, name: "email_open", at: now, data }
            : {
                id: `click.${key}.${minute}`,
                name: "email_click",
                at: now,
                data: { ...data, href: href ?? "" },
              },
        ],
      });
    }
    return { email: rec.email };
  }

  /** A purchase by this person: last-touch credit and episode conversions (conversion.ts). */
  async purchase(site: string, contact: string, order: Order): Promise<void> {
    await recordPurchase(this.host(), site, contact, order);
  }

  /** Unsubscribe (one-click or page): from all marketing email, or with `topic` from that kind
   * of email alone. Takes effect for every later delivery at once. */
  async unsubscribe(site: string, contact: string, topic?: string): Promise<{ changed: boolean }> {
    if (this.erased()) return { changed: false }; // erased: nobody is written to any more
    return unsubscribeNow(this.host(), site, contact, this.load()?.email ?? "", topic);
  }

  /** The person asked to be written to again (the button on the unsubscribe page): lifts an
   * unsubscribe (never a bounce or a complaint), or with `topic` that kind of email's opt-out.
   * Nothing for an erased or unknown person. */
  async resubscribe(site: string, contact: string, topic?: string): Promise<{ ok: boolean }> {
    const rec = this.load();
    if (this.erased() || !rec) return { ok: false };
    resubscribeNow(this.host(), site, contact, rec.email, topic);
    return { ok: true };
  }

  /** The address behind an identity token (null when erased or unknown). */
  async emailOf(): Promise<string | null> {
    return this.load()?.email || null;
  }

  /** A verified Resend webhook event for this contact (mail-events.ts). */
  async mailEvent(site: string, contact: string, email: string, ev: MailEvent) {
    return recordMailEvent(this.host(), site, contact, email, ev);
  }

  /** What happened to this person as this object knows it (timeline.ts), and their visitors. */
  async timeline(): Promise<{ entries: TimelineEntry[]; visitors: string[] } | null> {
    const rec = this.load();
    return rec ? { entries: contactTimeline(rec), visitors: this.visitors() } : null;
  }

  async snapshot(contact: string): Promise<ContactSnapshot | null> {
    const rec = this.load();
    return rec ? snapshotOf(rec, contact, this.visitors()) : null;
  }

  /**
   * Erasure: every row, then a tombstone (no address, only this object's keyed name) so a late
   * event, link or webhook cannot bring the person back and nothing is sent to them again.
   * Returns the address and every linked visitor id, for the caller to erase those too.
   */
  async erase(): Promise<{ email: string | null; visitors: string[] }> {
    const out = { email: this.load()?.email || null, visitors: this.visitors() };
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec(`DELETE FROM state`);
      sql.exec(`DELETE FROM visitors`);
      sql.exec(
        `INSERT INTO state (k, v) VALUES ('tombstone', ?)`,
        JSON.stringify({ at: Date.now() }),
      );
    });
    return out;
  }

  // ---- internals ----

  private host(): ContactHost {
    return {
      env: this.env,
      config: (site) => this.config(site),
      load: () => this.load(),
      mutate: (site, email, fn) => this.mutate(site, email, fn),
      erased: () => this.erased(),
      addVisitor: (vid) => this.addVisitor(vid),
    };
  }

  private erased(): boolean {
    return (
      this.ctx.storage.sql.exec(`SELECT 1 FROM state WHERE k = 'tombstone'`).toArray().length > 0
    );
  }

  private addVisitor(vid: string): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO visitors (vid, at) VALUES (?, ?) ON CONFLICT (vid) DO NOTHING`,
      vid,
      Date.now(),
    );
  }

  private visitors(): string[] {
    return this.ctx.storage.sql
      .exec<{ vid: string }>(`SELECT vid FROM visitors ORDER BY at, vid`)
      .toArray()
      .map((r) => r.vid);
  }

  /** Records stored before the visitors table kept their (at most 50) vids inside. */
  private migrateVids(): void {
    const rec = this.load() as (ContactRecord & { vids?: string[] }) | null;
    if (!rec?.vids) return;
    const { vids, ...rest } = rec;
    for (const vid of vids) this.addVisitor(vid);
    this.ctx.storage.sql.exec(`UPDATE state SET v = ? WHERE k = 'contact'`, JSON.stringify(rest));
  }

  private async config(site: string): Promise<SiteConfig | null> {
    const r = await loadSiteConfig(this.env.NUDGE_CONFIG, site);
    return r.ok ? r.config : null;
  }

  private async attributionWindow(site: string): Promise<number> {
    return (await this.config(site))?.attributionWindow ?? DEFAULT_WINDOW_MS;
  }

  private load(): ContactRecord | null {
    const row = this.ctx.storage.sql
      .exec<{ v: string }>(`SELECT v FROM state WHERE k = 'contact'`)
      .toArray()[0];
    return row ? (JSON.parse(row.v) as ContactRecord) : null;
  }

  /** Synchronous read-modify-write (no await inside, so nothing interleaves). */
  private mutate(
    site: string,
    email: string,
    fn: (r: ContactRecord) => ContactRecord,
  ): ContactRecord {
    const loaded = this.load();
    const cur = loaded ? (loaded.email ? loaded : { ...loaded, email }) : freshRecord(site, email);
    const next = fn(cur);
    if (next === cur && loaded) return next;
    this.ctx.storage.sql.exec(
      `INSERT INTO state (k, v) VALUES ('contact', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
      JSON.stringify(next),
    );
    return next;
  }
}

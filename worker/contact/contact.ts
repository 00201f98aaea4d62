// The Contact Durable Object: one per (site, contact hash of the normalised email). Owns
// suppression, the cross-trigger frequency cap, the send ledger that makes every
// (site, trigger, episode, step) exactly-once in effect, the links to the person's visitors and
// the touches attribution needs. A thin shell over policy.ts, attribution.ts and the mail layer.
//
// Every state change is load → pure function → save with no await in between, so a concurrent
// unsubscribe is never overwritten by a send that was in flight. Deliveries run one at a time.
import { DurableObject } from "cloudflare:workers";
import { loadSiteConfig } from "../config/load.ts";
import type { SiteConfig } from "../config/schema.ts";
import { stepKey } from "../engine/effects.ts";
import { log } from "../lib/log.ts";
import { visitorStub } from "../lib/stubs.ts";
import { makeLinkSigner } from "../mail/links.ts";
import {
  OutboxSender,
  SqlOutboxStore,
  type OutboxRecord,
  type OutboxStore,
} from "../mail/outbox-sender.ts";
import { parseTemplateOverride, renderEmail } from "../mail/render.ts";
import { ResendSender } from "../mail/resend-sender.ts";
import { newBucket, reserve, type Bucket } from "../mail/retry.ts";
import type { Sender } from "../mail/sender.ts";
import {
  addTouch,
  attribute,
  emptyTouches,
  type Touch,
  type Touches,
} from "../stats/attribution.ts";
import { recordStats } from "../stats/record.ts";
import type { Group, StatEvent } from "../stats/types.ts";
import { templateContextOf } from "./context.ts";
import {
  decide,
  emptyContact,
  pruneLedger,
  recordFailed,
  recordSent,
  recordSkipped,
  suppress,
  type ContactState,
  type SendRequest,
  type SuppressReason,
} from "./policy.ts";
import type { DeliverOutcome, DeliverRequest, EngagementRef, MailEvent } from "./protocol.ts";

interface ContactRecord {
  site: string;
  email: string;
  policy: ContactState;
  /** Visitor ids (devices) known to belong to this person, newest last. */
  vids: string[];
  /** Ledger key → the visitor whose episode sent it (email_open/click go back there). */
  sentFrom: Record<string, string>;
  touches: Touches;
  /** Recent svix-ids, so a redelivered webhook changes nothing. */
  webhooks: string[];
}

export interface ContactSnapshot {
  site: string;
  contact: string;
  email: string;
  suppressed: ContactState["suppressed"];
  sends: ({ key: string } & ContactState["ledger"][string])[];
  visitors: string[];
}

const MAX_VIDS = 50;
const MAX_WEBHOOK_IDS = 500;
/** Ledger keys are kept this long (longer than any episode can live). */
const LEDGER_MAX_AGE_MS = 400 * 86_400_000;
/** Name of the one object that keeps the dev outbox (only used without RESEND_API_KEY). */
export const DEV_OUTBOX = "_dev:outbox";
/** Name of the one object that paces provider calls to the account's rate limit. */
export const PACER = "_pacer";
/** Longest a send waits in line for a slot; beyond that it is retried later (never dropped). */
const MAX_PACE_WAIT_MS = 5_000;
/** Resend's default account limit is 2 requests per second; RESEND_RATE_LIMIT raises it. */
const DEFAULT_RATE_PER_SEC = 2;

export class Contact extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();
  /** Only on the PACER object: the account-wide token bucket (in memory; a restart refills it). */
  private bucket: Bucket | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID`,
    );
  }

  /** Decides, renders and sends one step. Safe to call again with the same key. */
  deliver(req: DeliverRequest): Promise<DeliverOutcome> {
    const run = this.queue.then(() => this.deliverNow(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Records that `vid` belongs to this person (identify, form submit, email link). */
  async link(site: string, contact: string, email: string, vid: string): Promise<void> {
    this.mutate(site, email, (r) => ({ ...r, vids: withVid(r.vids, vid) }));
    log("info", "contact.linked", { site, contact, vid });
  }

  /** An open or click from one of our links: stats, attribution touch, and the visitor event. */
  async engage(
    kind: "open" | "click",
    contact: string,
    ref: EngagementRef,
    href: string | null,
  ): Promise<{ email: string } | null> {
    const rec = this.load();
    if (!rec) return null; // erased, or never sent: nothing to attribute it to
    const now = Date.now();
    const config = await this.config(ref.site);
    const key = stepKey(ref.site, ref.trigger, ref.episode, ref.step);
    const window = config?.attributionWindow ?? 5 * 86_400_000;
    const touch = touchOf(ref, "treated", kind, now);
    this.mutate(ref.site, rec.email, (r) => ({
      ...r,
      touches: addTouch(r.touches, touch, window),
    }));
    await recordStats(this.env, [
      {
        ...statRef(ref.site, ref, "treated", now, contact),
        metric: kind === "open" ? "opened" : "clicked",
        unique: `${key}:${kind}`,
      },
    ]);
    log("info", kind === "open" ? "email.opened" : "email.clicked", {
      site: ref.site,
      contact,
      trigger: ref.trigger,
      step: ref.step,
      variant: ref.variant,
    });
    const vid = rec.sentFrom[key];
    if (!vid) return { email: rec.email };
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
    return { email: rec.email };
  }

  /** A purchase by this person: last-touch credit and episode conversions for lift. */
  async purchase(
    site: string,
    contact: string,
    order: { id: string; value: number; currency: string; at: number },
  ): Promise<void> {
    const rec = this.load();
    if (!rec) return;
    const config = await this.config(site);
    const window = config?.attributionWindow ?? 5 * 86_400_000;
    const a = attribute(rec.touches, order.at, window);
    this.mutate(site, rec.email, (r) => ({
      ...r,
      touches: attribute(r.touches, order.at, window).touches,
    }));
    const money = { value: order.value, currency: order.currency };
    const events: StatEvent[] = a.episodes.map((t) => ({
      ...statRef(site, t, t.group, order.at, contact),
      step: null,
      metric: "episode_converted",
      unique: `${t.episode}:converted`,
      ...money,
    }));
    if (a.credit) {
      events.push({
        ...statRef(site, a.credit, "treated", order.at, contact),
        metric: "converted",
        unique: `${site}:order:${order.id}`,
        ...money,
      });
      log("info", "conversion.attributed", {
        site,
        contact,
        trigger: a.credit.trigger,
        step: a.credit.step,
        variant: a.credit.variant,
        via: a.credit.kind,
      });
    }
    await recordStats(this.env, events);
  }

  /** Unsubscribe (one-click or page). Takes effect for every later delivery at once. */
  async unsubscribe(site: string, contact: string): Promise<{ changed: boolean }> {
    return this.suppressNow(site, contact, this.load()?.email ?? "", "unsubscribed", null);
  }

  /** The address behind an identity token (null when erased or unknown). */
  async emailOf(): Promise<string | null> {
    return this.load()?.email || null;
  }

  /** A verified Resend webhook event for this contact. Duplicate svix-ids change nothing. */
  async mailEvent(site: string, contact: string, email: string, ev: MailEvent) {
    const rec = this.load();
    if (rec?.webhooks.includes(ev.svixId)) return { duplicate: true };
    this.mutate(site, email, (r) => ({
      ...r,
      webhooks: [...r.webhooks, ev.svixId].slice(-MAX_WEBHOOK_IDS),
    }));
    const now = Date.now();
    const base = ev.ref
      ? statRef(site, ev.ref, "treated", now, contact)
      : siteRef(site, now, contact);
    const key = ev.ref ? stepKey(site, ev.ref.trigger, ev.ref.episode, ev.ref.step) : ev.svixId;
    if (ev.type === "bounced" || ev.type === "complained") {
      await recordStats(this.env, [{ ...base, metric: ev.type, unique: `${key}:${ev.type}` }]);
      if (ev.type === "complained" || ev.permanent) {
        await this.suppressNow(site, contact, email, ev.type, null);
      }
    } else {
      const metric = ev.type === "delivered" ? "delivered" : ev.type;
      const kind = ev.type === "opened" ? "open" : ev.type === "clicked" ? "click" : "delivered";
      await recordStats(this.env, [{ ...base, metric, unique: `${key}:${kind}` }]);
    }
    return { duplicate: false };
  }

  async snapshot(contact: string): Promise<ContactSnapshot | null> {
    const rec = this.load();
    if (!rec) return null;
    return {
      site: rec.site,
      contact,
      email: rec.email,
      suppressed: rec.policy.suppressed,
      sends: Object.entries(rec.policy.ledger).map(([key, e]) => ({ key, ...e })),
      visitors: rec.vids,
    };
  }

  /** Erasure: every row; returns the linked visitor ids so the caller can erase them too. */
  async erase(): Promise<string[]> {
    const vids = this.load()?.vids ?? [];
    this.ctx.storage.sql.exec(`DELETE FROM state`);
    return vids;
  }

  // ---- dev outbox (only on the DEV_OUTBOX object) ----

  async outboxInsert(record: OutboxRecord): Promise<OutboxRecord> {
    return this.outbox().insert(record);
  }
  async outboxList(limit: number): Promise<OutboxRecord[]> {
    return this.outbox().list(limit);
  }
  async outboxGet(id: string): Promise<OutboxRecord | null> {
    return this.outbox().get(id);
  }

  // ---- pacing (only on the PACER object) ----

  /** Books the next provider slot: wait `waitMs` then send, or retry later if the line is long. */
  async reserveSlot(
    ratePerSec: number,
    maxWaitMs: number,
  ): Promise<{ ok: true; waitMs: number } | { ok: false; retryAfterMs: number }> {
    const cfg = { ratePerSec, burst: Math.max(1, Math.floor(ratePerSec)) };
    const now = Date.now();
    const r = reserve(this.bucket ?? newBucket(cfg, now), cfg, now);
    if (r.waitMs > maxWaitMs) return { ok: false, retryAfterMs: r.waitMs };
    this.bucket = r.bucket;
    return { ok: true, waitMs: r.waitMs };
  }

  // ---- internals ----

  private async deliverNow(req: DeliverRequest): Promise<DeliverOutcome> {
    const { site, contact, effect } = req;
    const now = Date.now();
    const config = await this.config(site);
    if (!config) return { status: "retry", afterMs: 60_000, reason: "config_unavailable" };
    const group: Group = effect.holdout ? "holdout" : "treated";
    const ref = statRef(site, effect, group, now, contact);
    const sendReq: SendRequest = {
      key: effect.key,
      marketing: effect.marketing,
      frequencyCap: effect.frequencyCap,
      capMs: config.frequencyCap === false ? null : config.frequencyCap,
      now,
    };
    const before = this.mutate(site, effect.email, (r) => ({
      ...r,
      vids: withVid(r.vids, req.vid),
    }));
    const d = decide(before.policy, sendReq);
    if (d.action === "duplicate") return { status: "duplicate" };
    if (d.action === "skip") {
      this.mutate(site, effect.email, (r) => ({
        ...r,
        policy: recordSkipped(r.policy, effect.key, now, d.reason),
      }));
      await recordStats(this.env, [{ ...ref, metric: "skipped", reason: d.reason }]);
      return { status: "skipped", reason: d.reason };
    }
    const window = config.attributionWindow;
    if (effect.holdout) {
      // Control group: nothing is sent, but the episode is measured as if it had been.
      const touch = touchOf(effect, group, "sent", now);
      this.mutate(site, effect.email, (r) => ({
        ...r,
        policy: recordSkipped(r.policy, effect.key, now, "holdout"),
        touches: addTouch(r.touches, touch, window),
      }));
      await recordStats(this.env, [{ ...ref, metric: "sent", unique: effect.key }]);
      return { status: "skipped", reason: "holdout" };
    }
    const rendered = await this.render(req, config, now);
    if (!rendered.ok) {
      this.mutate(site, effect.email, (r) => ({
        ...r,
        policy: recordFailed(r.policy, effect.key, now, rendered.reason),
      }));
      log("error", "template.failed", {
        site,
        contact,
        trigger: effect.trigger,
        reason: rendered.message,
      });
      await recordStats(this.env, [{ ...ref, metric: "failed", reason: rendered.reason }]);
      return { status: "failed", reason: rendered.reason };
    }
    // Re-check after the awaits: an unsubscribe may have landed while we rendered.
    const now2 = Date.now();
    const recheck = decide(this.load()?.policy ?? before.policy, { ...sendReq, now: now2 });
    if (recheck.action !== "send") {
      if (recheck.action === "duplicate") return { status: "duplicate" };
      this.mutate(site, effect.email, (r) => ({
        ...r,
        policy: recordSkipped(r.policy, effect.key, now2, recheck.reason),
      }));
      await recordStats(this.env, [{ ...ref, metric: "skipped", reason: recheck.reason }]);
      return { status: "skipped", reason: recheck.reason };
    }
    if (this.env.RESEND_API_KEY) {
      const slot = await pacer(this.env).reserveSlot(rateLimit(this.env), MAX_PACE_WAIT_MS);
      if (!slot.ok) return { status: "retry", afterMs: slot.retryAfterMs, reason: "paced" };
      if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
    }
    const result = await this.sender().send({
      idempotencyKey: effect.key,
      from: config.from,
      to: effect.email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: rendered.headers,
      tags: [
        { name: "site", value: site },
        { name: "contact", value: contact },
        { name: "trigger", value: effect.trigger },
        { name: "episode", value: effect.episode },
        { name: "step", value: String(effect.step) },
        { name: "variant", value: effect.variant === null ? "none" : String(effect.variant) },
      ],
    });
    const at = Date.now();
    if (!result.ok) {
      if (result.retryable) {
        return { status: "retry", afterMs: result.retryAfterMs ?? 0, reason: result.reason };
      }
      this.mutate(site, effect.email, (r) => ({
        ...r,
        policy: recordFailed(r.policy, effect.key, at, result.reason),
      }));
      await recordStats(this.env, [{ ...ref, metric: "failed", reason: result.reason }]);
      return { status: "failed", reason: result.reason };
    }
    const touch = touchOf(effect, group, "sent", at);
    this.mutate(site, effect.email, (r) => ({
      ...r,
      policy: pruneLedger(
        recordSent(r.policy, { ...sendReq, now: at }, result.id),
        at,
        LEDGER_MAX_AGE_MS,
      ),
      sentFrom: { ...r.sentFrom, [effect.key]: req.vid },
      touches: addTouch(r.touches, touch, window),
    }));
    await recordStats(this.env, [{ ...ref, at, metric: "sent", unique: effect.key }]);
    return { status: "sent", id: result.id };
  }

  private async render(req: DeliverRequest, config: SiteConfig, now: number) {
    const { site, contact, effect } = req;
    const override = await this.env.NUDGE_CONFIG.get(`template:${site}:${effect.template}`);
    const signer = makeLinkSigner(
      this.env.NUDGE_SECRET,
      req.base,
      {
        site,
        contact,
        email: effect.email,
        trigger: effect.trigger,
        episode: effect.episode,
        step: effect.step,
        variant: effect.variant,
      },
      now,
    );
    return renderEmail({
      template: effect.template,
      subject: effect.subject,
      context: templateContextOf(effect, config),
      marketing: effect.marketing,
      signer,
      allowedOrigins: config.origins,
      overrides: parseTemplateOverride(effect.template, override),
    });
  }

  private sender(): Sender {
    const key = this.env.RESEND_API_KEY;
    if (key) {
      const baseUrl = this.env.RESEND_BASE_URL;
      return new ResendSender({ apiKey: key, ...(baseUrl ? { baseUrl } : {}) });
    }
    return new OutboxSender(devOutbox(this.env));
  }

  private async suppressNow(
    site: string,
    contact: string,
    email: string,
    reason: SuppressReason,
    trigger: string | null,
  ): Promise<{ changed: boolean }> {
    const now = Date.now();
    const before = this.load()?.policy.suppressed ?? null;
    const after = this.mutate(site, email, (r) => ({
      ...r,
      policy: suppress(r.policy, reason, now),
    }));
    const changed = after.policy.suppressed !== before && after.policy.suppressed?.at === now;
    if (!changed) return { changed: false };
    log("info", reason === "unsubscribed" ? "contact.unsubscribed" : "contact.suppressed", {
      site,
      contact,
      reason,
      ...(trigger ? { trigger } : {}),
    });
    if (reason === "unsubscribed") {
      await recordStats(this.env, [
        { ...siteRef(site, now, contact), metric: "unsubscribed", unique: `${contact}:unsub` },
      ]);
    }
    return { changed: true };
  }

  private outbox(): OutboxStore {
    return new SqlOutboxStore(this.ctx.storage.sql);
  }

  private async config(site: string): Promise<SiteConfig | null> {
    const r = await loadSiteConfig(this.env.NUDGE_CONFIG, site);
    return r.ok ? r.config : null;
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
    const cur = loaded ? (loaded.email ? loaded : { ...loaded, email }) : fresh(site, email);
    const next = fn(cur);
    this.ctx.storage.sql.exec(
      `INSERT INTO state (k, v) VALUES ('contact', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
      JSON.stringify(next),
    );
    return next;
  }
}

function fresh(site: string, email: string): ContactRecord {
  return {
    site,
    email,
    policy: emptyContact(""),
    vids: [],
    sentFrom: {},
    touches: emptyTouches(),
    webhooks: [],
  };
}

function withVid(vids: string[], vid: string): string[] {
  return [...vids.filter((v) => v !== vid), vid].slice(-MAX_VIDS);
}

type StepRef = { trigger: string; episode: string; step: number; variant: number | null };

function statRef(
  site: string,
  r: StepRef,
  group: Group,
  at: number,
  contact: string,
): Omit<StatEvent, "metric"> {
  return {
    site,
    trigger: r.trigger,
    step: r.step,
    variant: r.variant,
    group,
    at,
    contact,
  };
}

function touchOf(r: StepRef, group: Group, kind: Touch["kind"], at: number): Touch {
  return {
    trigger: r.trigger,
    episode: r.episode,
    step: r.step,
    variant: r.variant,
    group,
    kind,
    at,
  };
}

function siteRef(site: string, at: number, contact: string) {
  return { site, trigger: "", step: null, variant: null, group: "treated" as const, at, contact };
}

function pacer(env: Env) {
  return env.CONTACTS.get(env.CONTACTS.idFromName(PACER));
}

function rateLimit(env: Env): number {
  const n = Number(env.RESEND_RATE_LIMIT);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : DEFAULT_RATE_PER_SEC;
}

/** The dev outbox lives in one Contact object; only used when RESEND_API_KEY is absent. */
export function devOutbox(env: Env): OutboxStore {
  const stub = () => env.CONTACTS.get(env.CONTACTS.idFromName(DEV_OUTBOX));
  return {
    insert: (r) => stub().outboxInsert(r),
    list: (n) => stub().outboxList(n),
    get: (id) => stub().outboxGet(id),
  };
}

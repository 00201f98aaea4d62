// The Visitor Durable Object: one per (site, visitor id). A thin shell: it loads the state,
// hands events and alarms to the pure engine, persists state and effects in one transaction
// (the outbox), records the engine's facts, keeps one alarm at the earliest due time and
// performs effects via runner.ts; what it tells other objects after a batch is in calls.ts.
import { DurableObject } from "cloudflare:workers";
import { loadSiteConfig } from "../config/load.ts";
import type { SiteConfig } from "../config/schema.ts";
import {
  apply,
  changedFrom,
  expiresAt,
  initialState,
  wake,
  type Effect,
  type Fact,
  type VisitorState,
} from "../engine/index.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import type { Order } from "../contact/conversion.ts";
import type { VerifiedVia } from "../contact/record.ts";
import { contactHash } from "../lib/crypto.ts";
import { log } from "../lib/log.ts";
import { contactStub } from "../lib/stubs.ts";
import { recordFacts } from "../stats/facts.ts";
import type { StatsUsage } from "../stats/record.ts";
import type { TimelineEntry } from "../timeline/entry.ts";
import { activityOf, appendActivity, eventEntry, factEntries, outcomeEntry } from "./activity.ts";
import { keepsAlarm } from "./alarm.ts";
import { notifyContact, registerInterest } from "./calls.ts";
import { runEffect, type RunnerHost } from "./runner.ts";
import { stageLog } from "../lib/stage-log.ts";
import { sqlStore, type Store } from "./storage.ts";
import { postWebhook } from "./webhook.ts";

/** The base of links in emails when neither PUBLIC_URL nor an origin is known: `wrangler dev`'s. */
const LOCAL_BASE = "http://127.0.0.1:8787";

export interface IngestInput {
  site: string;
  vid: string;
  tz: string | null;
  /** Origin the batch reached the worker on (links in email point there unless PUBLIC_URL). */
  base: string | null;
  events: NudgeEvent[];
  /** Sent by the person's Contact object (it already knows): nothing is reported back to it. */
  fromContact?: true;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rowsWritten: number;
  /** SQLite rows the object read for this batch (billed, at a thousandth of a write). */
  rowsRead: number;
  /** Alarm writes (setAlarm) this batch caused: billed like rows, counted for the bench. */
  alarmsSet: number;
  /** Calls to the products' watcher objects (interest for catalog triggers) and their rows. */
  watcherCalls: number;
  watcherRowsWritten: number;
}

/** Events about something that happened before: for an unknown visitor they are no news. */
const ABOUT_THE_PAST = new Set(["contact_verified", "back_in_stock", "price_drop"]);

/** Effects performed per alarm run; the rest wait for the next run (scheduled at once). */
const DRAIN_LIMIT = 25;

export class Visitor extends DurableObject<Env> {
  private readonly store: Store;
  /** The public origin last seen at ingest (for links in email), as load() read it from the
   * state row or a batch brought it since; written with the state row. */
  private knownBase: string | null = null;
  /** The activity stored in the state row, as the last load() read it (every write of the row
   * goes through stateRow, which keeps this in step): a commit does not read the row again. */
  private storedActivity: TimelineEntry[] = [];
  /** setAlarm calls since the object started (the bench reads the difference per batch). */
  private alarmsSet = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = sqlStore(ctx.storage.sql);
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    const config = await this.config(input.site);
    const before = this.store.rowsWritten;
    const readBefore = this.store.rowsRead;
    const alarmsBefore = this.alarmsSet;
    const now = Date.now();
    const stored = this.load();
    if (!stored && input.events.every((e) => ABOUT_THE_PAST.has(e.name)))
      // News for a visitor that expired or was erased (a confirmation, a restock or price drop it
      // asked about): nothing to release or tell, nothing kept.
      return {
        accepted: 0,
        duplicates: 0,
        rowsWritten: 0,
        rowsRead: 0,
        alarmsSet: 0,
        watcherCalls: 0,
        watcherRowsWritten: 0,
      };
    let state = stored ?? initialState(input.site, input.vid, now);
    const emailBefore = state.profile.email;
    const verifiedBefore = state.profile.verified === true;
    const purchases: Order[] = [];
    let via: VerifiedVia | undefined;
    const effects: Effect[] = [];
    const facts: Fact[] = [];
    const applied: NudgeEvent[] = [];
    let accepted = 0;
    let duplicates = 0;
    let nextDue: number | null = null;
    for (const e of input.events) {
      const r = apply(state, e, config, now, input.tz);
      if (r.duplicate) {
        duplicates++;
        nextDue = r.nextDue;
        continue;
      }
      accepted++;
      applied.push(e);
      state = r.state;
      if (e.name === "purchase" && !e.custom) {
        purchases.push({
          id: e.data.order_id,
          value: e.data.value,
          currency: e.data.currency,
          at: e.at,
          verified: e.verified === "server",
        });
      }
      if ((e.name === "identify" || e.name === "form_submit") && !e.custom && e.verified)
        via = e.verified;
      effects.push(...r.effects);
      facts.push(...r.facts);
      nextDue = r.nextDue;
    }
    // The origin is kept in the state row: stored with this batch (no row of its own).
    if (input.base) this.knownBase = input.base;
    let watchers: StatsUsage = { calls: 0, rowsWritten: 0 };
    if (accepted) {
      // Stored before commit returns (its transaction runs before its first await). Recording
      // the facts' measurements is not awaited: the answer does not wait for a Stats shard
      // (best effort as before: a failed call is logged, the counts are lost, never doubled).
      this.ctx.waitUntil(this.commit(state, effects, facts, now, applied.map(eventEntry)));
      [, watchers] = await Promise.all([
        this.schedule(state, nextDue, config),
        registerInterest(this.env, input, stored, state, applied, config),
      ]);
    } else if (stored) {
      // A batch sent again, every event already in: the first try may have been stored and then
      // cut off before its alarm was set (a crash between the two), so the alarm is made sure of
      // here (schedule writes only when it differs).
      await this.schedule(state, nextDue, config);
    }
    const newlyVerified = !verifiedBefore && state.profile.verified === true ? via : undefined;
    const linked = input.fromContact
      ? null
      : await notifyContact(this.env, state, emailBefore, purchases, newlyVerified);
    if (linked?.verified && state.profile.email && state.profile.verified !== true) {
      // The person already vouched for this address (another device, an email link): steps
      // held for its confirmation go out now.
      const at = Date.now();
      const email = state.profile.email;
      await this.ingest({
        ...input,
        events: [
          { id: `verified.${at.toString(36)}`, name: "contact_verified", at, data: { email } },
        ],
      });
    }
    const rowsWritten = this.store.rowsWritten - before;
    return {
      accepted,
      duplicates,
      rowsWritten,
      rowsRead: this.store.rowsRead - readBefore,
      alarmsSet: this.alarmsSet - alarmsBefore,
      watcherCalls: watchers.calls,
      watcherRowsWritten: watchers.rowsWritten,
    };
  }

  override async alarm(): Promise<void> {
    const state = this.load();
    if (!state) return;
    const now = Date.now();
    const config = await this.config(state.profile.site).catch(() => null);
    if (!config) {
      // Config unavailable (deleted or invalid with no last good): look again in a minute.
      await this.ctx.storage.setAlarm(now + 60_000);
      return;
    }
    if (expiresAt(state, config) <= now && this.store.earliest() === null) {
      log("info", "visitor.expired", { site: state.profile.site, vid: state.profile.vid });
      await this.erase();
      return;
    }
    const r = wake(state, config, now);
    // An alarm kept from earlier (see schedule) may find nothing to do: then nothing is written.
    const changed = changedFrom(state, r);
    // The state and outbox are committed before commit() returns (a storage failure throws
    // here); the facts it records (Stats calls) go on while the due effects are performed: a due
    // email does not wait for them.
    const recorded = changed ? this.commit(r.state, r.effects, r.facts, now) : null;
    await this.drain(r.state, now);
    await recorded;
    await this.schedule(r.state, r.nextDue, config);
  }

  /** Touches no storage: the bare cost of a call to this object (development stage route). */
  async ping(): Promise<number> {
    return Date.now();
  }

  /** Writes one row of its own and nothing else: a call plus the durable write every stored
   * batch needs (development stage route; the answer leaves once the write is stored). */
  async pingWrite(): Promise<number> {
    const at = Date.now();
    this.store.writeProbe(at);
    return at;
  }

  /** The persisted state, for the admin API. */
  async snapshot(): Promise<(VisitorState & { outbox: unknown[] }) | null> {
    const state = this.load();
    if (!state) return null;
    const outbox = this.store.pending().map((r) => ({ ...r, effect: JSON.parse(r.effect) }));
    return { ...state, outbox };
  }

  /** What happened to this visitor (events, engine and runner facts), oldest first, bounded,
   * and the contact id of its address (null when none is known); null when nothing is stored. */
  async activity(): Promise<{ entries: TimelineEntry[]; contact: string | null } | null> {
    const raw = this.store.readState();
    if (!raw) return null;
    const stored = JSON.parse(raw) as VisitorState;
    const { site, email } = stored.profile;
    const contact = email ? await contactHash(this.env.NUDGE_SECRET, site, email) : null;
    return { entries: activityOf(stored), contact };
  }

  /** Erasure: every row and the alarm. */
  async erase(): Promise<void> {
    this.store.eraseAll();
    this.knownBase = null;
    this.storedActivity = [];
    await this.ctx.storage.deleteAlarm();
  }

  /** The engine's state; the activity and origin stored beside it in the same row are kept
   * apart (storedActivity, knownBase). */
  private load(): VisitorState | null {
    const raw = this.store.readState();
    if (!raw) {
      this.storedActivity = [];
      this.knownBase = null;
      return null;
    }
    const { activity, base, ...state } = JSON.parse(raw) as VisitorState & {
      activity?: unknown;
      base?: unknown;
    };
    this.storedActivity = activityOf({ activity });
    this.knownBase = typeof base === "string" ? base : this.store.readLegacyBase();
    return state as VisitorState;
  }

  /** Writes the state row: the state with the activity so far plus `add` (bounded) and the
   * origin; returns that activity, for the caller to keep once its transaction committed. */
  private writeStateRow(state: VisitorState, add: TimelineEntry[]): TimelineEntry[] {
    const activity = appendActivity(this.storedActivity, add);
    const base = this.knownBase ?? undefined;
    this.store.writeState(JSON.stringify({ ...state, activity, base }));
    return activity;
  }

  private async config(site: string): Promise<SiteConfig> {
    const r = await loadSiteConfig(this.env.NUDGE_CONFIG, site);
    if (!r.ok) throw new Error(`site config unavailable: ${r.reason}`);
    return r.config;
  }

  /** State (with the activity: `events`, then the facts) and queued effects in one
   * transaction, before it returns (a storage failure throws here, synchronously); then the
   * facts are recorded (the promise it returns). */
  private commit(
    state: VisitorState,
    effects: Effect[],
    facts: Fact[],
    now: number,
    events: TimelineEntry[] = [],
  ): Promise<StatsUsage> {
    const add = [...events, ...factEntries(facts, now)];
    this.storedActivity = this.ctx.storage.transactionSync(() => {
      const activity = this.writeStateRow(state, add);
      for (const e of effects) this.store.enqueue(e.key, JSON.stringify(e), now);
      return activity;
    });
    const { site, vid } = state.profile;
    return recordFacts(this.env, facts, { site, vid }, now);
  }

  private async drain(state: VisitorState, now: number): Promise<void> {
    const { site, vid } = state.profile;
    const secret = this.env.NUDGE_SECRET;
    const base = this.env.PUBLIC_URL || this.knownBase || LOCAL_BASE;
    // Links on the local fallback reach nobody outside this machine: said, so PUBLIC_URL gets set.
    if (base === LOCAL_BASE && this.env.NUDGE_ENV === "production")
      log("warn", "send.no_public_origin", { site, vid, reason: "PUBLIC_URL" });
    const hashes = new Map<string, Promise<string>>();
    const contactOf = (email: string) => {
      let h = hashes.get(email);
      if (!h) hashes.set(email, (h = contactHash(secret, site, email)));
      return h;
    };
    const reported: TimelineEntry[] = [];
    const host: RunnerHost = {
      deliver: async (effect, attempt) => {
        const contact = await contactOf(effect.email);
        const out = await contactStub(this.env, site, contact).deliver({
          site,
          vid,
          contact,
          effect,
          attempt,
          base,
        });
        // The Contact object records the send's facts; the activity keeps its answer.
        const entry = outcomeEntry(effect, out, Date.now());
        if (entry) reported.push(entry);
        return out;
      },
      webhook: (effect) => postWebhook(effect, site),
    };
    const drainAt = Date.now();
    const recording: Promise<unknown>[] = [];
    for (const row of this.store.due(now, DRAIN_LIMIT)) {
      const effect = JSON.parse(row.effect) as Effect;
      const startAt = Date.now();
      const r = await runEffect(host, effect, row.attempts, startAt, Math.random);
      const ranAt = Date.now();
      if (r.done) this.store.done(row.key);
      else this.store.reschedule(row.key, r.nextAt, r.reason, r.attempted);
      const contact = effect.type === "send" ? await contactOf(effect.email) : undefined;
      const at = Date.now();
      reported.push(...factEntries(r.facts, at));
      // Recorded alongside the next effects (never throws): awaited before the run ends.
      recording.push(recordFacts(this.env, r.facts, { site, vid, contact }, at));
      // Alarm run (`now`: when it fired), commit done, this effect started and returned.
      stageLog(this.env, "stage.drain", {
        key: row.key,
        firedAt: now,
        drainAt,
        startAt,
        ranAt,
        doneAt: Date.now(),
      });
    }
    await Promise.all(recording);
    // What the runs reported joins the activity: one write of the state row per alarm run that
    // had something to report (the state itself is unchanged; re-read, as the drain awaited).
    if (reported.length) {
      const current = this.load();
      if (current) this.storedActivity = this.writeStateRow(current, reported);
    }
  }

  /**
   * An alarm at or before the earliest of: the engine's next due time, the outbox, retention
   * expiry. An alarm already set earlier than that is kept: it fires, finds nothing due (wake
   * writes nothing then) and schedules again, so nothing is ever late or early. Each setAlarm
   * is billed as a row written, and most batches only move times later (a session's idle
   * time, an inactivity trigger, the expiry, a restarted episode's clock): those write no alarm.
   */
  private async schedule(state: VisitorState, nextDue: number | null, config: SiteConfig) {
    const at = Math.min(
      ...[nextDue, this.store.earliest()].filter((t): t is number => t !== null),
      expiresAt(state, config),
    );
    if (keepsAlarm(await this.ctx.storage.getAlarm(), at, Date.now())) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmsSet++;
  }
}

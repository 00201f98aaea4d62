// The Visitor Durable Object: one per (site, visitor id). A thin shell: it loads the state,
// hands events and alarms to the pure engine, persists state and effects in one transaction
// (the outbox), keeps one alarm at the earliest due time and performs effects via runner.ts.
import { DurableObject } from "cloudflare:workers";
import { loadSiteConfig } from "../config/load.ts";
import type { SiteConfig } from "../config/schema.ts";
import { apply, expiresAt, initialState, wake, type VisitorState } from "../engine/index.ts";
import type { Effect } from "../engine/effects.ts";
import type { NudgeEvent } from "../events.ts";
import { contactHash } from "../lib/crypto.ts";
import { log } from "../lib/log.ts";
import { contactStub } from "../lib/stubs.ts";
import { runEffect, type LogLine, type RunnerHost } from "./runner.ts";
import { sqlStore, type Store } from "./storage.ts";
import { postWebhook } from "./webhook.ts";

export interface IngestInput {
  site: string;
  vid: string;
  tz: string | null;
  events: NudgeEvent[];
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rowsWritten: number;
}

/** Effects performed per alarm run; the rest wait for the next run (scheduled at once). */
const DRAIN_LIMIT = 25;

export class Visitor extends DurableObject<Env> {
  private readonly store: Store;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = sqlStore(ctx.storage.sql);
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    const config = await this.config(input.site);
    const before = this.store.rowsWritten;
    const now = Date.now();
    let state = this.load() ?? initialState(input.site, input.vid, now);
    const effects: Effect[] = [];
    let accepted = 0;
    let duplicates = 0;
    let nextDue: number | null = null;
    for (const e of input.events) {
      const r = apply(state, e, config, now, input.tz);
      if (r.duplicate) {
        duplicates++;
        continue;
      }
      accepted++;
      state = r.state;
      effects.push(...r.effects);
      nextDue = r.nextDue;
    }
    if (accepted) await this.commit(state, effects, nextDue, config, now);
    return { accepted, duplicates, rowsWritten: this.store.rowsWritten - before };
  }

  async alarm(): Promise<void> {
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
    await this.commit(r.state, r.effects, r.nextDue, config, now, false);
    await this.drain(r.state, now);
    await this.schedule(r.state, r.nextDue, config);
  }

  /** The persisted state, for the admin API. */
  async snapshot(): Promise<(VisitorState & { outbox: unknown[] }) | null> {
    const state = this.load();
    if (!state) return null;
    const outbox = this.store.pending().map((r) => ({ ...r, effect: JSON.parse(r.effect) }));
    return { ...state, outbox };
  }

  /** Erasure: every row and the alarm. */
  async erase(): Promise<void> {
    this.store.eraseAll();
    await this.ctx.storage.deleteAlarm();
  }

  private load(): VisitorState | null {
    const raw = this.store.readState();
    return raw ? (JSON.parse(raw) as VisitorState) : null;
  }

  private async config(site: string): Promise<SiteConfig> {
    const r = await loadSiteConfig(this.env.NUDGE_CONFIG, site);
    if (!r.ok) throw new Error(`site config unavailable: ${r.reason}`);
    return r.config;
  }

  /** State and queued effects in one transaction; log lines only after it committed. */
  private async commit(
    state: VisitorState,
    effects: Effect[],
    nextDue: number | null,
    config: SiteConfig,
    now: number,
    reschedule = true,
  ): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.store.writeState(JSON.stringify(state));
      for (const e of effects) if (e.type !== "log") this.store.enqueue(e.key, JSON.stringify(e), now);
    });
    const base = { site: state.profile.site, vid: state.profile.vid };
    for (const e of effects) if (e.type === "log") log(e.level, e.msg, { ...base, ...e.fields });
    if (reschedule) await this.schedule(state, nextDue, config);
  }

  private async drain(state: VisitorState, now: number): Promise<void> {
    const { site, vid } = state.profile;
    const secret = this.env.NUDGE_SECRET;
    const host: RunnerHost = {
      deliver: async (effect, attempt) => {
        const id = await contactHash(secret, site, effect.email);
        return contactStub(this.env, site, id).deliver({ site, vid, effect, attempt });
      },
      webhook: (effect) => postWebhook(effect, site),
    };
    for (const row of this.store.due(now, DRAIN_LIMIT)) {
      const effect = JSON.parse(row.effect) as Exclude<Effect, { type: "log" }>;
      const r = await runEffect(host, effect, row.attempts, Date.now(), Math.random);
      const contact = effect.type === "send" ? await contactHash(secret, site, effect.email) : undefined;
      logLine(r.log, { site, vid, contact });
      if (r.done) this.store.done(row.key);
      else this.store.reschedule(row.key, r.nextAt, String(r.log.fields.reason ?? ""));
    }
  }

  /** One alarm at the earliest of: the engine's next due time, the outbox, retention expiry. */
  private async schedule(state: VisitorState, nextDue: number | null, config: SiteConfig) {
    const candidates = [nextDue, this.store.earliest(), expiresAt(state, config)].filter(
      (t): t is number => t !== null,
    );
    const at = Math.min(...candidates);
    const current = await this.ctx.storage.getAlarm();
    if (current !== at) await this.ctx.storage.setAlarm(at);
  }
}

function logLine(line: LogLine, base: Record<string, string | undefined>) {
  log(line.level, line.msg, { ...base, ...line.fields });
}

// Test support for the engine (not shipped logic): the example config
// (templates/default-config.json), event builders and a small simulator that drives apply/wake with
// an injected clock and collects effects.
import defaultConfig from "../../templates/default-config.json";
import { parseSiteConfig } from "../config/schema.ts";
import type { SiteConfig, SiteConfigInput } from "../config/schema.ts";
import type { CartItem, NudgeEvent } from "../ingest/events.ts";
import type { Effect, SendEffect } from "./effects.ts";
import { logLineOf, type Fact, type FactOf } from "./facts.ts";
import { apply, initialState, wake } from "./index.ts";
import type { EngineResult, VisitorState } from "./index.ts";

export const VID = "vid-0123456789abcdef";
/** Monday 5 January 2026, 12:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5, 12, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/**
 * The example config, with single opt-in unless `mutate` says otherwise: most engine tests are
 * about triggers, not about confirming addresses (double opt-in has tests of its own).
 */
export function configWith(mutate?: (doc: SiteConfigInput) => void): SiteConfig {
  const doc = { ...(structuredClone(defaultConfig) as SiteConfigInput), optIn: "single" as const };
  mutate?.(doc);
  const r = parseSiteConfig(doc);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

export const CONFIG = configWith();

/** Builds events; ids are sequential per factory so runs are reproducible. */
export function events() {
  let n = 0;
  const id = () => `ev${String(++n).padStart(6, "0")}`;
  const item = (sku: string, price = 10, quantity = 1): CartItem => ({
    id: sku,
    name: `Item ${sku}`,
    price,
    quantity,
  });
  return {
    item,
    cart: (at: number, items: CartItem[]): NudgeEvent => ({
      id: id(),
      at,
      name: "cart",
      data: { items },
    }),
    product: (at: number, sku: string): NudgeEvent => ({
      id: id(),
      at,
      name: "product",
      data: { id: sku, name: `Product ${sku}`, price: 20 },
    }),
    purchase: (at: number, value = 30): NudgeEvent => ({
      id: id(),
      at,
      name: "purchase",
      data: { order_id: `o${n}`, value, currency: "EUR" },
    }),
    identify: (at: number, email: string, extra: Record<string, string> = {}): NudgeEvent => ({
      id: id(),
      at,
      name: "identify",
      data: { email, ...extra },
    }),
    formStart: (at: number): NudgeEvent => ({
      id: id(),
      at,
      name: "form_start",
      data: { form: "signup" },
    }),
    formSubmit: (at: number, email?: string): NudgeEvent => ({
      id: id(),
      at,
      name: "form_submit",
      data: email === undefined ? { form: "signup" } : { form: "signup", email },
    }),
    page: (at: number): NudgeEvent => ({ id: id(), at, name: "page", data: {} }),
    consent: (at: number, marketing: boolean): NudgeEvent => ({
      id: id(),
      at,
      name: "consent",
      data: { marketing },
    }),
    click: (at: number): NudgeEvent => ({
      id: id(),
      at,
      name: "email_click",
      data: {
        trigger: "cart-abandoned",
        episode: "x",
        step: 0,
        variant: null,
        href: "https://shop.example.com/",
      },
    }),
    custom: (at: number, name: string): NudgeEvent => ({
      id: id(),
      at,
      name,
      custom: true,
      data: {},
    }),
  };
}

/** A step's outcome as the engine decided it: queued work, or a skip. */
export type Outcome = Effect | FactOf<"skipped">;

/** Drives the engine like the Visitor DO would, recording every result. */
export class Sim {
  state: VisitorState;
  effects: Effect[] = [];
  facts: Fact[] = [];
  /** Every step's outcome in order: queued sends and webhooks, and steps skipped. */
  private steps: Outcome[] = [];
  last: EngineResult | null = null;

  constructor(
    public config: SiteConfig = CONFIG,
    public tz: string | null = "Europe/Paris",
    vid = VID,
    now = T0,
  ) {
    this.state = initialState(config.site, vid, now);
  }

  apply(e: NudgeEvent, now = e.at): EngineResult {
    const r = apply(this.state, e, this.config, now, this.tz);
    return this.take(r);
  }

  wake(now: number): EngineResult {
    return this.take(wake(this.state, this.config, now));
  }

  /** Wakes at each due time up to `until` (like the alarm would), then at `until`. */
  runUntil(until: number, maxAlarms = 1000): void {
    for (let i = 0; i < maxAlarms; i++) {
      const due = this.last?.nextDue ?? null;
      if (due === null || due > until) break;
      this.wake(due);
    }
    this.wake(until);
  }

  private take(r: EngineResult): EngineResult {
    this.state = r.state;
    this.effects.push(...r.effects);
    this.facts.push(...r.facts);
    this.steps.push(...r.effects, ...r.facts.filter((f) => f.type === "skipped"));
    this.last = r;
    return r;
  }

  sends(trigger?: string): SendEffect[] {
    return this.effects.filter(
      (e): e is SendEffect => e.type === "send" && (trigger === undefined || e.trigger === trigger),
    );
  }

  outcomes(trigger?: string): Outcome[] {
    return this.steps.filter((e) => trigger === undefined || e.trigger === trigger);
  }

  /** The fields of every log line `msg` the facts so far project to. */
  logs(msg: string) {
    return this.facts.map(logLineOf).flatMap((l) => (l.msg === msg ? [l.fields] : []));
  }
}

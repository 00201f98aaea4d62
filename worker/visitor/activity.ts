// What happened to one visitor, for the admin timeline: each accepted event (its name and a short
// non-personal summary) and each fact the engine or the runner reported. Kept bounded inside the
// Visitor's one state row (no rows of its own), so it costs no extra writes and erasure erases it.
// Pure: the Visitor object maps and appends, the store keeps the JSON.
import type { DeliverOutcome } from "../contact/protocol.ts";
import type { Fact } from "../engine/facts.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import type { TimelineEntry } from "../timeline/entry.ts";
import { humanStep } from "../lib/step.ts";

/** Entries kept per visitor (the newest). */
export const ACTIVITY_MAX = 150;

/** The activity stored with the state; anything malformed reads as none. */
export function activityOf(stored: unknown): TimelineEntry[] {
  if (typeof stored !== "object" || stored === null) return [];
  const a = (stored as { activity?: unknown }).activity;
  return Array.isArray(a) ? (a as TimelineEntry[]) : [];
}

/** `list` with `add` appended, the newest ACTIVITY_MAX kept. */
export function appendActivity(
  list: readonly TimelineEntry[],
  add: readonly TimelineEntry[],
  max = ACTIVITY_MAX,
): TimelineEntry[] {
  if (add.length === 0) return list.slice(-max);
  return [...list, ...add].slice(-max);
}

const money = (v: number | undefined, currency: string | undefined) =>
  v === undefined ? "" : ` ${Number(v.toFixed(2))}${currency ? ` ${currency}` : ""}`;

/**
 * One accepted event as an entry: its name and, for a few, a summary that names no one (a
 * product id, a cart's item count and value, an order's value). Never an address, a name, a URL
 * (its query could carry anything) or form fields.
 */
export function eventEntry(e: NudgeEvent): TimelineEntry {
  const base = { at: e.at, kind: "event" };
  if (e.custom) return { ...base, detail: e.name };
  switch (e.name) {
    case "product":
      return { ...base, detail: `product ${e.data.id}` };
    case "cart": {
      const items = e.data.items.reduce((n, i) => n + i.quantity, 0);
      const value = e.data.items.reduce((s, i) => s + i.price * i.quantity, 0);
      return {
        ...base,
        detail: `cart ${items} item${items === 1 ? "" : "s"}${items ? money(value, e.data.currency) : ""}`,
      };
    }
    case "checkout":
      return { ...base, detail: `checkout${money(e.data.value, e.data.currency)}` };
    case "purchase":
      return { ...base, detail: `purchase${money(e.data.value, e.data.currency)}` };
    case "consent":
      return { ...base, detail: `consent marketing ${e.data.marketing ? "yes" : "no"}` };
    case "cart_item_removed":
      return { ...base, detail: `cart_item_removed ${e.data.item.id}` };
    case "notify":
      return { ...base, detail: `notify ${e.data.product}` };
    case "back_in_stock":
      return { ...base, detail: `back_in_stock ${e.data.product.id}` };
    case "price_drop":
      return { ...base, detail: `price_drop ${e.data.product.id} −${e.data.percent}%` };
    case "email_open":
    case "email_click":
      return {
        ...base,
        detail: e.name,
        trigger: e.data.trigger,
        step: humanStep(e.data.step),
        episode: e.data.episode,
      };
    default:
      // page, identify, form_start, form_submit, session_end, contact_verified: the name only.
      return { ...base, detail: e.name };
  }
}

/** One fact as an entry (null for the bookkeeping ones an operator never asks about). */
export function factEntry(f: Fact, at: number): TimelineEntry | null {
  if (f.type === "agenda_overflow")
    return { at, kind: "agenda_overflow", detail: `until ${iso(f.until)}` };
  if (f.type === "duplicate") return null;
  // A fact of the engine's agenda is dated by its own time (a deferred step, a late alarm).
  const ref = { at: f.at ?? at, kind: f.type as string, trigger: f.trigger, episode: f.episode };
  switch (f.type) {
    case "entered":
      return f.holdout
        ? { ...ref, reason: "holdout" }
        : { ...ref, detail: `first step due ${iso(f.due)}` };
    case "restarted":
      return { ...ref, step: humanStep(f.step) };
    case "deferred":
      return {
        ...ref,
        step: humanStep(f.step),
        reason: "quiet_hours",
        detail: `until ${iso(f.until)}`,
      };
    case "due":
      return { ...ref, step: humanStep(f.step), ...(f.holdout ? { reason: "holdout" } : {}) };
    case "held":
      return { ...ref, step: humanStep(f.step), reason: f.reason };
    case "cancelled":
      return { ...ref, ...(f.step === null ? {} : { step: humanStep(f.step) }), reason: f.reason };
    case "completed":
      return ref;
    case "skipped":
      return { ...ref, step: humanStep(f.step), reason: f.reason };
    case "withheld":
      return { ...ref, step: humanStep(f.step), reason: "holdout" };
    case "sent":
      return {
        ...ref,
        step: humanStep(f.step),
        detail: f.channel === "webhook" ? "webhook" : f.id ? `id ${f.id}` : "email",
      };
    case "failed":
      return {
        ...ref,
        step: humanStep(f.step),
        reason: f.reason,
        detail: `${f.channel}${f.gaveUp ? ", gave up" : ""}`,
      };
    case "retry":
      return {
        ...ref,
        step: humanStep(f.step),
        reason: f.reason,
        detail: `attempt ${f.attempt + 1}`,
      };
  }
}

/** Facts as entries, in order (the ones not worth a line left out). */
export function factEntries(facts: readonly Fact[], at: number): TimelineEntry[] {
  return facts.map((f) => factEntry(f, at)).filter((e): e is TimelineEntry => e !== null);
}

/**
 * What the Contact object answered for a send (it records the send's facts itself; the Visitor
 * keeps the answer as its own line). Null for a duplicate, a retry or a wait (the runner's retry
 * facts say those).
 */
export function outcomeEntry(
  ref: { trigger: string; episode: string; step: number },
  out: DeliverOutcome,
  at: number,
): TimelineEntry | null {
  const base = { at, trigger: ref.trigger, episode: ref.episode, step: humanStep(ref.step) };
  switch (out.status) {
    case "sent":
      return { ...base, kind: "sent", detail: `id ${out.id}` };
    case "skipped":
      return out.reason === "holdout"
        ? { ...base, kind: "withheld", reason: "holdout" }
        : { ...base, kind: "skipped", reason: out.reason };
    case "failed":
      return { ...base, kind: "failed", reason: out.reason, detail: "email" };
    default:
      return null;
  }
}

const iso = (t: number) => new Date(t).toISOString();

// The engine's read-only view of an event and the visitor, used for `if` conditions, `sameKey`,
// `date` paths and template contexts. Pure; built by worker/engine/triggers.ts and steps.ts.
import type { NudgeEvent } from "../ingest/events.ts";
import type { Profile } from "./profile.ts";
import type { Snapshot } from "./state.ts";

export type Env = Record<string, unknown>;

export function contactView(p: Profile): Record<string, unknown> {
  return {
    ...p.traits,
    email: p.email,
    first_name: p.first_name,
    last_name: p.last_name,
    traits: p.traits,
    orders: p.orders,
    revenue: p.revenue,
    last_order_at: p.lastOrderAt,
    consent: p.consent.marketing,
  };
}

/** What an episode keeps of its starting event. */
export function snapshotOf(e: NudgeEvent, p: Profile): Snapshot {
  const data = e.data as Record<string, unknown>;
  const latest = p.products[0];
  return {
    event: { id: e.id, name: e.name, at: e.at, url: e.url ?? null, data },
    product: productOf(e) ?? (latest ? { ...latest } : null),
    order: !e.custom && e.name === "purchase" ? data : null,
  };
}

/** The product an event is about: a view's, or the catalog's for a restock or a price drop. */
function productOf(e: NudgeEvent): Record<string, unknown> | null {
  if (e.custom) return null;
  if (e.name === "product") return { ...e.data };
  if (e.name === "back_in_stock" || e.name === "price_drop") return { ...e.data.product };
  return null;
}

/** A snapshot for triggers without an event (inactivity, dates). */
export function syntheticSnapshot(id: string, name: string, at: number, p: Profile): Snapshot {
  const latest = p.products[0];
  return {
    event: { id, name, at, url: null, data: {} },
    product: latest ? { ...latest } : null,
    order: null,
  };
}

/**
 * Condition environment: `event`, `cart`, `product`, `order`, `contact`, `visitor`, `form`, and
 * `price_drop` (percent, from, to, seen_at) for a price drop.
 */
export function envOf(p: Profile, snap: Snapshot): Env {
  const ev = snap.event;
  return {
    event: { ...ev.data, name: ev.name, id: ev.id, at: ev.at, url: ev.url, data: ev.data },
    cart: p.cart,
    product: snap.product,
    order: snap.order,
    contact: contactView(p),
    visitor: {
      vid: p.vid,
      tz: p.tz,
      page_views: p.pageViews,
      first_seen: p.firstSeen,
      last_seen: p.lastSeen,
      orders: p.orders,
    },
    form: ev.name === "form_start" || ev.name === "form_submit" ? ev.data : null,
    price_drop: ev.name === "price_drop" ? ev.data : null,
  };
}

/** The template context of a send (the shell adds `links`). */
export function templateContext(site: string, p: Profile, snap: Snapshot): Record<string, unknown> {
  return {
    site,
    contact: {
      email: p.email,
      first_name: p.first_name,
      last_name: p.last_name,
      traits: p.traits,
      orders: p.orders,
    },
    cart: {
      items: p.cart.items,
      value: p.cart.value,
      currency: p.cart.currency,
      count: p.cart.count,
    },
    product: snap.product,
    order: snap.order,
    event: { name: snap.event.name, at: snap.event.at, url: snap.event.url, ...snap.event.data },
    price_drop: snap.event.name === "price_drop" ? snap.event.data : null,
  };
}

// Which products a batch of events shows interest in, for the catalog triggers: a `notify`
// request (back in stock) and, when the site has a price-drop trigger, a view or a newly carted
// item of a visitor who has an email (a price drop can only be emailed to one). A visitor's
// interest in one product is registered at most once a day (the profile before the batch says
// when it last viewed or carted it), so browsing costs the product's object a write per visitor
// per day, not per page; an anonymous visitor's views cost nothing until it identifies, and then
// its recent views and cart lines are registered at once. Pure; the Visitor object sends what it
// returns.
import type { NudgeEvent } from "../ingest/events.ts";
import type { Profile } from "../engine/profile.ts";
import type { CatalogNeeds } from "./changes.ts";

/** Interest in one product by one visitor. */
export interface Interest {
  product: string;
  /** Asked to hear when it is back in stock. */
  watch: boolean;
  /** Viewed or carted at this instant (null: only a notify request). */
  seenAt: number | null;
}

/** A view or cart of a product seen this recently is not registered again. */
export const RESEEN_MS = 86_400_000;

export function interestsOf(
  before: Profile | null,
  after: Profile,
  events: readonly NudgeEvent[],
  needs: CatalogNeeds,
  now: number,
): Interest[] {
  const out = new Map<string, Interest>();
  const get = (product: string): Interest => {
    let i = out.get(product);
    if (!i) out.set(product, (i = { product, watch: false, seenAt: null }));
    return i;
  };
  const register = (product: string, at: number) => {
    const i = get(product);
    i.seenAt = Math.max(i.seenAt ?? 0, at);
  };
  for (const e of events) if (!e.custom && e.name === "notify") get(e.data.product).watch = true;
  if (!needs.priceDrop || after.email === null) return [...out.values()];

  if (!before?.email) {
    // Just became reachable: every view and cart line a price drop may still be about.
    for (const v of after.products) if (now - v.at <= needs.within) register(v.id, v.at);
    const at = after.cart.updatedAt ?? 0;
    if (now - at <= needs.within) for (const i of after.cart.items) register(i.id, at);
    return [...out.values()];
  }
  const lastSeen = new Map<string, number>();
  for (const v of before.products) lastSeen.set(v.id, v.at);
  for (const i of before.cart.items) {
    const at = before.cart.updatedAt ?? 0;
    lastSeen.set(i.id, Math.max(lastSeen.get(i.id) ?? 0, at));
  }
  const seen = (product: string, at: number) => {
    const last = lastSeen.get(product);
    lastSeen.set(product, at);
    if (last === undefined || at - last >= RESEEN_MS) register(product, at);
  };
  for (const e of events) {
    if (e.custom) continue;
    if (e.name === "product") seen(e.data.id, e.at);
    else if (e.name === "cart") for (const item of e.data.items) seen(item.id, e.at);
  }
  return [...out.values()];
}

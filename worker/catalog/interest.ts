// Which products a batch of events shows interest in, for the catalog triggers: a `notify`
// request (back in stock) and, when the site has a price-drop trigger, a view or a newly carted
// item. A visitor's interest in one product is registered at most once a day (the profile before
// the batch says when it last viewed or carted it), so browsing costs the product's object a
// write per visitor per day, not per page. Pure; the Visitor object sends what it returns.
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
  events: readonly NudgeEvent[],
  needs: CatalogNeeds,
): Interest[] {
  const out = new Map<string, Interest>();
  const lastSeen = new Map<string, number>();
  for (const v of before?.products ?? []) lastSeen.set(v.id, v.at);
  for (const i of before?.cart.items ?? []) {
    const at = before?.cart.updatedAt ?? 0;
    lastSeen.set(i.id, Math.max(lastSeen.get(i.id) ?? 0, at));
  }
  const get = (product: string): Interest => {
    let i = out.get(product);
    if (!i) out.set(product, (i = { product, watch: false, seenAt: null }));
    return i;
  };
  const seen = (product: string, at: number) => {
    const last = lastSeen.get(product);
    lastSeen.set(product, at);
    if (!needs.priceDrop || (last !== undefined && at - last < RESEEN_MS)) return;
    const i = get(product);
    i.seenAt = Math.max(i.seenAt ?? 0, at);
  };
  for (const e of events) {
    if (e.custom) continue;
    if (e.name === "notify") get(e.data.product).watch = true;
    else if (e.name === "product") seen(e.data.id, e.at);
    else if (e.name === "cart") for (const item of e.data.items) seen(item.id, e.at);
  }
  return [...out.values()];
}

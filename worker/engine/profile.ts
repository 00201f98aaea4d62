// The visitor profile: what one browser has told us (identity, consent, cart, views, forms).
// Pure reducer over server events; the Visitor Durable Object persists it, the engine reads it.
import type { CartItem, NudgeEvent, Product, Scalar } from "../ingest/events.ts";

export const LIMITS = {
  /** Recent event ids kept for deduplicating retried batches. */
  recentIds: 500,
  /** Recent product views kept (most recent first). */
  products: 20,
  /** Distinct forms remembered. */
  forms: 20,
  /** Traits kept per visitor. */
  traits: 64,
  /** Order ids remembered for deduplication. */
  orders: 100,
} as const;

export interface Cart {
  items: CartItem[];
  currency: string | null;
  /** Sum of price × quantity, rounded to cents. */
  value: number;
  /** Total quantity. */
  count: number;
  updatedAt: number | null;
}

export interface ProductView extends Product {
  at: number;
}

export interface Profile {
  site: string;
  vid: string;
  /** Normalised (lower-case) email once the visitor identified; null while anonymous. */
  email: string | null;
  /** The Contact object vouched for `email` (confirmed opt-in, a click on our link, …): a browser
   * never sets this. Absent in states stored before verification existed. */
  verified?: boolean;
  /** When this visitor last asked for a confirmation email, and for which address. */
  confirmRequested?: { email: string; at: number } | null;
  first_name: string | null;
  last_name: string | null;
  /** Other traits from identify (birthday, plan, …): scalars only. */
  traits: Record<string, Scalar>;
  /** Marketing consent: null until the visitor (or the site) says. */
  consent: { marketing: boolean | null; at: number | null };
  /** IANA time zone reported by the browser. */
  tz: string | null;
  cart: Cart;
  products: ProductView[];
  forms: { started: Record<string, number>; submitted: Record<string, number> };
  orders: number;
  revenue: number;
  /** Recent order ids (bounded): the same order reported twice (browser and backend, or a
   * retried webhook) is one purchase. Absent in states stored before it existed. */
  orderIds?: string[];
  lastOrderAt: number | null;
  pageViews: number;
  firstSeen: number;
  lastSeen: number;
  /** Recent accepted event ids, oldest first (bounded), to drop retried duplicates. */
  recentIds: string[];
}

export function emptyProfile(site: string, vid: string, now: number): Profile {
  return {
    site,
    vid,
    email: null,
    verified: false,
    confirmRequested: null,
    first_name: null,
    last_name: null,
    traits: {},
    consent: { marketing: null, at: null },
    tz: null,
    cart: { items: [], currency: null, value: 0, count: 0, updatedAt: null },
    products: [],
    forms: { started: {}, submitted: {} },
    orders: 0,
    revenue: 0,
    orderIds: [],
    lastOrderAt: null,
    pageViews: 0,
    firstSeen: now,
    lastSeen: now,
    recentIds: [],
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function cartOf(items: CartItem[], currency: string | null, at: number): Cart {
  return {
    items,
    currency,
    value: round2(items.reduce((s, i) => s + i.price * i.quantity, 0)),
    count: items.reduce((s, i) => s + i.quantity, 0),
    updatedAt: at,
  };
}

/** Items present in `before` and absent (or reduced to zero) in `after`. */
export function removedItems(before: CartItem[], after: CartItem[]): CartItem[] {
  const kept = new Set(after.map((i) => i.id));
  return before.filter((i) => !kept.has(i.id));
}

function boundedRecord(rec: Record<string, number>, k: string, v: number, max: number) {
  const next = { ...rec, [k]: v };
  const keys = Object.keys(next);
  if (keys.length > max) {
    keys.sort((a, b) => (next[a] ?? 0) - (next[b] ?? 0));
    for (const old of keys.slice(0, keys.length - max)) delete next[old];
  }
  return next;
}

/** A purchase of an order this visitor already counted (another source reported it first). */
export function repeatOrder(p: Profile, e: NudgeEvent): boolean {
  return !e.custom && e.name === "purchase" && (p.orderIds ?? []).includes(e.data.order_id);
}

/** True when this event id was already accepted for this visitor. */
export function seen(p: Profile, id: string): boolean {
  return p.recentIds.includes(id);
}

/** Applies one event to the profile. Returns a new profile; never mutates its input. */
export function reduceProfile(p: Profile, e: NudgeEvent, tz?: string | null): Profile {
  const next: Profile = {
    ...p,
    lastSeen: Math.max(p.lastSeen, e.at),
    tz: tz ?? p.tz,
    recentIds: [...p.recentIds, e.id].slice(-LIMITS.recentIds),
  };
  if (e.custom) return next;
  switch (e.name) {
    case "page":
      return { ...next, pageViews: p.pageViews + 1 };
    case "product": {
      const view: ProductView = { ...e.data, at: e.at };
      const products = [view, ...p.products.filter((v) => v.id !== e.data.id)];
      return { ...next, products: products.slice(0, LIMITS.products) };
    }
    case "cart":
      return { ...next, cart: cartOf(e.data.items, e.data.currency ?? p.cart.currency, e.at) };
    case "purchase":
      if (repeatOrder(p, e)) return next; // already counted: one order, one purchase
      return {
        ...next,
        orders: p.orders + 1,
        revenue: round2(p.revenue + e.data.value),
        orderIds: [...(p.orderIds ?? []), e.data.order_id].slice(-LIMITS.orders),
        lastOrderAt: e.at,
        cart: cartOf([], p.cart.currency, e.at),
      };
    case "identify": {
      const { email, first_name, last_name, ...rest } = e.data;
      const traits = { ...p.traits };
      for (const [k, v] of Object.entries(rest)) {
        if (v === undefined) continue;
        if (k in traits || Object.keys(traits).length < LIMITS.traits) traits[k] = v;
      }
      return {
        ...next,
        email,
        verified: e.verified !== undefined || (email === p.email && p.verified === true),
        first_name: first_name ?? (email === p.email ? p.first_name : null),
        last_name: last_name ?? (email === p.email ? p.last_name : null),
        traits,
      };
    }
    case "consent":
      return { ...next, consent: { marketing: e.data.marketing, at: e.at } };
    case "form_start":
      return {
        ...next,
        forms: {
          ...p.forms,
          started: boundedRecord(p.forms.started, e.data.form ?? "", e.at, LIMITS.forms),
        },
      };
    case "form_submit": {
      const email = e.data.email ?? p.email;
      // A form's `first_name` / `last_name` fields (marked data-nudge-field) name the person, as
      // an identify would; a new address without them forgets the old names.
      const name = (k: "first_name" | "last_name") => {
        const v = e.data.fields?.[k];
        if (typeof v === "string" && v.trim()) return v.trim().slice(0, 100);
        return email === p.email ? p[k] : null;
      };
      return {
        ...next,
        email,
        first_name: name("first_name"),
        last_name: name("last_name"),
        verified:
          (e.verified !== undefined && e.data.email !== undefined) ||
          (email === p.email && p.verified === true),
        forms: {
          ...p.forms,
          submitted: boundedRecord(p.forms.submitted, e.data.form ?? "", e.at, LIMITS.forms),
        },
      };
    }
    case "notify":
      // An address typed into a "tell me when it's back" form names the person, unverified.
      if (!e.data.email || e.data.email === p.email) return next;
      return { ...next, email: e.data.email, verified: false, first_name: null, last_name: null };
    case "contact_verified":
      // For the address this visitor has (a visitor with none, like the person's server-side
      // visitor, takes it): a late event for an old address changes nothing.
      return e.data.email === p.email || p.email === null
        ? { ...next, email: e.data.email, verified: true }
        : next;
    default:
      return next;
  }
}

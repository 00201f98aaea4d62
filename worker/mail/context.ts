// The Liquid template context every email template is rendered with, and helpers to build parts
// of it. Types only plus tiny pure helpers; template-context.ts fills it in for each send (from the
// engine's snapshot and the site config), called by the Contact object (contact/delivery.ts).

export type Scalar = string | number | boolean | null;

export interface ItemContext {
  id: string;
  name: string;
  /** Unit price (for catalog products, the catalog's current price). */
  price: number;
  quantity?: number;
  url?: string | null;
  image?: string | null;
  /** false: the catalog says the product is gone or sold out (templates show "Sold out" and no
   * price). Absent or true: buyable. */
  available?: boolean;
  [extra: string]: unknown;
}

/** A product to suggest (related products or best sellers from the store's catalog). */
export interface RecommendationContext {
  id: string;
  name: string;
  /** The catalog's current price. */
  price: number;
  currency?: string | null;
  url?: string | null;
  image?: string | null;
  /** false: sold out (templates skip it). */
  available?: boolean;
}

/**
 * What the caller provides. renderEmail adds `links.unsubscribe` and
 * `message: { template, marketing }` (layouts show the unsubscribe link only when marketing).
 */
export interface TemplateContext {
  contact: {
    email: string;
    first_name?: string | null;
    last_name?: string | null;
    traits?: Record<string, Scalar>;
    /** Number of orders so far. */
    orders?: number;
  };
  cart?: { items: ItemContext[]; value: number; currency: string | null; count: number } | null;
  product?: (Omit<ItemContext, "quantity"> & { currency?: string | null }) | null;
  order?: {
    id: string;
    value: number;
    currency: string;
    items?: ItemContext[];
    [extra: string]: unknown;
  } | null;
  /** A price drop's `from`, `to` and `percent` (the triggering event's, else null). */
  price_drop?: Record<string, unknown> | null;
  /** The triggering event's data (as the engine saw it). */
  event?: Record<string, unknown> | null;
  site: {
    id: string;
    /** Display name, e.g. "Demo Shop" (see displayName()). */
    name: string;
    /** Storefront home page. */
    url: string;
    postal_address: string;
    logo_url?: string | null;
    /** BCP 47 locale for money and dates; default "en-US". */
    locale?: string | null;
    /** Fallback ISO 4217 currency; default "USD". */
    currency?: string | null;
    /** Brand colour for buttons, e.g. "#111827". */
    brand_color?: string | null;
  };
  /**
   * Destinations for calls to action (cart, shop, product, review, form, …). Every http(s) link
   * on the site's origins is click-rewritten; `unsubscribe` is filled in by renderEmail.
   */
  links?: Record<string, string>;
  /**
   * Free variables from the site config (`vars`) overlaid by the step's (`vars`). The offer
   * templates (welcome, birthday, win-back-offer) read `offer_text`, `discount_code`,
   * `coupon_pool` and `offer_terms`; see docs/templates.md. Built by template-context.ts `varsOf`.
   */
  vars?: Record<string, Scalar>;
  /** Unique codes claimed for this send, by pool: `{{ coupon.POOL }}` / `coupon[vars.coupon_pool]`. */
  coupon?: Record<string, string>;
  /** Up to 3 products to suggest; templates skip those with `available: false`. */
  recommendations?: RecommendationContext[];
}

/** "Demo Shop <shop@example.com>" → "Demo Shop"; a bare address → its domain. */
export function displayName(from: string): string {
  const m = /^\s*"?([^"<]*?)"?\s*<[^>]+>\s*$/.exec(from);
  if (m?.[1]) return m[1];
  const at = from.lastIndexOf("@");
  return at >= 0
    ? from
        .slice(at + 1)
        .replace(/>.*$/, "")
        .trim()
    : from.trim();
}

/** Formats an amount with Intl in the given currency; bad codes fall back to "12.50 XYZ". */
export function formatMoney(value: unknown, currency: string, locale = "en-US"): string {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  if (!Number.isFinite(n)) return "";
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(n);
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
}

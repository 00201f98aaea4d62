// The event batch the snippet sends to POST /e: one zod schema, the single source of truth.
// The snippet imports only the inferred types (erased at build); the worker validates with it.
import { z } from "zod";
import { productFromJsonLd } from "./jsonld.ts";
import { decodeEntities } from "../lib/html.ts";
import { EVENT_NAME, SITE_ID, VISITOR_ID } from "../lib/ids.ts";
import { minimalPageUrl } from "./url.ts";

/** Longest string we keep from any free-text field (names, URLs are capped separately). */
const TEXT_MAX = 500;
const URL_MAX = 2048;
/**
 * Longest page URL accepted from the snippet, which sends it uncut (origin + path + `utm_*`):
 * what is stored is cut to URL_MAX after `minimalPageUrl`. The 64 KiB body limit still applies.
 */
const PAGE_URL_MAX = 8192;

const text = z.string().trim().min(1).max(TEXT_MAX);
/**
 * A product, variant or order id: a string, or a whole number as stores and platforms give them
 * (WooCommerce's `38`, Shopify's variant ids, order numbers), kept as its decimal string.
 */
const id = z.union([
  text.max(128),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).transform(String),
]);
/** A product's name, decoded when a page or platform gave it HTML-escaped (WooCommerce does). */
const productName = z
  .string()
  .max(TEXT_MAX * 8)
  .transform(decodeEntities)
  .pipe(text);
const isHttpUrl = (u: string) => /^https?:\/\//i.test(u) && URL.canParse(u);
const httpUrl = z.string().max(URL_MAX).refine(isHttpUrl, "must be an absolute http(s) URL");
/** `u` cut to URL_MAX characters; a "%" escape the cut splits goes whole. */
const cutUrl = (u: string) =>
  u.length > URL_MAX ? u.slice(0, URL_MAX).replace(/%[\da-f]?$/i, "") : u;
/** The page an event happened on: only origin, path and `utm_*` parameters are kept, cut. */
export const pageUrl = z
  .string()
  .max(PAGE_URL_MAX)
  .refine(isHttpUrl, "must be an absolute http(s) URL")
  .transform((u) => cutUrl(minimalPageUrl(u)));
const money = z.number().finite().min(0).max(1e9);
/** Prices arrive as numbers or numeric strings ("19.90") from JSON-LD; normalise to numbers. */
const price = z
  .union([
    money,
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .pipe(money);
const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "must be a 3-letter ISO 4217 code")
  .transform((c) => c.toUpperCase());
/** Scalar trait / prop values only: nothing nested reaches visitor state. */
const scalar = z.union([z.string().max(TEXT_MAX), z.number().finite(), z.boolean(), z.null()]);
const key = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, "must be a short identifier");
export const props = z
  .record(key, scalar)
  .refine((o) => Object.keys(o).length <= 32, "at most 32 keys");
export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((e) => e.toLowerCase());

export const ProductSchema = z.object({
  id,
  name: productName,
  price: price.optional(),
  currency: currency.optional(),
  url: httpUrl.optional(),
  image: httpUrl.optional(),
});

/**
 * A product view the snippet found in schema.org JSON-LD: the scripts' texts, turned into a
 * ProductSchema value here (jsonld.ts) so the tag stays small and extraction can be
 * fixed without touching cached snippets. Text with no usable Product is an invalid event, which
 * POST /e drops on its own (routes/ingest.ts), not with the rest of its batch.
 */
export const JsonLdProductSchema = z
  .object({ ld: z.array(z.string().max(32_768)).min(1).max(8) })
  .transform((d, ctx) => {
    const p = productFromJsonLd(d.ld);
    if (!p) ctx.addIssue({ code: "custom", message: "no usable schema.org Product in ld" });
    return p ?? z.NEVER;
  })
  .pipe(ProductSchema);

/** A browser product view: the product itself, or the page's JSON-LD texts holding it. */
export const ProductViewSchema = z.union([ProductSchema, JsonLdProductSchema]);

export const CartItemSchema = z.object({
  id,
  name: productName,
  price,
  quantity: z.number().int().min(1).max(10_000),
  url: httpUrl.optional(),
  image: httpUrl.optional(),
});

export const CartSchema = z.object({
  items: z.array(CartItemSchema).max(100),
  currency: currency.optional(),
});

/**
 * A cart as a browser may send it: an item's `url` and `image` may also be relative to the page
 * the event happened on (Shopify's /cart.js gives `/products/…` and `//cdn.shopify.com/…`) or
 * null (no image); `resolveCartUrls` makes them absolute against the event's `url`, so what is
 * stored is a CartSchema cart. The platform adapters need no URL code of their own.
 */
const pageRelativeUrl = z.string().max(URL_MAX).nullish();
const BrowserCartSchema = CartSchema.extend({
  items: z.array(CartItemSchema.extend({ url: pageRelativeUrl, image: pageRelativeUrl })).max(100),
});

export const CheckoutSchema = z.object({ value: money.optional(), currency: currency.optional() });
/**
 * A checkout the store's systems report may carry the checkout's own recovery URL (Shopify's
 * `abandoned_checkout_url`, a WooCommerce payment page, Stripe's recovery link): the cart link
 * of the emails of the episode it starts. Only https, and never from a browser.
 */
export const ServerCheckoutSchema = CheckoutSchema.extend({
  recovery_url: httpUrl.refine((u) => /^https:\/\//i.test(u), "must be an https URL").optional(),
});

export const PurchaseSchema = z.object({
  order_id: id,
  value: money,
  currency,
  items: z.array(CartItemSchema).max(100).optional(),
});

const reservedTraits = new Set(["email", "first_name", "last_name", "consent"]);
export const identifyFields = {
  email,
  first_name: text.max(100).optional(),
  last_name: text.max(100).optional(),
  birthday: z
    .string()
    .regex(/^(\d{4}-)?\d{2}-\d{2}$/, "must be YYYY-MM-DD or MM-DD")
    .optional(),
};
export const identify = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .catchall(scalar)
    .refine((o) => Object.keys(o).length <= 32, "at most 32 traits")
    .refine(
      (o) => Object.keys(o).every((k) => reservedTraits.has(k) || key.safeParse(k).success),
      "trait names must be short identifiers",
    );
export const IdentifySchema = identify(identifyFields);

export const ConsentSchema = z.object({ marketing: z.boolean() });

/** The form's id or name, as the page has it: dropped when unusable, never a rejection. */
const formId = z.string().max(128).optional().catch(undefined);
/**
 * The fields a site allowed with `data-nudge-field`, named by its markup: a field whose name is
 * not a short identifier or whose value is not a scalar is dropped, a long value is cut to
 * TEXT_MAX, at most 32 are kept, and none at all is no `fields`. Like the email, never a reason
 * to reject the batch.
 */
const formFields = z
  .record(z.string(), z.unknown())
  .transform((o) => {
    const kept = Object.entries(o).flatMap(([k, v]) => {
      const value = scalar.safeParse(typeof v === "string" ? v.slice(0, TEXT_MAX) : v);
      return key.safeParse(k).success && value.success ? [[k, value.data] as const] : [];
    });
    return kept[0] ? Object.fromEntries(kept.slice(0, 32)) : undefined;
  })
  .optional()
  .catch(undefined);
export const FormStartSchema = z.object({ form: formId });
export const FormSubmitSchema = z.object({
  form: formId,
  /** What the shopper typed: an invalid email is dropped, never a reason to reject the batch. */
  email: email.optional().catch(undefined),
  /** Only fields the site allowed with `data-nudge-field`; never passwords or card data. */
  fields: formFields,
});

export const PageSchema = z.object({ title: z.string().max(TEXT_MAX).optional() }).default({});

/**
 * `nudge('notify', { product, email? })`: tell me when this product is back in stock. The email,
 * when given, names the person as a form's would (unverified; double opt-in applies).
 */
export const NotifySchema = z.object({ product: text.max(128), email: email.optional() });

/** Names the browser may not send: the worker derives these itself. */
export const SERVER_EVENTS = [
  "email_open",
  "email_click",
  "session_end",
  "cart_item_removed",
  "contact_verified",
  "back_in_stock",
  "price_drop",
] as const;
/** Catalog events: about a product, not a person; they never reach a trigger. */
export const CATALOG_EVENTS = ["product_updated"] as const;
export const BUILTIN_EVENTS = [
  "page",
  "product",
  "cart",
  "checkout",
  "purchase",
  "identify",
  "form_start",
  "form_submit",
  "consent",
  "notify",
] as const;

export const base = {
  /** Client-generated id, unique per event; retries reuse it so the worker can deduplicate. */
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "must be 8-64 URL-safe characters"),
  /** Client clock (ms since epoch) when the event happened; informational only. */
  ts: z.number().int().min(0).max(8.64e15).optional(),
  /** Page URL the event happened on, as the snippet sends it (see `pageUrl`). */
  url: pageUrl.optional(),
};

export const customName = z
  .string()
  .regex(EVENT_NAME, "custom event names are lowercase identifiers")
  .refine(
    (n) =>
      !(BUILTIN_EVENTS as readonly string[]).includes(n) &&
      !(SERVER_EVENTS as readonly string[]).includes(n) &&
      !(CATALOG_EVENTS as readonly string[]).includes(n),
    "reserved event name",
  );

/**
 * A browser cart's item URLs made absolute against the event's page URL (a relative one with no
 * page URL, or one that is not http(s) once resolved, is an invalid event); null ones dropped.
 */
function resolveCartUrls<E extends { name: string; url?: string; data?: unknown }>(
  e: E,
  ctx: z.RefinementCtx,
): Resolved<E> {
  if (e.name !== "cart") return e as Resolved<E>;
  const data = e.data as { items: Record<string, unknown>[] };
  const items = data.items.map((item, i) => {
    const out = { ...item };
    for (const k of ["url", "image"]) {
      const u = out[k] as string | null | undefined;
      delete out[k];
      if (u == null) continue;
      const abs = URL.canParse(u, e.url) ? new URL(u, e.url).href : "";
      if (abs.length <= URL_MAX && isHttpUrl(abs)) out[k] = abs;
      else
        ctx.addIssue({
          code: "custom",
          path: ["data", "items", i, k],
          message: "must be an http(s) URL, absolute or relative to the event's url",
        });
    }
    return out;
  });
  return { ...e, data: { ...data, items } } as Resolved<E>;
}
type Resolved<E> = E extends { name: "cart" }
  ? Omit<E, "data"> & { data: z.output<typeof CartSchema> }
  : E;

export const WireEventSchema = z
  .discriminatedUnion("name", [
    z.object({ ...base, name: z.literal("page"), data: PageSchema }),
    z.object({
      ...base,
      name: z.literal("product"),
      data: ProductViewSchema,
    }),
    z.object({ ...base, name: z.literal("cart"), data: BrowserCartSchema }),
    z.object({ ...base, name: z.literal("checkout"), data: CheckoutSchema.default({}) }),
    z.object({ ...base, name: z.literal("purchase"), data: PurchaseSchema }),
    z.object({ ...base, name: z.literal("identify"), data: IdentifySchema }),
    z.object({ ...base, name: z.literal("consent"), data: ConsentSchema }),
    z.object({ ...base, name: z.literal("form_start"), data: FormStartSchema.default({}) }),
    z.object({ ...base, name: z.literal("form_submit"), data: FormSubmitSchema.default({}) }),
    z.object({ ...base, name: z.literal("notify"), data: NotifySchema }),
    z.object({ ...base, name: z.literal("track"), event: customName, data: props.default({}) }),
  ])
  .transform(resolveCartUrls);

export const MAX_EVENTS_PER_BATCH = 50;

export const BatchSchema = z.object({
  /** Site id: the key of the site's config in KV (`site:<id>`). */
  site: z.string().regex(SITE_ID, "must be a lowercase site id"),
  /** First-party visitor id from the snippet (random, never fingerprinted). */
  vid: z.string().regex(VISITOR_ID, "must be 16-64 URL-safe characters"),
  /** IANA time zone of the browser, e.g. "Europe/Paris". */
  tz: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_+/-]+$/)
    .optional(),
  /** Identity token from an email link (`nudge_t`), verified by the worker; null: none. */
  t: z.string().max(512).nullish(),
  events: z.array(WireEventSchema).min(1).max(MAX_EVENTS_PER_BATCH),
});

export type Batch = z.input<typeof BatchSchema>;
export type WireEvent = z.input<typeof WireEventSchema>;
export type ParsedBatch = z.output<typeof BatchSchema>;
export type ParsedWireEvent = z.output<typeof WireEventSchema>;

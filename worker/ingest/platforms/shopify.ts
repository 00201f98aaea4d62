// Shopify webhooks (REST payloads: amounts are decimal strings in the shop's currency) → server
// events. Orders are verified purchases, checkouts are abandoned-checkout episodes that link to
// the checkout's own recovery URL, customers are identifies with the marketing consent the shop
// holds. The visitor id the tag put into the cart (`_nudge_vid`, a cart attribute Shopify copies
// to the checkout and order as a note attribute) ties the checkout to the browser. Pure.
import { z } from "zod";
import {
  amount,
  checked,
  eventIdOf,
  gidNumber,
  identifyOf,
  idText,
  ignored,
  invalid,
  lineOf,
  visitorIdOf,
  type PlatformOutcome,
} from "./common.ts";
import { shopifyProductEvents } from "./products.ts";

/** The topics Nudge subscribes to (the install guide lists them). */
export const SHOPIFY_TOPICS = [
  "orders/create",
  "orders/paid",
  "checkouts/create",
  "checkouts/update",
  "customers/create",
  "customers/update",
  "products/create",
  "products/update",
] as const;

/** The cart attribute (note attribute on checkouts and orders) that carries the visitor id. */
export const SHOPIFY_VID_ATTRIBUTE = "_nudge_vid";

const text = z.string().nullish();
const LineItem = z.object({
  id: idText.nullish(),
  variant_id: idText.nullish(),
  product_id: idText.nullish(),
  title: text,
  variant_title: text,
  name: text,
  price: amount,
  quantity: z.number().int().min(0),
});
const Customer = z
  .object({
    email: text,
    first_name: text,
    last_name: text,
    accepts_marketing: z.boolean().nullish(),
    email_marketing_consent: z.object({ state: text }).nullish(),
  })
  .nullish();
const NoteAttributes = z
  .array(z.object({ name: z.string(), value: z.unknown() }))
  .nullish()
  .catch(null);

const Order = z.object({
  id: idText,
  admin_graphql_api_id: text,
  email: text,
  contact_email: text,
  currency: z.string(),
  total_price: amount,
  processed_at: text,
  created_at: text,
  cancelled_at: text,
  test: z.boolean().nullish(),
  buyer_accepts_marketing: z.boolean().nullish(),
  line_items: z.array(LineItem).max(500).default([]),
  note_attributes: NoteAttributes,
  customer: Customer,
});

const Checkout = z.object({
  id: idText.nullish(),
  token: idText.nullish(),
  email: text,
  currency: z.string().nullish(),
  presentment_currency: z.string().nullish(),
  total_price: amount.nullish(),
  abandoned_checkout_url: text,
  completed_at: text,
  updated_at: text,
  created_at: text,
  buyer_accepts_marketing: z.boolean().nullish(),
  line_items: z.array(LineItem).max(500).default([]),
  note_attributes: NoteAttributes,
  customer: Customer,
  billing_address: z.object({ first_name: text, last_name: text }).nullish(),
});

const CustomerPayload = z.object({
  id: idText,
  email: text,
  first_name: text,
  last_name: text,
  accepts_marketing: z.boolean().nullish(),
  email_marketing_consent: z.object({ state: text }).nullish(),
});

type LineItem = z.output<typeof LineItem>;

const itemsOf = (lines: LineItem[]) =>
  lines
    .filter((l) => l.quantity > 0)
    .slice(0, 100)
    .map((l) =>
      lineOf({
        id: l.variant_id ?? l.product_id ?? l.id ?? "item",
        name: l.name ?? [l.title, l.variant_title].filter(Boolean).join(" - "),
        price: l.price,
        quantity: l.quantity,
      }),
    );

/** What the shop says about email marketing: subscribed → yes, unsubscribed → no, else unsaid. */
function consentOf(
  c:
    | {
        accepts_marketing?: boolean | null;
        email_marketing_consent?: { state?: string | null } | null;
      }
    | null
    | undefined,
  buyerAccepts?: boolean | null,
): { marketing: boolean } | undefined {
  const state = c?.email_marketing_consent?.state?.toLowerCase();
  if (state === "subscribed") return { marketing: true };
  if (state === "unsubscribed") return { marketing: false };
  if (state === undefined && typeof c?.accepts_marketing === "boolean")
    return { marketing: c.accepts_marketing };
  return buyerAccepts ? { marketing: true } : undefined;
}

const vidOf = (attrs: { name: string; value: unknown }[] | null | undefined) =>
  visitorIdOf(attrs?.find((a) => a.name === SHOPIFY_VID_ATTRIBUTE)?.value);

const emailOf = (...candidates: (string | null | undefined)[]) =>
  candidates.map((e) => e?.trim()).find((e) => e) ?? null;

/**
 * One Shopify webhook: `topic` (X-Shopify-Topic), `webhookId` (X-Shopify-Webhook-Id, the same
 * on every retry of one delivery) and the parsed JSON body.
 */
export function shopifyEvents(
  topic: string,
  webhookId: string,
  body: unknown,
  shop: string | null = null,
): PlatformOutcome {
  switch (topic) {
    case "orders/create":
    case "orders/paid": {
      const p = Order.safeParse(body);
      if (!p.success) return invalid(p.error);
      const o = p.data;
      const email = emailOf(o.email, o.contact_email, o.customer?.email);
      if (!email) return ignored("no_email");
      if (o.cancelled_at) return ignored("cancelled");
      const orderId = gidNumber(o.admin_graphql_api_id) ?? o.id;
      // One id per order, whatever the topic: create and paid, and every retry, are one purchase.
      const id = eventIdOf("shp-o", orderId);
      const at = o.processed_at ?? o.created_at ?? undefined;
      const consent = consentOf(o.customer, o.buyer_accepts_marketing);
      const vid = vidOf(o.note_attributes);
      return checked(vid ? { vid, email } : null, [
        identifyOf(`${id}-who`, email, {
          first: o.customer?.first_name,
          last: o.customer?.last_name,
          consent,
        }),
        {
          id,
          name: "purchase",
          email,
          ...(at ? { at } : {}),
          data: {
            order_id: orderId,
            value: o.total_price,
            currency: o.currency,
            items: itemsOf(o.line_items),
          },
        },
      ]);
    }
    case "checkouts/create":
    case "checkouts/update": {
      const p = Checkout.safeParse(body);
      if (!p.success) return invalid(p.error);
      const co = p.data;
      const email = emailOf(co.email, co.customer?.email);
      if (!email) return ignored("no_email");
      if (co.completed_at) return ignored("completed");
      const id = eventIdOf("shp", webhookId);
      const currency = co.presentment_currency ?? co.currency ?? undefined;
      const recovery = co.abandoned_checkout_url ?? undefined;
      const at = co.updated_at ?? co.created_at ?? undefined;
      const consent = consentOf(co.customer, co.buyer_accepts_marketing);
      const vid = vidOf(co.note_attributes);
      return checked(vid ? { vid, email } : null, [
        identifyOf(`${id}-who`, email, {
          first: co.customer?.first_name ?? co.billing_address?.first_name,
          last: co.customer?.last_name ?? co.billing_address?.last_name,
          consent,
        }),
        {
          id: `${id}-cart`,
          name: "cart",
          email,
          ...(at ? { at } : {}),
          data: { items: itemsOf(co.line_items), ...(currency ? { currency } : {}) },
        },
        {
          id,
          name: "checkout",
          email,
          ...(at ? { at } : {}),
          data: {
            ...(co.total_price === null || co.total_price === undefined
              ? {}
              : { value: co.total_price }),
            ...(currency ? { currency } : {}),
            ...(recovery ? { recovery_url: recovery } : {}),
          },
        },
      ]);
    }
    case "customers/create":
    case "customers/update": {
      const p = CustomerPayload.safeParse(body);
      if (!p.success) return invalid(p.error);
      const cu = p.data;
      const email = emailOf(cu.email);
      if (!email) return ignored("no_email");
      const consent = consentOf(cu);
      return checked(null, [
        identifyOf(eventIdOf("shp", webhookId), email, {
          first: cu.first_name,
          last: cu.last_name,
          consent,
        }),
      ]);
    }
    case "products/create":
    case "products/update":
      return shopifyProductEvents(webhookId, body, shop);
    default:
      return ignored("unhandled_topic");
  }
}

// WooCommerce webhooks (REST API v3 resources) → server events. An order in a paid status
// (processing, completed) is a verified purchase; an order created and still waiting for payment
// (pending, failed) is an abandoned checkout whose email links to the order's own payment page;
// a customer is an identify. Pure.
import { z } from "zod";
import {
  amount,
  checked,
  eventIdOf,
  identifyOf,
  idText,
  ignored,
  invalid,
  lineOf,
  visitorIdOf,
  type PlatformOutcome,
} from "./common.ts";
import { wooProductEvents } from "./products.ts";

export const WOOCOMMERCE_TOPICS = [
  "order.created",
  "order.updated",
  "customer.created",
  "product.created",
  "product.updated",
] as const;

/** Order statuses that mean the money is in. */
export const WOO_PAID_STATUSES = ["processing", "completed"];
/** Order statuses of a checkout the shopper did not finish paying. */
const UNPAID = ["pending", "failed"];

const text = z.string().nullish();
/** WooCommerce's `*_gmt` dates carry no offset: they are UTC. */
const gmt = text.transform((s) =>
  s && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(s) ? `${s}Z` : undefined,
);
const Meta = z
  .array(z.object({ key: z.string(), value: z.unknown() }))
  .nullish()
  .catch(null);

const Order = z.object({
  id: idText,
  status: z.string(),
  currency: z.string(),
  total: amount,
  date_created_gmt: gmt,
  date_modified_gmt: gmt,
  date_paid_gmt: gmt,
  payment_url: text,
  billing: z.object({ email: text, first_name: text, last_name: text }).nullish(),
  line_items: z
    .array(
      z.object({
        product_id: idText.nullish(),
        variation_id: idText.nullish(),
        name: text,
        quantity: z.number().int().min(0),
        price: amount.nullish(),
        total: amount.nullish(),
        image: z.object({ src: text }).nullish().catch(null),
      }),
    )
    .max(500)
    .default([]),
  meta_data: Meta,
});

const Customer = z.object({
  id: idText,
  email: text,
  first_name: text,
  last_name: text,
});

/**
 * One WooCommerce webhook: `topic` (X-WC-Webhook-Topic), `deliveryId`
 * (X-WC-Webhook-Delivery-ID) and the parsed JSON body.
 */
export function wooCommerceEvents(
  topic: string,
  deliveryId: string,
  body: unknown,
): PlatformOutcome {
  switch (topic) {
    case "order.created":
    case "order.updated": {
      const p = Order.safeParse(body);
      if (!p.success) return invalid(p.error);
      const o = p.data;
      const email = o.billing?.email?.trim();
      if (!email) return ignored("no_email");
      const status = o.status.toLowerCase();
      const items = o.line_items
        .filter((l) => l.quantity > 0)
        .slice(0, 100)
        .map((l) =>
          lineOf({
            id:
              l.variation_id && l.variation_id !== "0" ? l.variation_id : (l.product_id ?? "item"),
            name: l.name,
            // `price` is the unit price; older stores send only the line `total`.
            price: l.price ?? (l.total ?? 0) / Math.max(1, l.quantity),
            quantity: l.quantity,
            image: l.image?.src,
          }),
        );
      const vid = visitorIdOf(o.meta_data?.find((m) => m.key === "_nudge_vid")?.value);
      const who = identifyOf(eventIdOf("woo-o", o.id, "who"), email, {
        first: o.billing?.first_name,
        last: o.billing?.last_name,
      });
      if (WOO_PAID_STATUSES.includes(status)) {
        const at = o.date_paid_gmt ?? o.date_created_gmt;
        return checked(vid ? { vid, email } : null, [
          who,
          {
            id: eventIdOf("woo-o", o.id),
            name: "purchase",
            email,
            ...(at ? { at } : {}),
            data: { order_id: o.id, value: o.total, currency: o.currency, items },
          },
        ]);
      }
      if (topic === "order.created" && UNPAID.includes(status)) {
        const at = o.date_created_gmt;
        const id = eventIdOf("woo-co", o.id);
        return checked(vid ? { vid, email } : null, [
          who,
          {
            id: `${id}-cart`,
            name: "cart",
            email,
            ...(at ? { at } : {}),
            data: { items, currency: o.currency },
          },
          {
            id,
            name: "checkout",
            email,
            ...(at ? { at } : {}),
            data: {
              value: o.total,
              currency: o.currency,
              ...(o.payment_url ? { recovery_url: o.payment_url } : {}),
            },
          },
        ]);
      }
      return ignored(`status_${status.replace(/[^a-z-]/g, "")}`);
    }
    case "customer.created": {
      const p = Customer.safeParse(body);
      if (!p.success) return invalid(p.error);
      const email = p.data.email?.trim();
      if (!email) return ignored("no_email");
      return checked(null, [
        identifyOf(eventIdOf("woo", deliveryId), email, {
          first: p.data.first_name,
          last: p.data.last_name,
        }),
      ]);
    }
    case "product.created":
    case "product.updated":
      return wooProductEvents(deliveryId, body);
    default:
      return ignored("unhandled_topic");
  }
}

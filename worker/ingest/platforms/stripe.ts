// Stripe Checkout events → server events. A completed session that is paid is a verified
// purchase (amounts in the currency's minor unit); an expired session is an abandoned checkout,
// linking to the session's recovery URL when the store turned recovery on; the promotional
// consent Checkout collected (`consent.promotions`) is the person's marketing consent. The visitor id may
// come as the session's `client_reference_id` or `metadata.nudge_vid`. Pure.
import { z } from "zod";
import {
  checked,
  eventIdOf,
  identifyOf,
  ignored,
  invalid,
  visitorIdOf,
  type PlatformOutcome,
} from "./common.ts";

export const STRIPE_EVENT_TYPES = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.expired",
] as const;

/** Currencies Stripe counts in whole units, and those with three decimals. */
const ZERO_DECIMAL = new Set(
  "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split(" "),
);
const THREE_DECIMAL = new Set("bhd jod kwd omr tnd".split(" "));

/** A Stripe amount (integer minor units) in major units of `currency`. */
export function fromMinorUnits(minor: number, currency: string): number {
  const c = currency.toLowerCase();
  const digits = ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
  return Math.round(minor) / 10 ** digits;
}

const text = z.string().nullish();
const Session = z.object({
  id: z.string().min(1).max(128),
  object: z.literal("checkout.session"),
  amount_total: z.number().int().nonnegative().nullish(),
  currency: text,
  customer_email: text,
  customer_details: z.object({ email: text, name: text }).nullish(),
  payment_status: text,
  client_reference_id: text,
  /** With `consent_collection.promotions`: what the shopper ticked. */
  consent: z.object({ promotions: text }).nullish().catch(null),
  metadata: z.record(z.string(), z.unknown()).nullish().catch(null),
  after_expiration: z
    .object({ recovery: z.object({ url: text }).nullish() })
    .nullish()
    .catch(null),
});

export const StripeEventSchema = z.object({
  id: z.string().min(1).max(128),
  object: z.literal("event"),
  type: z.string(),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.unknown() }),
});

/** One verified Stripe event (the parsed JSON body). */
export function stripeEvents(body: unknown): PlatformOutcome {
  const e = StripeEventSchema.safeParse(body);
  if (!e.success) return invalid(e.error);
  const type = e.data.type;
  if (!(STRIPE_EVENT_TYPES as readonly string[]).includes(type)) return ignored("unhandled_type");
  const p = Session.safeParse(e.data.data.object);
  if (!p.success) return invalid(p.error);
  const s = p.data;
  const email = (s.customer_details?.email ?? s.customer_email)?.trim();
  if (!email) return ignored("no_email");
  const currency = s.currency ?? "";
  const value =
    s.amount_total == null || !currency ? undefined : fromMinorUnits(s.amount_total, currency);
  const vid = visitorIdOf(s.client_reference_id) ?? visitorIdOf(s.metadata?.nudge_vid);
  const link = vid ? { vid, email } : null;
  const at = e.data.created * 1000;
  const promotions = s.consent?.promotions;
  const who =
    promotions === "opt_in" || promotions === "opt_out"
      ? [
          identifyOf(eventIdOf("stp", e.data.id, "who"), email, {
            consent: { marketing: promotions === "opt_in" },
          }),
        ]
      : [];
  if (type === "checkout.session.expired") {
    const recovery = s.after_expiration?.recovery?.url;
    return checked(link, [
      ...who,
      {
        id: eventIdOf("stp", e.data.id),
        name: "checkout",
        email,
        at,
        data: {
          ...(value === undefined ? {} : { value }),
          ...(currency ? { currency } : {}),
          ...(recovery ? { recovery_url: recovery } : {}),
        },
      },
    ]);
  }
  // Completed: paid now, or nothing to pay; an unpaid session (a bank debit still pending)
  // becomes a purchase on checkout.session.async_payment_succeeded.
  if (s.payment_status !== "paid" && s.payment_status !== "no_payment_required")
    return ignored("awaiting_payment");
  if (value === undefined) return ignored("no_amount");
  return checked(link, [
    ...who,
    {
      // One id per session: completed and async_payment_succeeded are one purchase.
      id: eventIdOf("stp-o", s.id),
      name: "purchase",
      email,
      at,
      data: { order_id: s.id, value, currency },
    },
  ]);
}

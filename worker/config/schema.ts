// The site config document (KV `site:<id>`): one zod schema, the single source of truth for
// the worker, the engine, the CLI (`nudge validate`) and the generated JSON Schema.
import { z } from "zod";
import { formatIssues } from "./errors.ts";
import {
  duration,
  httpUrl,
  isLiquid,
  origin,
  QuietHoursSchema,
  unionError,
  vars,
} from "./fields.ts";
import { TriggerSchema } from "./trigger-schema.ts";
import { EVENT_NAME, SITE_ID } from "../lib/ids.ts";

export { parseDuration } from "./duration.ts";
export { QuietHoursSchema, VARS_MAX, VAR_VALUE_MAX } from "./fields.ts";
export { StepSchema, TriggerSchema, VariantSchema } from "./trigger-schema.ts";

/** How emails present the shop (all optional: defaults come from `from` and `origins`). */
export const BrandSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional().meta({ description: "Default: from's name" }),
  url: httpUrl.optional().meta({ description: "Storefront home page. Default: origins[0]" }),
  logoUrl: httpUrl.optional(),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, { error: "is not a colour like #1f2937" })
    .optional(),
  locale: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { error: "is not a locale like en-US" })
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: "is not a currency code like EUR" })
    .optional(),
});

/** How recently a price drop's viewer must have seen the product when the trigger does not say. */
export const PRICE_DROP_WITHIN_MS = 14 * 86_400_000;

/** The largest `dailyLimit` a site may set (the Contact object remembers this many sends). */
export const DAILY_LIMIT_MAX = 1000;

export const SiteConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    site: z.string().regex(SITE_ID, {
      error: (iss) => `${JSON.stringify(iss.input)} is not a site id (lowercase, digits, - and _)`,
    }),
    origins: z
      .array(origin)
      .min(1, { error: "needs at least one origin the snippet runs on" })
      .max(50),
    from: z
      .string()
      .regex(/^([^<>]+<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)$/, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a sender like "Shop <shop@example.com>"`,
      }),
    postalAddress: z
      .string()
      .trim()
      .min(1, { error: "must not be empty (it goes in every footer)" }),
    frequencyCap: z
      .union([duration, z.literal(false)], {
        error: unionError("is not a duration like 16h, or false"),
      })
      .prefault("16h")
      .meta({ description: "At most one marketing email per contact per window, or false" }),
    dailyLimit: z
      .number({ error: "is not a number of emails like 10" })
      .int({ error: "is not a whole number of emails" })
      .min(1, { error: "must be at least 1" })
      .max(DAILY_LIMIT_MAX, { error: `must be at most ${DAILY_LIMIT_MAX}` })
      .default(10)
      .meta({
        description:
          "Most emails one address gets in 24 h, all triggers included (order mail too), whatever the triggers say",
      }),
    optIn: z
      .enum(["double", "single"], { error: 'is not "double" or "single"' })
      .default("double")
      .meta({
        description:
          'How an address a browser gave becomes one Nudge writes to. "double": one confirmation email first (template confirm); every other email waits for the click. "single": at once (only when the store collects consent itself)',
      }),
    confirmSubject: z
      .string()
      .trim()
      .min(1, { error: "must not be empty" })
      .max(200, { error: "must be at most 200 characters" })
      .default("Please confirm your email for {{ site.name }}")
      .meta({ description: "Subject of the double opt-in confirmation email (Liquid)" }),
    attributionWindow: duration.prefault("5d"),
    sessionIdle: duration
      .refine((ms) => ms >= 60_000 && ms <= 86_400_000, {
        error: "must be between 1m and 1d",
      })
      .prefault("30m")
      .meta({
        description:
          "How long a visitor is idle before their session ends (the derived session_end event)",
      }),
    anonymousSteps: z
      .enum(["live", "deferred"], { error: 'is not "live" or "deferred"' })
      .default("live")
      .meta({
        description:
          'The email steps of a visitor with no known address can only wait for one, then be skipped. "live": each is recorded when it comes due and when its wait runs out (one alarm run each). "deferred": all of an episode\'s are recorded together when its last wait runs out (with those of another episode that ends within a day after it), or sooner at the visitor\'s next event: the same outcomes and counts, later, for fewer alarm runs and writes. An address that arrives in time still gets the held step either way',
      }),
    trustBrowserPurchases: z.boolean().default(false).meta({
      description:
        "true: purchases reported only by the browser count as revenue and conversions (for stores that send no server events or platform webhooks); false: they cancel episodes and show as unverified claims",
    }),
    quietHours: QuietHoursSchema.optional(),
    brand: BrandSchema.optional(),
    imageHosts: z
      .array(
        z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, {
          error: (iss) => `${JSON.stringify(iss.input)} is not a host name like cdn.example.com`,
        }),
      )
      .max(20)
      .default([])
      .meta({
        description:
          "Hosts email images may load from besides the origins, e.g. a store CDN; images elsewhere are removed",
      }),
    links: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, { error: "is not a link name like cart" }),
        httpUrl,
      )
      .optional()
      .meta({
        description: "Destinations for templates' calls to action: shop, cart, form, review, …",
      }),
    vars: vars("a step's or variant's vars of the same name win"),
    platform: z.enum(["shopify", "woocommerce", "stripe", "custom"]).optional().meta({
      description:
        "The store's platform: shopify makes the cart link in emails a Shopify cart permalink (/cart/<variant>:<quantity>,…) unless cartLink says otherwise",
    }),
    cartLink: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .refine(isLiquid, { error: "is not valid Liquid" })
      .optional()
      .meta({
        description:
          "Liquid for the cart link in emails, over cart.items (e.g. a platform's cart permalink: https://shop.example/cart/{% for i in cart.items %}{{ i.id }}:{{ i.quantity }}{% unless forloop.last %},{% endunless %}{% endfor %}); without it the link is links.cart plus a signed nudge_cart the store can rebuild the cart from",
      }),
    requireConsent: z.boolean().default(false).meta({
      description: "true: marketing email only to visitors who gave marketing consent",
    }),
    retention: duration
      .prefault("400d")
      .meta({ description: "Idle visitor state is erased after this" }),
    customEvents: z
      .array(
        z.string().regex(EVENT_NAME, {
          error: (iss) => `${JSON.stringify(iss.input)} is not an event name like plan_upgraded`,
        }),
      )
      .max(200)
      .optional()
      .meta({
        description:
          "Names of the custom events the site sends (nudge('track', name) or server events), so triggers on them are not reported as typos",
      }),
    triggers: z.array(TriggerSchema).max(100),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.triggers.forEach((t, i) => {
      const first = seen.get(t.id);
      if (first !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["triggers", i, "id"],
          message: `"${t.id}" is already the id of triggers[${first}]`,
        });
      else seen.set(t.id, i);
    });
    // A topic names one kind of email: one label for it, and no trigger outside it by that id.
    const labels = new Map<string, string>();
    c.triggers.forEach((t, i) => {
      if (t.topic === undefined) return;
      const id = typeof t.topic === "string" ? t.topic : t.topic.id;
      const other = c.triggers.find((o) => o.id === id && o.topic === undefined);
      if (other)
        ctx.addIssue({
          code: "custom",
          path: ["triggers", i, "topic"],
          message: `"${id}" is the id of another trigger with no topic; give that trigger this topic too, or pick another name`,
        });
      const label = typeof t.topic === "string" ? undefined : t.topic.label;
      const first = labels.get(id);
      if (label !== undefined && first !== undefined && first !== label)
        ctx.addIssue({
          code: "custom",
          path: ["triggers", i, "topic", "label"],
          message: `topic "${id}" is already labelled "${first}"`,
        });
      else if (label !== undefined) labels.set(id, label);
    });
  });

export type SiteConfigInput = z.input<typeof SiteConfigSchema>;
export type SiteConfig = z.output<typeof SiteConfigSchema>;
export type Trigger = SiteConfig["triggers"][number];
export type Step = Trigger["steps"][number];
export type QuietHours = z.output<typeof QuietHoursSchema>;

export type ParseResult = { ok: true; config: SiteConfig } | { ok: false; errors: string[] };

/** Validates a config document; errors read `path: problem`, e.g. `triggers[2].steps[0].wait: …`. */
export function parseSiteConfig(input: unknown): ParseResult {
  const r = SiteConfigSchema.safeParse(input);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, errors: formatIssues(r.error.issues, input) };
}

// The site config document (KV `site:<id>`): one zod schema, the single source of truth for
// the worker, the engine, the CLI (`nudge validate`) and the generated JSON Schema.
import { z } from "zod";
import { ConditionSchema, PathSchema } from "./condition.ts";
import { CLOCK_RE, DURATION_RE, parseClock, parseDuration } from "./duration.ts";
import { formatIssues } from "./errors.ts";
import { Liquid } from "liquidjs";
import {
  EVENT_NAME,
  SITE_ID,
  TEMPLATE_NAME,
  TOPIC_SLUG,
  TRIGGER_ID,
  VAR_NAME,
} from "../lib/ids.ts";

export { parseDuration } from "./duration.ts";

function parseUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** "30m" in the document, milliseconds after parsing. */
const duration = z
  .string()
  .regex(DURATION_RE, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a duration like 30m, 1h, 2d`,
  })
  .transform((s) => parseDuration(s) ?? 0)
  .meta({ description: "A duration: a whole number and a unit s, m, h, d or w, e.g. 30m, 1h, 2d" });

const clock = z.string().regex(CLOCK_RE, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a 24-hour time like 09:00 or 21:30`,
});

const eventName = z.string().regex(EVENT_NAME, {
  error: (iss) => `${JSON.stringify(iss.input)} is not an event name like cart or signup_done`,
});

const origin = z.string().refine(
  (o) => {
    const u = parseUrl(o);
    return u !== null && (u.protocol === "https:" || u.protocol === "http:") && u.origin === o;
  },
  {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not an origin like https://shop.example.com (scheme and host, no path or trailing slash)`,
  },
);

const templateName = z.string().regex(TEMPLATE_NAME, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not a template name (lowercase letters, digits, - and _)`,
});

const liquid = new Liquid();
/** Why a string does not parse as a Liquid template, or null when it does (rendering can still
 * fail on data). */
function liquidProblem(source: string): string | null {
  try {
    liquid.parse(source);
    return null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "invalid";
  }
}
const isLiquid = (source: string) => liquidProblem(source) === null;

const subject = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .max(200, { error: "is longer than 200 characters" })
  .superRefine((v, ctx) => {
    const problem = liquidProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: `is not valid Liquid: ${problem}` });
  });

const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => /^https?:$/.test(parseUrl(u)?.protocol ?? ""), {
    error: (iss) => `${JSON.stringify(iss.input)} is not an http(s) URL`,
  });

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

export const QuietHoursSchema = z
  .strictObject({ start: clock, end: clock })
  .refine((q) => q.start !== q.end, { error: "start and end must differ" })
  .transform((q) => ({ start: parseClock(q.start) ?? 0, end: parseClock(q.end) ?? 0 }))
  .meta({ description: "Local times (visitor time zone) during which no email is sent" });

const webhookUrl = z.string().refine((u) => parseUrl(u)?.protocol === "https:", {
  error: (iss) => `${JSON.stringify(iss.input)} is not an https:// URL`,
});

export const VARS_MAX = 50;
export const VAR_VALUE_MAX = 500;

/** Free text values templates read as `vars.NAME` (an offer's percentage, terms, a fixed code). */
const vars = (where: string) =>
  z
    .record(
      z.string().regex(VAR_NAME, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a variable name like discount_code (lowercase letters, digits and _, at most 32)`,
      }),
      z.string().max(VAR_VALUE_MAX, { error: `is longer than ${VAR_VALUE_MAX} characters` }),
    )
    .refine((r) => Object.keys(r).length <= VARS_MAX, {
      error: `has more than ${VARS_MAX} variables`,
    })
    .optional()
    .meta({
      description: `Variables templates read as {{ vars.NAME }} (strings of at most ${VAR_VALUE_MAX} characters, at most ${VARS_MAX}); ${where}`,
    });

export const VariantSchema = z.strictObject({
  template: templateName,
  subject: subject.optional(),
  vars: vars("override the step's and the site's vars of the same name for this variant"),
  weight: z.number().int().min(1).max(100).optional().meta({
    description:
      "Share of people who get this variant, relative to the others' weights (default 1: an even split)",
  }),
});

export const StepSchema = z
  .strictObject({
    wait: duration.meta({ description: "Time after the previous step (the first: the trigger)" }),
    template: templateName.optional(),
    subject: subject
      .optional()
      .meta({ description: "Liquid string, e.g. Hi {{ contact.first_name }}" }),
    if: ConditionSchema.optional().meta({ description: "Checked when the step is due" }),
    variants: z
      .array(VariantSchema)
      .min(2, { error: "needs at least 2 variants" })
      .max(10)
      .optional(),
    vars: vars("override the site's vars of the same name for this step"),
    webhook: webhookUrl.optional().meta({ description: "POST the episode here instead of email" }),
  })
  .superRefine((s, ctx) => {
    if (s.webhook !== undefined) {
      for (const k of ["template", "subject", "variants", "vars"] as const)
        if (s[k] !== undefined)
          ctx.addIssue({ code: "custom", path: [k], message: `a webhook step has no ${k}` });
    } else if (s.template === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "needs a template (or a webhook)" });
    } else if (s.subject === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "needs a subject" });
    }
  });

/** A message for a union that failed as a whole; undefined keeps zod's per-branch issues. */
const unionError = (msg: string) => (iss: { code?: string; input?: unknown }) =>
  iss.code === "invalid_union" && (typeof iss.input !== "object" || iss.input === null)
    ? `${JSON.stringify(iss.input)} ${msg}`
    : undefined;

const cancelOnEntry = z.union(
  [eventName, z.strictObject({ event: eventName, if: ConditionSchema.optional() })],
  { error: unionError('is not an event name or { "event": name, "if": condition }') },
);

const reentry = z
  .union([z.literal("never"), z.literal("always"), duration], {
    error: unionError('is not "never", "always" or a duration like 1d'),
  })
  .prefault("1d")
  .meta({ description: '"never", "always", or the minimum time between episodes (default 1d)' });

const topicSlug = z.string().regex(TOPIC_SLUG, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not a topic (lowercase letters, digits and -, at most 40)`,
});

const TopicSchema = z
  .union(
    [
      topicSlug,
      z.strictObject({
        id: topicSlug,
        label: z
          .string()
          .trim()
          .min(1, { error: "must not be empty" })
          .max(60, { error: "must be at most 60 characters" })
          .optional()
          .meta({ description: 'What the page calls these emails, e.g. "cart reminders"' }),
      }),
    ],
    { error: unionError('is not a topic like "reminders" or { "id": "reminders", "label": … }') },
  )
  .meta({
    description:
      'The kind of email this trigger sends, e.g. "reminders" (several triggers may share one): the unsubscribe page offers to stop this kind alone. Default: the trigger\'s id',
  });

export const TriggerSchema = z
  .strictObject({
    id: z.string().regex(TRIGGER_ID, {
      error: (iss) =>
        `${JSON.stringify(iss.input)} is not a trigger id (lowercase letters, digits and -)`,
    }),
    on: eventName.optional().meta({ description: "Event that starts an episode" }),
    inactiveFor: duration
      .optional()
      .meta({ description: "Starts after this long without activity" }),
    date: PathSchema.optional().meta({ description: 'Yearly date path, e.g. "contact.birthday"' }),
    at: clock.optional().meta({ description: "Local time for date triggers (default 09:00)" }),
    if: ConditionSchema.optional(),
    count: z
      .strictObject({
        atLeast: z.number().int().min(1).max(1000),
        within: duration.optional(),
        sameKey: PathSchema.optional(),
      })
      .optional(),
    within: duration.optional().meta({
      description:
        'For "on": "price_drop": how recently the visitor must have viewed or carted the product (default 14d)',
    }),
    cancelOn: z.array(cancelOnEntry).max(20).optional(),
    holdout: z.number().min(0).max(1).default(0),
    reentry,
    frequencyCap: z.boolean().default(true).meta({ description: "false exempts this trigger" }),
    marketing: z.boolean().default(true).meta({
      description: "false for transactional mail: no consent needed, not stopped by unsubscribe",
    }),
    topic: TopicSchema.optional(),
    quietHours: z
      .union([QuietHoursSchema, z.literal(false)], {
        error: unionError('is not { "start": "21:00", "end": "08:00" } or false'),
      })
      .optional(),
    steps: z.array(StepSchema).min(1, { error: "needs at least one step" }).max(20),
  })
  .superRefine((t, ctx) => {
    const kinds = (["on", "inactiveFor", "date"] as const).filter((k) => t[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: "custom",
        path: [],
        message:
          kinds.length === 0
            ? 'needs one of "on", "inactiveFor" or "date"'
            : `has ${kinds.map((k) => `"${k}"`).join(" and ")}; use exactly one`,
      });
    if (t.at !== undefined && t.date === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["at"],
        message: '"at" only applies to a "date" trigger',
      });
    if (t.within !== undefined && t.on !== "price_drop")
      ctx.addIssue({
        code: "custom",
        path: ["within"],
        message:
          '"within" only applies to a trigger "on": "price_drop" (use count.within for counts)',
      });
    if (t.count !== undefined && t.on === undefined)
      ctx.addIssue({ code: "custom", path: ["count"], message: '"count" needs an "on" event' });
    t.cancelOn?.forEach((c, i) => {
      if (typeof c === "string" && c === t.on)
        ctx.addIssue({
          code: "custom",
          path: ["cancelOn", i],
          message: `cancelling on the trigger's own event "${c}" would end every episode; add an "if"`,
        });
    });
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

// The events the store's own systems send to POST /v1/events: one zod schema. The same event
// names and data shapes as the browser's wire (wire.ts), plus what only the store's backend may
// say: consent on identify, unsubscribe and resubscribe (of all marketing email or one topic),
// and catalog facts. Each names who it is about by `email` or `vid` (or both: the visitor is
// that person), and may say when (`at`).
import { z } from "zod";
import { CatalogProductSchema } from "../catalog/schema.ts";
import { SITE_ID, TOPIC_SLUG, VISITOR_ID } from "../lib/ids.ts";
import {
  base,
  CartSchema,
  ConsentSchema,
  customName,
  email,
  FormStartSchema,
  FormSubmitSchema,
  identify,
  identifyFields,
  NotifySchema,
  PageSchema,
  pageUrl,
  ProductSchema,
  props,
  PurchaseSchema,
  ServerCheckoutSchema,
} from "./wire.ts";

export const MAX_SERVER_EVENTS = 100;
/** Events older than this start no episodes (a backfill writes history, it does not email it). */
export const SERVER_HISTORY_MS = 24 * 3_600_000;

/** Identify from the backend: a browser identify, plus the marketing consent the store holds. */
export const ServerIdentifySchema = identify({
  ...identifyFields,
  consent: ConsentSchema.optional(),
});

/** Names only the store's systems may send. */
export const SERVER_ONLY_EVENTS = ["unsubscribe", "resubscribe"] as const;

const at = z
  .union([
    z.number().int().min(0).max(8.64e15),
    z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  ])
  .optional();

const who = {
  id: base.id,
  email: email.optional(),
  vid: z.string().regex(VISITOR_ID, "must be 16-64 URL-safe characters").optional(),
  /** When it happened (ms since epoch or ISO 8601); default: when it arrives. */
  at,
  url: pageUrl.optional(),
};

/**
 * Unsubscribe / resubscribe: from (or back to) all marketing email, or with `topic` that one kind
 * of email (a topic of the site's triggers: the route checks it against the config). Strict: a
 * misspelt key is an error, never a silent unsubscribe from everything.
 */
export const SubscriptionSchema = z
  .strictObject({
    topic: z
      .string()
      .regex(TOPIC_SLUG, "must be a topic (lowercase letters, digits and -, at most 40)")
      .optional(),
  })
  .default({});

const serverCustomName = customName.refine(
  (n) => !(SERVER_ONLY_EVENTS as readonly string[]).includes(n),
  "reserved event name",
);

export const ServerEventSchema = z
  .discriminatedUnion("name", [
    z.object({ ...who, name: z.literal("page"), data: PageSchema }),
    z.object({ ...who, name: z.literal("product"), data: ProductSchema }),
    z.object({ ...who, name: z.literal("cart"), data: CartSchema }),
    z.object({ ...who, name: z.literal("checkout"), data: ServerCheckoutSchema.default({}) }),
    z.object({ ...who, name: z.literal("purchase"), data: PurchaseSchema }),
    z.object({ ...who, name: z.literal("identify"), data: ServerIdentifySchema }),
    z.object({ ...who, name: z.literal("consent"), data: ConsentSchema }),
    z.object({ ...who, name: z.literal("form_start"), data: FormStartSchema.default({}) }),
    z.object({ ...who, name: z.literal("form_submit"), data: FormSubmitSchema.default({}) }),
    z.object({ ...who, name: z.literal("notify"), data: NotifySchema }),
    /** A catalog fact (about a product, not a person): no email or vid. */
    z.object({ ...who, name: z.literal("product_updated"), data: CatalogProductSchema }),
    z.object({ ...who, name: z.literal("unsubscribe"), data: SubscriptionSchema }),
    z.object({ ...who, name: z.literal("resubscribe"), data: SubscriptionSchema }),
    z.object({
      ...who,
      name: z.literal("track"),
      event: serverCustomName,
      data: props.default({}),
    }),
  ])
  .superRefine((e, ctx) => {
    const named = e.name === "identify" ? e.data.email : e.email;
    if (e.name === "product_updated") {
      if (e.email || e.vid)
        ctx.addIssue({
          code: "custom",
          path: ["email"],
          message: "product_updated is about a product: no email or vid",
        });
      return;
    }
    if (!named && !e.vid)
      ctx.addIssue({ code: "custom", path: ["email"], message: "needs an email or a vid" });
    if ((e.name === "unsubscribe" || e.name === "resubscribe") && !e.email)
      ctx.addIssue({ code: "custom", path: ["email"], message: "needs the email it is about" });
    if (e.name === "identify" && e.email && e.email !== e.data.email)
      ctx.addIssue({
        code: "custom",
        path: ["data", "email"],
        message: "differs from the event's email",
      });
  });

export const ServerBatchSchema = z.object({
  site: z.string().regex(SITE_ID, "must be a lowercase site id"),
  events: z.array(ServerEventSchema).min(1).max(MAX_SERVER_EVENTS),
});

export type ServerBatch = z.input<typeof ServerBatchSchema>;
export type ParsedServerEvent = z.output<typeof ServerEventSchema>;

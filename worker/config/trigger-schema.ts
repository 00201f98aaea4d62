// A trigger of the site config: what starts an episode (an event, inactivity or a yearly date),
// what cancels it, its steps (email or webhook, with variants) and its kind of email (topic).
// Part of the one schema in schema.ts; pure (zod).
import { z } from "zod";
import { ConditionSchema, PathSchema } from "./condition.ts";
import {
  clock,
  duration,
  eventName,
  QuietHoursSchema,
  subject,
  templateName,
  unionError,
  vars,
  webhookUrl,
} from "./fields.ts";
import { TOPIC_SLUG, TRIGGER_ID } from "../lib/ids.ts";

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

// zod schemas for the Resend webhook events Nudge acts on (shapes from the `webhooks:` section of
// test/contracts/resend-openapi.yaml), plus the suppression rule. Pure.
import { z } from "zod";

const OutboundData = z.looseObject({
  email_id: z.string(),
  created_at: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  /** Our send tags (site, trigger, step, …) come back as a name → value object. */
  tags: z.record(z.string(), z.string()).optional(),
});

const Bounce = z.looseObject({
  type: z.enum(["Permanent", "Transient", "Undetermined"]),
  subType: z.string(),
  message: z.string(),
  diagnosticCode: z.array(z.string()).optional(),
});

const Click = z.looseObject({
  link: z.string(),
  timestamp: z.string(),
  ipAddress: z.string().optional(),
  userAgent: z.string().optional(),
});

const event = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.looseObject({ type: z.literal(type), created_at: z.string(), data });

export const KnownResendEventSchema = z.discriminatedUnion("type", [
  event("email.sent", OutboundData),
  event("email.delivered", OutboundData),
  event("email.delivery_delayed", OutboundData),
  event("email.bounced", OutboundData.extend({ bounce: Bounce })),
  event("email.complained", OutboundData),
  event("email.opened", OutboundData),
  event("email.clicked", OutboundData.extend({ click: Click })),
]);
export type KnownResendEvent = z.infer<typeof KnownResendEventSchema>;

/** Any other event type (email.failed, contact.*, domain.*): acknowledged, not acted upon. */
export interface OtherResendEvent {
  type: "other";
  original_type: string;
}
export type ResendWebhookEvent = KnownResendEvent | OtherResendEvent;

const KNOWN: ReadonlySet<string> = new Set<string>(
  KnownResendEventSchema.options.map((o) => o.shape.type.value),
);

export const ResendWebhookEventSchema: z.ZodType<ResendWebhookEvent> = z
  .looseObject({ type: z.string() })
  .pipe(
    z.union([
      KnownResendEventSchema,
      z
        .looseObject({ type: z.string().refine((t) => !KNOWN.has(t)) })
        .transform((o): OtherResendEvent => ({ type: "other", original_type: o.type })),
    ]),
  );

/**
 * Whether an event must suppress the recipient: a permanent bounce or a complaint. Transient
 * and undetermined bounces do not (Resend retries those itself).
 */
export function suppressionReason(e: ResendWebhookEvent): "bounced" | "complained" | null {
  if (e.type === "email.complained") return "complained";
  if (e.type === "email.bounced" && e.data.bounce.type === "Permanent") return "bounced";
  return null;
}

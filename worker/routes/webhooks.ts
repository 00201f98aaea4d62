// POST /webhooks/resend: svix-verified Resend events. Bounces (permanent) and complaints
// suppress the contact; delivered, opened and clicked feed the stats. Our send tags say which
// contact and step an event belongs to. Bad or missing signatures → 401 and no state change.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { loadSiteConfig } from "../config/load.ts";
import { contactHash } from "../lib/crypto.ts";
import { httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { contactStub } from "../lib/stubs.ts";
import type { EngagementRef, MailEvent } from "../contact/protocol.ts";
import { suppressionReason } from "../ingest/resend-events.ts";
import { verifySvix } from "../ingest/svix.ts";
import { CONTACT_ID, EPISODE_ID, SITE_ID, TRIGGER_ID } from "../lib/ids.ts";

export const webhooks = new Hono<{ Bindings: Env }>();

const Tags = z.object({
  site: z.string().regex(SITE_ID),
  contact: z.string().regex(CONTACT_ID),
  trigger: z.string().regex(TRIGGER_ID).optional(),
  episode: z.string().regex(EPISODE_ID).optional(),
  step: z
    .string()
    .regex(/^\d{1,2}$/)
    .optional(),
  variant: z
    .string()
    .regex(/^(none|\d{1,2})$/)
    .optional(),
});

const TYPES = {
  "email.delivered": "delivered",
  "email.bounced": "bounced",
  "email.complained": "complained",
  "email.opened": "opened",
  "email.clicked": "clicked",
} as const;

const MAX_BODY_BYTES = 256 * 1024;

webhooks.post(
  "/webhooks/resend",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw httpError(413, "payload_too_large");
    },
  }),
  async (c) => {
    const raw = await c.req.text();
    const v = await verifySvix(
      c.env.RESEND_WEBHOOK_SECRET ?? "",
      c.req.raw.headers,
      raw,
      Date.now(),
    );
    if (!v.ok) {
      log("warn", "webhook.rejected", { reason: v.reason });
      const status = v.reason === "invalid_event" || v.reason === "malformed_body" ? 400 : 401;
      throw httpError(status, v.reason);
    }
    const ev = v.event;
    if (ev.type === "other" || !(ev.type in TYPES)) return c.json({ ok: true, ignored: true });
    const type = TYPES[ev.type as keyof typeof TYPES];
    const tags = Tags.safeParse(ev.data.tags ?? {});
    const to = ev.data.to[0];
    if (!tags.success || !to) {
      log("info", "webhook.ignored", { reason: "no_nudge_tags", type });
      return c.json({ ok: true, ignored: true });
    }
    const t = tags.data;
    // Only mail we sent, for a site that exists, to the address its contact id names.
    const ignore = await unknownTarget(c.env, t.site, t.contact, to);
    if (ignore) {
      log("info", "webhook.ignored", { reason: ignore, type, site: t.site });
      return c.json({ ok: true, ignored: true });
    }
    const ref: EngagementRef | null =
      t.trigger && t.episode && t.step
        ? {
            site: t.site,
            trigger: t.trigger,
            episode: t.episode,
            step: Number(t.step),
            variant: !t.variant || t.variant === "none" ? null : Number(t.variant),
          }
        : null;
    const mail: MailEvent = {
      svixId: v.svixId,
      type,
      ref,
      suppress: suppressionReason(ev),
    };
    const r = await contactStub(c.env, t.site, t.contact).mailEvent(t.site, t.contact, to, mail);
    if (r.unknown) {
      log("info", "webhook.ignored", { reason: "unknown_contact", type, site: t.site });
      return c.json({ ok: true, ignored: true });
    }
    log("info", "webhook.accepted", {
      site: t.site,
      contact: t.contact,
      type,
      duplicate: r.duplicate,
    });
    return c.json({ ok: true, duplicate: r.duplicate });
  },
);

/** Why a tagged event cannot be ours: an unknown site, or an address its contact id does not
 * name (tags are ours, but a forwarded or crafted event could pair them with another address). */
async function unknownTarget(env: Env, site: string, contact: string, to: string) {
  const cfg = await loadSiteConfig(env.NUDGE_CONFIG, site);
  if (!cfg.ok && cfg.reason === "unknown_site") return "unknown_site";
  if ((await contactHash(env.NUDGE_SECRET, site, to)) !== contact) return "address_mismatch";
  return null;
}

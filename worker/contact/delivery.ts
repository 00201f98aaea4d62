// Delivering one due step for the Contact object: decide (ledger, suppression, cap), hold out,
// claim coupon codes, render, re-check, pace, send, and record what was decided — each outcome
// once. Behind the object's host interface (host.ts: its load, mutate and config), so the object
// class stays thin.
import type { SiteConfig } from "../config/schema.ts";
import { topicOf } from "../config/topics.ts";
import { CONFIRM_TRIGGER, stepRefOf, type Fact, type StepRef } from "../engine/index.ts";
import { signToken } from "../mail/tokens.ts";
import { log } from "../lib/log.ts";
import { stageLog } from "../lib/stage-log.ts";
import { cartRestoreLink, platformCartLink } from "../mail/cart-link.ts";
import { makeLinkSigner, trimBase } from "../mail/links.ts";
import { senderFor } from "../mail/outbound.ts";
import { bookSendSlot, waitForSlot } from "../mail/pacer.ts";
import { parseTemplateOverride, renderEmail } from "../mail/render.ts";
import { recoveryUrlOf, templateContextOf, varsOf } from "../mail/template-context.ts";
import { claimCoupons } from "../offers/claim.ts";
import { recordFacts } from "../stats/facts.ts";
import { catalogFacts } from "../catalog/update.ts";
import { withCatalog } from "../catalog/overlay.ts";
import type { ContactHost } from "./host.ts";
import { decide, type SendRequest } from "./policy.ts";
import {
  outcomeOfSend,
  type DeliverOutcome,
  type DeliverRequest,
  type DeliverSkip,
} from "./protocol.ts";
import { delivered, freshRecord, optInGate, settled, touchOf, withheld } from "./record.ts";

export async function deliverStep(host: ContactHost, req: DeliverRequest): Promise<DeliverOutcome> {
  const { site, contact, effect } = req;
  const now = Date.now();
  const config = await host.config(site);
  if (!config) return { status: "wait", afterMs: 60_000, reason: "config_unavailable" };
  const ref = stepRefOf(effect);
  const sendReq: SendRequest = {
    key: effect.key,
    marketing: effect.marketing,
    frequencyCap: effect.frequencyCap,
    capMs: config.frequencyCap === false ? null : config.frequencyCap,
    dailyLimit: config.dailyLimit,
    // The kind of email this is, for the topics the person stopped (marketing mail only).
    topic:
      effect.marketing && effect.trigger !== CONFIRM_TRIGGER
        ? topicOf(config, effect.trigger)
        : null,
    now,
  };
  const origin = (at: number) => ({
    vid: req.vid,
    touch: touchOf(effect, effect.holdout ? "holdout" : "treated", "sent", at),
    window: config.attributionWindow,
  });
  if (host.erased()) {
    // Erased: nothing is sent, and nothing about the person is stored again.
    await record(host, req, [{ type: "skipped", ...ref, reason: "suppressed" }], now);
    return { status: "skipped", reason: "suppressed" };
  }
  const d = decideFor(host, site, effect.email, sendReq);
  if (d.action === "duplicate") return duplicate(host, req, ref, now);
  host.addVisitor(req.vid);
  if (d.action === "skip") return skip(host, req, ref, d.reason, now, sendReq.topic);
  const gate = optInGate(host.load(), effect, config.optIn, now);
  if (gate) return skip(host, req, ref, gate, now);
  if (effect.holdout) {
    host.mutate(site, effect.email, (r) => withheld(r, effect.key, now, origin(now)));
    await record(host, req, [{ type: "withheld", ...ref, channel: "email" }], now);
    return { status: "skipped", reason: "holdout" };
  }
  // The provider slot first (account-wide pacing): a send told to come back renders nothing,
  // claims nothing and asks the Catalog nothing until its slot. One in line is prepared while
  // it waits, then sent at its slot's time (so calls reach the provider as evenly as they were
  // booked); the re-check below runs after the wait, just before the send.
  const slot = await bookSendSlot(host.env, effect.key);
  if (!slot.ok) return { status: "wait", afterMs: slot.retryAfterMs, reason: "paced" };
  const slotAt = Date.now();
  // The site's override of the template (KV), read once for the coupon scan and the render.
  const override = await host.env.NUDGE_CONFIG.get(`template:${site}:${effect.template}`);
  // Unique codes the email reads (`coupon.NAME`), one per pool, kept by the step key.
  const offer = await claimCoupons(host.env, site, effect, override, varsOf(config, effect), now);
  if (!offer.ok) return skip(host, req, ref, offer.reason, now);
  const rendered = await render(host, req, config, now, offer.coupon, override, sendReq.topic);
  if (!rendered.ok) {
    log("error", "template.failed", {
      site,
      contact,
      trigger: effect.trigger,
      reason: rendered.message,
    });
    return fail(host, req, ref, rendered.reason, now);
  }
  const preparedAt = Date.now();
  const onTime = await waitForSlot(host.env, effect.key, slot);
  if (!onTime.ok) return { status: "wait", afterMs: onTime.retryAfterMs, reason: "paced" };
  // Re-check after the awaits: an unsubscribe may have landed while we waited or rendered.
  const now2 = Date.now();
  const recheck = decideFor(host, site, effect.email, { ...sendReq, now: now2 });
  if (recheck.action === "duplicate") return duplicate(host, req, ref, now2);
  if (recheck.action === "skip") return skip(host, req, ref, recheck.reason, now2, sendReq.topic);
  const renderedAt = Date.now();
  const result = await senderFor(host.env).send({
    idempotencyKey: effect.key,
    from: config.from,
    to: effect.email,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers: rendered.headers,
    tags: [
      { name: "site", value: site },
      { name: "contact", value: contact },
      { name: "trigger", value: effect.trigger },
      { name: "episode", value: effect.episode },
      { name: "step", value: String(effect.step) },
      { name: "variant", value: effect.variant === null ? "none" : String(effect.variant) },
    ],
  });
  const at = Date.now();
  // Entered, provider slot granted, rendered, the provider answered.
  stageLog(host.env, "stage.deliver", {
    key: effect.key,
    due: effect.due,
    enteredAt: now,
    slotAt,
    preparedAt,
    renderedAt,
    answeredAt: at,
  });
  const out = outcomeOfSend(result);
  if (out.status === "retry") return out;
  if (out.status === "failed") return fail(host, req, ref, out.reason, at);
  const sent = { ...sendReq, now: at };
  const confirm = effect.trigger === CONFIRM_TRIGGER;
  host.mutate(site, effect.email, (r) => {
    const next = delivered(r, sent, out.id, origin(at));
    return confirm ? { ...next, confirmSentAt: at } : next;
  });
  await record(host, req, [{ type: "sent", ...ref, channel: "email", id: out.id }], at);
  return out;
}

function decideFor(host: ContactHost, site: string, email: string, req: SendRequest) {
  return decide((host.load() ?? freshRecord(site, email)).policy, req);
}

async function duplicate(host: ContactHost, req: DeliverRequest, ref: StepRef, at: number) {
  await record(host, req, [{ type: "duplicate", ...ref }], at);
  return { status: "duplicate" } as const;
}

async function skip(
  host: ContactHost,
  req: DeliverRequest,
  ref: StepRef,
  reason: DeliverSkip,
  at: number,
  topic?: string | null,
) {
  const stopped = reason === "unsubscribed_topic" && topic ? topic : undefined;
  host.mutate(req.site, req.effect.email, (r) =>
    settled(r, ref.key, at, "skipped", reason, stopped),
  );
  await record(host, req, [{ type: "skipped", ...ref, reason }], at);
  return { status: "skipped", reason } as const;
}

async function fail(
  host: ContactHost,
  req: DeliverRequest,
  ref: StepRef,
  reason: string,
  at: number,
) {
  host.mutate(req.site, req.effect.email, (r) => settled(r, ref.key, at, "failed", reason));
  await record(
    host,
    req,
    [{ type: "failed", ...ref, channel: "email", reason, gaveUp: false }],
    at,
  );
  return { status: "failed", reason } as const;
}

/** What a delivery decided: logged and counted here, once. */
async function record(
  host: ContactHost,
  req: DeliverRequest,
  facts: Fact[],
  at: number,
): Promise<void> {
  await recordFacts(host.env, facts, { site: req.site, vid: req.vid, contact: req.contact }, at);
}

async function render(
  host: ContactHost,
  req: DeliverRequest,
  config: SiteConfig,
  now: number,
  coupon: Record<string, string>,
  override: string | null,
  topic: string | null | undefined,
) {
  const { site, contact, effect } = req;
  // A checkout the store reported brings its own recovery link: it wins over the cart link and
  // the restore link, and this email alone may link to it.
  const recovery = recoveryUrlOf(effect);
  const signer = makeLinkSigner(
    host.env.NUDGE_SECRET,
    req.base,
    {
      site,
      contact,
      email: effect.email,
      trigger: effect.trigger,
      episode: effect.episode,
      step: effect.step,
      variant: effect.variant,
      topic,
    },
    now,
    recovery ? [recovery] : [],
  );
  // What the store's catalog says of the products it names wins over what a browser said.
  const stated = templateContextOf(effect, config);
  const context =
    effect.trigger === CONFIRM_TRIGGER
      ? stated
      : withCatalog(stated, ...(await catalogFacts(host.env, site, stated)));
  context.coupon = coupon;
  // A cart the shopper can get back on any device: the checkout's recovery link, else the
  // store's cart permalink (`cartLink`, rendered with the email), else the platform's own link,
  // else its cart page with a signed `nudge_cart` to rebuild from. Tokens with an expiry are
  // signed at the step's due time, not now: every retry of a send must be byte-identical, or
  // the provider refuses its idempotency key (409).
  const cartLink = recovery ? undefined : config.cartLink;
  const cart =
    recovery ??
    (cartLink === undefined
      ? (platformCartLink(config.platform, context) ??
        (await cartRestoreLink(host.env.NUDGE_SECRET, site, context, effect.due)))
      : null);
  if (cart) context.links = { ...context.links, cart };
  if (effect.trigger === CONFIRM_TRIGGER) {
    // The one link that confirms the address: our own page, never a click-tracked site link.
    const token = await signToken(
      host.env.NUDGE_SECRET,
      { kind: "verify", site, contact },
      { now: effect.due },
    );
    context.links = { ...context.links, confirm: `${trimBase(req.base)}/v/${token}` };
  }
  return renderEmail({
    template: effect.template,
    subject: effect.subject,
    context,
    marketing: effect.marketing,
    signer,
    allowedOrigins: recovery ? [...config.origins, new URL(recovery).origin] : config.origins,
    imageHosts: config.imageHosts,
    ...(cartLink === undefined ? {} : { cartLink }),
    overrides: parseTemplateOverride(effect.template, override),
  });
}

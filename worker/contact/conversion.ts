// A purchase by the person, measured: last-touch credit for the email that led to it and the
// episode conversions the holdout lift is computed from. A purchase only a browser reported
// counts as revenue only where the site trusts browsers; otherwise it is a claim, shown apart.
import { log } from "../lib/log.ts";
import { humanStep } from "../lib/step.ts";
import { attribute, type Attribution } from "../stats/attribution.ts";
import { recordStats } from "../stats/record.ts";
import type { StatEvent } from "../stats/types.ts";
import type { ContactHost } from "./host.ts";
import { statRef } from "./record.ts";

/** Used when the site config cannot be read: the schema's default. */
export const DEFAULT_WINDOW_MS = 5 * 86_400_000;

export interface Order {
  id: string;
  value: number;
  currency: string;
  at: number;
  verified: boolean;
}

/**
 * Credits `order` to the person's touches inside the attribution window. Not verified and not
 * trusted: credited as a claim (never revenue), and the touches stay for a verified report of
 * the same order. Each order counts once (`unique` by order id).
 */
export async function recordPurchase(
  host: ContactHost,
  site: string,
  contact: string,
  order: Order,
): Promise<void> {
  const existing = host.load();
  if (!existing) return;
  const config = await host.config(site);
  const window = config?.attributionWindow ?? DEFAULT_WINDOW_MS;
  if (!order.verified && config?.trustBrowserPurchases !== true) {
    const claim = attribute(existing.touches, order.at, window).credit;
    if (!claim) return;
    log("info", "conversion.unverified", {
      site,
      contact,
      trigger: claim.trigger,
      step: humanStep(claim.step),
      variant: claim.variant,
    });
    await recordStats(host.env, [
      {
        ...statRef(site, claim, "treated", order.at, contact),
        metric: "claimed",
        unique: `${site}:order:${order.id}:claimed`,
        value: order.value,
        currency: order.currency,
      },
    ]);
    return;
  }
  let a: Attribution | undefined;
  host.mutate(site, existing.email, (r) => {
    a = attribute(r.touches, order.at, window);
    return { ...r, touches: a.touches };
  });
  if (!a) return;
  const money = { value: order.value, currency: order.currency };
  const events: StatEvent[] = a.episodes.map((t) => ({
    ...statRef(site, t, t.group, order.at, contact),
    step: null,
    metric: "episode_converted",
    unique: `${t.episode}:converted`,
    ...money,
  }));
  if (a.credit) {
    events.push({
      ...statRef(site, a.credit, "treated", order.at, contact),
      metric: "converted",
      unique: `${site}:order:${order.id}`,
      ...money,
    });
    log("info", "conversion.attributed", {
      site,
      contact,
      trigger: a.credit.trigger,
      step: humanStep(a.credit.step),
      variant: a.credit.variant,
      via: a.credit.kind,
    });
  }
  await recordStats(host.env, events);
}

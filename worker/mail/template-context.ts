// Builds the Liquid template context of one send (pure): the engine's snapshot of the visitor
// (contact, cart, product, order, event), its browser-supplied text cleaned (shopper-text.ts),
// plus what the site config says about the shop and the send's `vars` (site, step, variant).
import type { SiteConfig } from "../config/schema.ts";
import type { SendEffect } from "../engine/effects.ts";
import { displayName, type TemplateContext } from "./context.ts";
import { cleanShopperData, shopperText } from "./shopper-text.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : null;
const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** A person's name as a greeting can use it: short, and null when nothing is left. */
const nameOf = (v: unknown): string | null =>
  str(typeof v === "string" ? shopperText(v, 50) : null);

/** How emails and pages name the shop: the configured brand name, else the sender's name. */
export function siteName(config: SiteConfig): string {
  return config.brand?.name ?? displayName(config.from);
}

/** The shop's home page: the configured brand URL, else the first origin. */
export function shopHome(config: SiteConfig): string {
  return config.brand?.url ?? `${config.origins[0]}/`;
}

/**
 * The checkout's own recovery URL, when the episode started with a checkout the store's systems
 * reported (a browser checkout never carries one): the cart link of its emails (the delivery
 * sets it). Read from the engine's snapshot as it is (cleaning browser text would strip it),
 * https only.
 */
export function recoveryUrlOf(effect: SendEffect): string | null {
  const ev = obj(obj(effect.context)?.event);
  const u = ev?.name === "checkout" ? str(ev.recovery_url) : null;
  return u && /^https:\/\//i.test(u) && URL.canParse(u) ? u : null;
}

/**
 * The `vars` of one send: the site's, overridden by the step's, overridden by the chosen
 * variant's (the step the effect names, looked up in the current config). A trigger or step
 * removed from the config since the step was queued leaves the site's vars.
 */
export function varsOf(
  config: SiteConfig,
  ref: { trigger: string; step: number; variant: number | null },
): Record<string, string> {
  const step = config.triggers.find((t) => t.id === ref.trigger)?.steps[ref.step];
  const variant = ref.variant === null ? undefined : step?.variants?.[ref.variant];
  return { ...config.vars, ...step?.vars, ...variant?.vars };
}

export function templateContextOf(effect: SendEffect, config: SiteConfig): TemplateContext {
  const c = cleanShopperData(effect.context) as Obj;
  const brand = config.brand ?? {};
  const home = shopHome(config);
  const contact = obj(c.contact) ?? {};
  const cart = obj(c.cart);
  const product = obj(c.product);
  const order = obj(c.order);
  const links: Record<string, string> = { shop: home, ...config.links };
  const productUrl = str(product?.url);
  if (productUrl && !links.product) links.product = productUrl;
  const eventUrl = str(obj(c.event)?.url);
  if (eventUrl && !links.form && effect.trigger.startsWith("form")) links.form = eventUrl;
  return {
    contact: {
      ...contact,
      email: effect.email,
      first_name: nameOf(contact.first_name),
      last_name: nameOf(contact.last_name),
    },
    cart: cart as TemplateContext["cart"],
    product: product as TemplateContext["product"],
    order: order as TemplateContext["order"],
    event: obj(c.event),
    price_drop: obj(c.price_drop),
    site: {
      id: config.site,
      name: siteName(config),
      url: home,
      postal_address: config.postalAddress,
      logo_url: brand.logoUrl ?? null,
      locale: brand.locale ?? null,
      currency: brand.currency ?? str(cart?.currency) ?? null,
      brand_color: brand.color ?? null,
    },
    links,
    vars: varsOf(config, effect),
  };
}

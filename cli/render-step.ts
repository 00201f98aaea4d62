// What `nudge render --config FILE --trigger ID [--step N] [--variant N]` renders: exactly what
// that step would send (its template and subject, or a variant's; its trigger's marketing flag;
// the site's brand, links and vars; preview codes for the coupon pools it reads), over sample
// data (a visitor, a cart, a product, an order). Pure: the command reads the files and renders.
import type { SiteConfig } from "../worker/config/schema.ts";
import type { SendEffect } from "../worker/engine/effects.ts";
import type { TemplateContext } from "../worker/mail/context.ts";
import { templateContextOf, varsOf } from "../worker/mail/template-context.ts";
import { couponPoolsOf } from "../worker/offers/refs.ts";

export interface StepRender {
  template: string;
  subject: string;
  context: TemplateContext;
  marketing: boolean;
  allowedOrigins: string[];
  imageHosts: string[];
  cartLink?: string;
  /** What was rendered, for the output: "cart-abandoned step 1 (variant 2)". */
  label: string;
}

/**
 * The render of step `step` (1-based, as the dashboard counts) of trigger `trigger`, variant
 * `variant` (1-based; default: the step's own template, or the first variant), with `sample` as
 * what the engine would know of the visitor. An error says what is wrong, naming what exists.
 */
export function stepRender(
  config: SiteConfig,
  trigger: string,
  step: number,
  variant: number | null,
  sample: Record<string, unknown>,
): { ok: true; render: StepRender } | { ok: false; error: string } {
  const t = config.triggers.find((x) => x.id === trigger);
  if (!t)
    return {
      ok: false,
      error: `no trigger "${trigger}" in site "${config.site}" (it has ${config.triggers.map((x) => x.id).join(", ")})`,
    };
  const s = t.steps[step - 1];
  if (!Number.isInteger(step) || !s)
    return {
      ok: false,
      error: `trigger "${trigger}" has ${t.steps.length} step${t.steps.length === 1 ? "" : "s"}; --step counts from 1`,
    };
  if (s.webhook !== undefined)
    return {
      ok: false,
      error: `step ${step} of "${trigger}" posts to a webhook: no email to render`,
    };
  const variants = s.variants ?? [];
  if (variant !== null && !variants[variant - 1])
    return {
      ok: false,
      error: variants.length
        ? `step ${step} of "${trigger}" has ${variants.length} variants; --variant counts from 1`
        : `step ${step} of "${trigger}" has no variants`,
    };
  const chosen = variant !== null ? variants[variant - 1] : undefined;
  const template = chosen?.template ?? s.template ?? variants[0]?.template ?? "";
  const subject = chosen?.subject ?? s.subject ?? "";
  const ref = { trigger, step: step - 1, variant: variant === null ? null : variant - 1 };
  const effect = {
    type: "send",
    key: `${config.site}.${trigger}.preview.${step - 1}`,
    email: String((sample.contact as { email?: unknown } | undefined)?.email ?? "ada@example.com"),
    template,
    subject,
    context: sample,
    marketing: t.marketing,
    ...ref,
  } as unknown as SendEffect;
  const context = templateContextOf(effect, config);
  const vars = varsOf(config, ref);
  const pools = couponPoolsOf({ template, subject }, null, vars);
  if (pools.length)
    context.coupon = Object.fromEntries(pools.map((p) => [p, `PREVIEW-${p.toUpperCase()}`]));
  const recommendations = sample.recommendations;
  if (Array.isArray(recommendations))
    context.recommendations = recommendations as TemplateContext["recommendations"];
  if (!context.links?.cart) context.links = { ...context.links, cart: context.site.url };
  return {
    ok: true,
    render: {
      template,
      subject,
      context,
      marketing: t.marketing,
      allowedOrigins: config.origins,
      imageHosts: config.imageHosts,
      ...(config.cartLink ? { cartLink: config.cartLink } : {}),
      label: `${trigger} step ${step}${variant !== null ? ` (variant ${variant})` : ""}`,
    },
  };
}

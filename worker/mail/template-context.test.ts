// The template context of a send: what a browser said is cleaned before any template sees it.
import { describe, expect, it } from "vitest";
import { parseSiteConfig } from "../config/schema.ts";
import type { SendEffect } from "../engine/effects.ts";
import defaultConfig from "../../templates/default-config.json";
import { templateContextOf, varsOf } from "./template-context.ts";

const parsed = parseSiteConfig(defaultConfig);
if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
const config = parsed.config;

const effect = (context: Record<string, unknown>): SendEffect => ({
  type: "send",
  key: "demo.cart-abandoned.e1.0",
  trigger: "cart-abandoned",
  episode: "e1",
  step: 0,
  due: 0,
  variant: null,
  holdout: false,
  template: "cart-abandoned",
  subject: "s",
  frequencyCap: true,
  marketing: true,
  email: "ada@example.com",
  context,
});

describe("templateContextOf", () => {
  it("strips links and addresses from browser text and bounds its length", () => {
    const phish = "Verify your card now: https://evil.example/pay";
    const ctx = templateContextOf(
      effect({
        contact: {
          first_name: `Ada ${"x".repeat(200)}`,
          last_name: "www.evil.example",
          traits: { note: phish },
        },
        cart: {
          items: [{ id: "m", name: phish, price: 1, quantity: 1, url: "http://127.0.0.1:8080/m" }],
          value: 1,
          currency: "EUR",
          count: 1,
        },
        product: {
          id: "p",
          name: "Lamp — mail me at x@evil.example",
          url: "http://127.0.0.1:8080/p",
        },
        event: { name: "cart", note: phish },
      }),
      config,
    );
    const all = JSON.stringify(ctx);
    expect(all).not.toContain("evil.example");
    expect(ctx.contact.first_name?.length).toBeLessThanOrEqual(50);
    expect(ctx.contact.last_name).toBeNull();
    expect(ctx.contact.email).toBe("ada@example.com"); // the recipient itself is ours, untouched
    expect(ctx.cart?.items[0]).toMatchObject({
      name: "Verify your card now:",
      url: "http://127.0.0.1:8080/m",
    });
    expect(ctx.product?.name).toBe("Lamp — mail me at");
  });
});

describe("varsOf", () => {
  const withVars = parseSiteConfig({
    ...defaultConfig,
    vars: { percent: "10", terms: "site terms", code: "SITE" },
    triggers: [
      {
        id: "win-back",
        inactiveFor: "30d",
        steps: [
          { wait: "0s", template: "win-back", subject: "s", vars: { percent: "15" } },
          {
            wait: "1d",
            subject: "s",
            template: "win-back-offer",
            vars: { percent: "20", terms: "step terms" },
            variants: [
              { template: "win-back-offer", vars: { percent: "25" } },
              { template: "win-back-offer" },
            ],
          },
        ],
      },
    ],
  });
  if (!withVars.ok) throw new Error(withVars.errors.join("\n"));
  const cfg = withVars.config;
  const ref = (step: number, variant: number | null, trigger = "win-back") => ({
    trigger,
    step,
    variant,
  });

  it("layers site, step and variant vars, the most specific winning", () => {
    expect(varsOf(cfg, ref(0, null))).toEqual({ percent: "15", terms: "site terms", code: "SITE" });
    expect(varsOf(cfg, ref(1, 0))).toEqual({ percent: "25", terms: "step terms", code: "SITE" });
    expect(varsOf(cfg, ref(1, 1))).toEqual({ percent: "20", terms: "step terms", code: "SITE" });
  });

  it("falls back to the site's vars for a step the config no longer has, and to none", () => {
    expect(varsOf(cfg, ref(5, null))).toEqual({ percent: "10", terms: "site terms", code: "SITE" });
    expect(varsOf(cfg, ref(0, null, "gone"))).toEqual(cfg.vars);
    expect(varsOf(config, ref(0, null, "cart-abandoned"))).toEqual({});
  });

  it("reaches the template context", () => {
    const ctx = templateContextOf(
      { ...effect({}), trigger: "win-back", step: 1, variant: 0, key: "demo.win-back.e1.1" },
      cfg,
    );
    expect(ctx.vars).toEqual({ percent: "25", terms: "step terms", code: "SITE" });
  });
});

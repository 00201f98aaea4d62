// Site config schema: the example config (templates/default-config.json) validates and means what
// its triggers say; bad documents get `path: problem` errors an operator can act on; the JSON
// Schema has no drift.
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import committedSchema from "../../templates/nudge-config.schema.json";
import defaultConfig from "../../templates/default-config.json";
import demoConfig from "../../demo/site-config.json";
import { DAY, HOUR, MINUTE, parseClock, parseDuration } from "./duration.ts";
import { siteConfigJsonSchema } from "./json-schema.ts";
import { parseSiteConfig } from "./schema.ts";

function mustParse(doc: unknown) {
  const r = parseSiteConfig(doc);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

describe("parseDuration / parseClock", () => {
  it.each([
    ["0s", 0],
    ["30s", 30_000],
    ["30m", 30 * MINUTE],
    ["2h", 2 * HOUR],
    ["1d", DAY],
    ["2w", 14 * DAY],
  ])("%s → %d ms", (s, ms) => expect(parseDuration(s)).toBe(ms));
  it.each(["", "1", "2x", "1.5h", "-1h", "1 h", "1H", "h"])("rejects %j", (s) =>
    expect(parseDuration(s)).toBeNull(),
  );
  it("parses clocks", () => {
    expect(parseClock("09:00")).toBe(540);
    expect(parseClock("23:59")).toBe(1439);
    expect(parseClock("24:00")).toBeNull();
  });
});

describe("the example config (templates/default-config.json)", () => {
  const c = mustParse(defaultConfig);
  const byId = (id: string) => {
    const t = c.triggers.find((x) => x.id === id);
    if (!t) throw new Error(id);
    return t;
  };

  it("validates with the documented defaults", () => {
    expect(c.site).toBe("demo");
    expect(c.frequencyCap).toBe(16 * HOUR);
    expect(c.attributionWindow).toBe(5 * DAY);
    expect(c.retention).toBe(400 * DAY);
    expect(c.requireConsent).toBe(false);
    expect(c.anonymousSteps).toBe("live");
    expect(c.triggers.map((t) => t.id)).toEqual([
      "cart-abandoned",
      "browse-abandoned",
      "form-abandoned",
      "welcome",
      "thank-you",
      "win-back",
      "birthday",
      "clicked-no-purchase",
      "checkout-abandoned",
      "back-in-stock",
      "price-drop",
    ]);
    expect(byId("price-drop").within).toBe(14 * DAY);
    expect(byId("price-drop").if).toEqual({ "price_drop.percent": { gte: 10 } });
  });

  it('refuses "within" on a trigger that is not on price_drop', () => {
    const r = parseSiteConfig({
      ...defaultConfig,
      triggers: [{ ...defaultConfig.triggers[0], within: "3d" }],
    });
    expect(r.ok ? [] : r.errors).toEqual([
      'triggers[0].within: "within" only applies to a trigger "on": "price_drop" (use count.within for counts)',
    ]);
  });

  it("means what its triggers say", () => {
    const cart = byId("cart-abandoned");
    expect(cart.on).toBe("cart");
    expect(cart.holdout).toBe(0.1);
    expect(cart.reentry).toBe(DAY);
    expect(cart.steps.map((s) => s.wait)).toEqual([HOUR, DAY]);
    expect(cart.cancelOn).toEqual([
      "purchase",
      "checkout",
      { event: "cart", if: { "cart.count": { eq: 0 } } },
    ]);
    // A checkout supersedes the cart: one email, linking to the checkout when the store gave one.
    expect(byId("checkout-abandoned").on).toBe("checkout");
    expect(byId("checkout-abandoned").cancelOn).toEqual(["purchase"]);
    expect(byId("browse-abandoned").count).toEqual({
      atLeast: 2,
      within: DAY,
      sameKey: "product.id",
    });
    expect(byId("welcome").reentry).toBe("never");
    expect(byId("welcome").frequencyCap).toBe(false);
    expect(byId("thank-you").frequencyCap).toBe(false);
    expect(byId("win-back").inactiveFor).toBe(30 * DAY);
    expect(byId("win-back").steps[0]?.variants).toHaveLength(2);
    expect(byId("birthday")).toMatchObject({ date: "contact.birthday", at: "09:00" });
    expect(byId("clicked-no-purchase").steps[0]).toEqual({
      wait: DAY,
      webhook: "https://hooks.example.com/nudge",
    });
  });

  it("demo config validates with delays of at most 30 s", () => {
    const d = mustParse(demoConfig);
    expect(d.origins).toContain("http://localhost:8080");
    for (const t of d.triggers) for (const s of t.steps) expect(s.wait).toBeLessThanOrEqual(30_000);
    expect(d.triggers.map((t) => t.id)).toEqual(c.triggers.map((t) => t.id));
  });
});

type Doc = Record<string, unknown> & { triggers: Record<string, unknown>[] };
const base = (): Doc => structuredClone(defaultConfig) as Doc;
const trig = (d: Doc, i: number) =>
  d.triggers[i] as Record<string, unknown> & { steps: Record<string, unknown>[] };

const BAD: [string, (d: Doc) => void, string][] = [
  [
    "bad duration",
    (d) => (trig(d, 2).steps[0]!.wait = "2x"),
    'triggers[2].steps[0].wait: "2x" is not a duration like 30m, 1h, 2d',
  ],
  ["missing from", (d) => delete d.from, "from: is required"],
  ["session too short", (d) => (d.sessionIdle = "30s"), "sessionIdle: must be between 1m and 1d"],
  ["session too long", (d) => (d.sessionIdle = "2d"), "sessionIdle: must be between 1m and 1d"],
  ["optIn typo", (d) => (d.optIn = "double-opt-in"), 'optIn: must be "double" or "single"'],
  [
    "anonymousSteps typo",
    (d) => (d.anonymousSteps = "lazy"),
    'anonymousSteps: must be "live" or "deferred"',
  ],
  [
    "cartLink not Liquid",
    (d) => (d.cartLink = "https://x/{% for %}"),
    "cartLink: is not valid Liquid",
  ],
  [
    "origin with path",
    (d) => (d.origins = ["https://shop.example.com/"]),
    'origins[0]: "https://shop.example.com/" is not an origin',
  ],
  ["empty origins", (d) => (d.origins = []), "origins: needs at least one origin"],
  [
    "frequencyCap true",
    (d) => (d.frequencyCap = true),
    "frequencyCap: true is not a duration like 16h, or false",
  ],
  [
    "typo in step",
    (d) => (trig(d, 0).steps[0]!.wiat = "1h"),
    "triggers[0].steps[0].wiat: unknown field",
  ],
  [
    "unknown operator",
    (d) => (trig(d, 0).if = { "cart.value": { gtt: 0 } }),
    'triggers[0].if["cart.value"].gtt: unknown field',
  ],
  [
    "unknown path root",
    (d) => (trig(d, 0).if = { "carts.value": 1 }),
    'triggers[0].if["carts.value"]: "carts.value" must start with one of',
  ],
  ["holdout > 1", (d) => (trig(d, 0).holdout = 2), "triggers[0].holdout: must be at most 1, got 2"],
  [
    "bad reentry",
    (d) => (trig(d, 3).reentry = "sometimes"),
    'triggers[3].reentry: "sometimes" is not "never", "always" or a duration',
  ],
  [
    "two kinds",
    (d) => (trig(d, 5).on = "page"),
    'triggers[5]: has "on" and "inactiveFor"; use exactly one',
  ],
  [
    "no kind",
    (d) => delete trig(d, 2).on,
    'triggers[2]: needs one of "on", "inactiveFor" or "date"',
  ],
  [
    "at without date",
    (d) => (trig(d, 2).at = "09:00"),
    'triggers[2].at: "at" only applies to a "date" trigger',
  ],
  ["bad clock", (d) => (trig(d, 6).at = "9am"), 'triggers[6].at: "9am" is not a 24-hour time'],
  [
    "webhook + template",
    (d) => (trig(d, 7).steps[0]!.template = "x"),
    "triggers[7].steps[0].template: a webhook step has no template",
  ],
  [
    "no template",
    (d) => delete trig(d, 2).steps[0]!.template,
    "triggers[2].steps[0]: needs a template (or a webhook)",
  ],
  [
    "no subject",
    (d) => delete trig(d, 2).steps[0]!.subject,
    "triggers[2].steps[0]: needs a subject",
  ],
  [
    "http webhook",
    (d) => (trig(d, 7).steps[0]!.webhook = "http://x.com"),
    'triggers[7].steps[0].webhook: "http://x.com" is not an https:// URL',
  ],
  ["no steps", (d) => (trig(d, 2).steps = []), "triggers[2].steps: needs at least one step"],
  [
    "bad id",
    (d) => (trig(d, 2).id = "Form Abandoned"),
    'triggers[2].id: "Form Abandoned" is not a trigger id',
  ],
  [
    "duplicate id",
    (d) => (trig(d, 4).id = "welcome"),
    'triggers[4].id: "welcome" is already the id of triggers[3]',
  ],
  [
    "bad cancelOn",
    (d) => (trig(d, 1).cancelOn = ["cart", 5]),
    "triggers[1].cancelOn[1]: 5 is not an event name",
  ],
  [
    "cancel on own event",
    (d) => (trig(d, 2).cancelOn = ["form_start"]),
    "triggers[2].cancelOn[0]: cancelling on the trigger's own event",
  ],
  [
    "count without on",
    (d) => (trig(d, 5).count = { atLeast: 2 }),
    'triggers[5].count: "count" needs an "on" event',
  ],
  [
    "quiet hours equal",
    (d) => (d.quietHours = { start: "21:00", end: "21:00" }),
    "quietHours: start and end must differ",
  ],
  [
    "quiet hours bad time",
    (d) => (trig(d, 0).quietHours = { start: "25:00", end: "08:00" }),
    'triggers[0].quietHours.start: "25:00" is not a 24-hour time',
  ],
  [
    "one variant",
    (d) => (trig(d, 5).steps[0]!.variants = [{ template: "a" }]),
    "triggers[5].steps[0].variants: needs at least 2 variants",
  ],
  [
    "wrong type",
    (d) => (d.requireConsent = "yes"),
    'requireConsent: expected true or false, got "yes"',
  ],
  [
    "bad var name",
    (d) => (d.vars = { "Discount-Code": "X" }),
    'vars["Discount-Code"]: "Discount-Code" is not a variable name',
  ],
  [
    "long var value",
    (d) => (trig(d, 0).steps[0]!.vars = { terms: "x".repeat(501) }),
    "triggers[0].steps[0].vars.terms: is longer than 500 characters",
  ],
  [
    "too many vars",
    (d) => (d.vars = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`v${i}`, "x"]))),
    "vars: has more than 50 variables",
  ],
  [
    "number var",
    (d) =>
      (trig(d, 5).steps[0]!.variants = [
        { template: "a", vars: { percent: 10 } },
        { template: "b" },
      ]),
    "triggers[5].steps[0].variants[0].vars.percent:",
  ],
  [
    "webhook + vars",
    (d) => (trig(d, 7).steps[0]!.vars = { a: "b" }),
    "triggers[7].steps[0].vars: a webhook step has no vars",
  ],
  [
    "bad topic",
    (d) => (trig(d, 3).topic = "Welcome mail"),
    `triggers[3].topic: "Welcome mail" is not a topic (lowercase letters, digits and -, at most 40)`,
  ],
  [
    "long topic",
    (d) => (trig(d, 3).topic = { id: "x".repeat(41) }),
    'triggers[3].topic.id: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" is not a topic (lowercase letters, digits and -, at most 40)',
  ],
  [
    "topic named like another trigger",
    (d) => (trig(d, 2).topic = "welcome"),
    'triggers[2].topic: "welcome" is the id of another trigger with no topic',
  ],
  [
    "two labels for one topic",
    (d) => (trig(d, 1).topic = { id: "reminders", label: "browsing reminders" }),
    'triggers[1].topic.label: topic "reminders" is already labelled "shopping reminders"',
  ],
  ["not an object", () => undefined, ""],
];

describe("bad configs name the path and the problem", () => {
  it.each(BAD.slice(0, -1))("%s", (_name, mutate, expected) => {
    const doc = base();
    mutate(doc);
    const r = parseSiteConfig(doc);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(
      r.errors.some((e) => e.startsWith(expected)),
      r.errors.join("\n"),
    ).toBe(true);
  });
  it("a non-object document", () => {
    expect(parseSiteConfig([])).toEqual({
      ok: false,
      errors: ["config: expected an object, got a list"],
    });
  });
});

describe("JSON Schema", () => {
  it("the committed file equals the generated one (run npx tsx scripts/gen-schema.ts)", () => {
    expect(committedSchema).toEqual(JSON.parse(JSON.stringify(siteConfigJsonSchema())));
  });
  it("accepts the example configs and rejects a typo (what editors will show)", () => {
    const validate = new Ajv2020({ strict: false }).compile(committedSchema);
    expect(validate(defaultConfig), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(demoConfig), JSON.stringify(validate.errors)).toBe(true);
    const bad = base();
    trig(bad, 0).steps[0]!.wiat = "1h";
    expect(validate(bad)).toBe(false);
  });
});

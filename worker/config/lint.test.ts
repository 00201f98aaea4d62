// The config lint: typos in event names and condition paths are reported with what was meant;
// everything the worker sends, and declared custom events, are not.
import { describe, expect, it } from "vitest";
import defaultConfig from "../../templates/default-config.json" with { type: "json" };
import { configWarnings, didYouMean, distance, KNOWN_EVENTS } from "./lint.ts";
import { parseSiteConfig, type SiteConfig } from "./schema.ts";

function config(patch: Record<string, unknown>): SiteConfig {
  const r = parseSiteConfig({ ...defaultConfig, ...patch });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}
const trigger = (t: Record<string, unknown>) => ({
  id: "t",
  steps: [{ wait: "1h", template: "welcome", subject: "Hi" }],
  ...t,
});

describe("configWarnings: contact and event paths", () => {
  it("a near miss of a contact field is flagged; any other key may be a trait", () => {
    const w = configWarnings(
      config({
        triggers: [
          trigger({ date: "contact.bday" }),
          trigger({ id: "u", on: "cart", if: { "contact.frist_name": { exists: true } } }),
          trigger({ id: "v", on: "cart", if: { "contact.plan": { eq: "gold" } } }),
        ],
      }),
    );
    expect(w).toEqual([
      'triggers[0].date: "contact.bday" is not a field Nudge sets (did you mean "contact.birthday"?); it works only if your identify calls send a "bday" trait',
      'triggers[1].if["contact.frist_name"]: "contact.frist_name" is not a field Nudge sets (did you mean "contact.first_name"?); it works only if your identify calls send a "frist_name" trait',
    ]);
  });

  it("event.<key> is checked against the trigger's own event, in if, step if and cancelOn", () => {
    const w = configWarnings(
      config({
        triggers: [
          trigger({
            on: "price_drop",
            if: { "event.percnt": { gte: 10 }, "event.percent": { gte: 5 } },
            cancelOn: [{ event: "purchase", if: { "event.total": { gt: 0 } } }],
            steps: [
              { wait: "0s", template: "welcome", subject: "Hi", if: { "event.at": { gt: 0 } } },
            ],
          }),
          trigger({ id: "c", on: "plan_upgraded", if: { "event.anything": { exists: true } } }),
        ],
        customEvents: ["plan_upgraded"],
      }),
    );
    expect(w).toEqual([
      'triggers[0].if["event.percnt"]: "event.percnt" is never set on a "price_drop" event (did you mean "event.percent"?); price_drop has product, from, to, percent, seen_at',
      'triggers[0].cancelOn[0].if["event.total"]: "event.total" is never set on a "purchase" event (did you mean "event.value"?); purchase has order_id, value, currency, items',
    ]);
  });
});

describe("configWarnings", () => {
  it("has nothing to say about the default config", () => {
    expect(configWarnings(config({}))).toEqual([]);
  });

  it("every event the worker delivers is known", () => {
    for (const name of KNOWN_EVENTS)
      expect(configWarnings(config({ triggers: [trigger({ on: name })] })), name).toEqual([]);
  });

  it("an unknown event, in on and in cancelOn (both forms), with the closest known one", () => {
    const w = configWarnings(
      config({
        triggers: [
          trigger({ on: "chekout", cancelOn: ["purchace", { event: "form_sumbit" }, "signup"] }),
        ],
      }),
    );
    expect(w).toHaveLength(4);
    expect(w[0]).toMatch(/^triggers\[0\]\.on: "chekout" .*did you mean "checkout"/);
    expect(w[1]).toMatch(/cancelOn\[0\]: "purchace" .*did you mean "purchase"/);
    expect(w[2]).toMatch(/cancelOn\[1\]\.event: "form_sumbit" .*did you mean "form_submit"/);
    expect(w[3]).toMatch(/cancelOn\[2\]: "signup" is not an event Nudge sends; a custom event/);
    expect(
      configWarnings(
        config({ customEvents: ["signup", "chekout"], triggers: [trigger({ on: "signup" })] }),
      ),
    ).toEqual([]);
  });

  it("paths under roots of a known shape, in every place a path goes", () => {
    const w = configWarnings(
      config({
        triggers: [
          trigger({
            on: "product",
            if: { "cart.total": { gt: 0 }, "contact.anything": { exists: true } },
            count: { atLeast: 2, sameKey: "product.sku" },
            cancelOn: [{ event: "cart", if: { "cart.qty": { eq: 0 } } }],
            steps: [
              {
                wait: "1h",
                template: "welcome",
                subject: "Hi",
                if: { "visitor.pageviews": { gte: 2 } },
              },
            ],
          }),
        ],
      }),
    );
    expect(w).toEqual([
      'triggers[0].if["cart.total"]: "cart.total" is never set (did you mean "cart.value"?); cart has items, value, currency, count',
      'triggers[0].count.sameKey: "product.sku" is never set; product has id, name, price, currency, url, image, available, category',
      'triggers[0].cancelOn[0].if["cart.qty"]: "cart.qty" is never set (did you mean "cart.count"?); cart has items, value, currency, count',
      'triggers[0].steps[0].if["visitor.pageviews"]: "visitor.pageviews" is never set (did you mean "visitor.page_views"?); visitor has vid, tz, page_views, first_seen, last_seen, orders',
    ]);
  });
});

describe("did you mean", () => {
  it("counts a swap of neighbours as one edit, and stays quiet when nothing is close", () => {
    expect(distance("form_sumbit", "form_submit")).toBe(1);
    expect(distance("kitten", "sitting")).toBe(3);
    expect(didYouMean("purchse", ["purchase", "page"])).toBe("purchase");
    expect(didYouMean("signup", ["purchase", "page", "cart"])).toBeNull();
  });
});

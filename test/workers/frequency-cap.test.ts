// The cross-trigger frequency cap, decided in the Contact object: one capped marketing email per
// person per window across triggers and devices; order mail (exempt) is not held back by it.
import { beforeAll, describe, expect, it } from "vitest";
import {
  contactPath,
  drain,
  eventId,
  getJson,
  newVid,
  outboxTo,
  post,
  seedSite,
  triggerOf,
  uniqueEmail,
  verifyAddress,
} from "./helpers.ts";

const SITE = "capped";

beforeAll(async () => {
  await seedSite(SITE, {
    frequencyCap: "1h",
    triggers: [
      {
        id: "cart-now",
        on: "cart",
        steps: [{ wait: "0s", template: "cart-abandoned", subject: "Your cart" }],
      },
      {
        id: "browse-now",
        on: "product",
        steps: [{ wait: "0s", template: "browse-abandoned", subject: "Still looking?" }],
      },
      {
        id: "thanks",
        on: "purchase",
        frequencyCap: false,
        marketing: false,
        steps: [{ wait: "0s", template: "thank-you", subject: "Thanks" }],
      },
    ],
  });
});

describe("the frequency cap", () => {
  it("lets one capped marketing email through per window, across triggers and devices", async () => {
    const email = uniqueEmail("capped");
    await verifyAddress(SITE, email);
    const identify = { id: eventId(), name: "identify", data: { email } };
    const phone = newVid();
    await post({
      site: SITE,
      vid: phone,
      events: [
        identify,
        {
          id: eventId(),
          name: "cart",
          data: { items: [{ id: "mug", name: "Mug", price: 10, quantity: 1 }], currency: "EUR" },
        },
      ],
    });
    await drain(SITE, phone);
    const laptop = newVid();
    await post({
      site: SITE,
      vid: laptop,
      events: [
        { ...identify, id: eventId() },
        { id: eventId(), name: "product", data: { id: "tee", name: "Tee", price: 20 } },
        {
          id: eventId(),
          name: "purchase",
          data: { order_id: `cap-${eventId()}`, value: 10, currency: "EUR" },
        },
      ],
    });
    await drain(SITE, laptop);
    expect((await outboxTo(email)).map(triggerOf)).toEqual(["cart-now", "thanks"]);
    const sends = (
      await (
        await getJson(await contactPath(SITE, email))
      ).json<{
        sends: { key: string; outcome: string; reason?: string }[];
      }>()
    ).sends;
    const browse = sends.find((s) => s.key.includes(".browse-now."));
    expect(browse).toMatchObject({ outcome: "skipped", reason: "capped" });
  });
});

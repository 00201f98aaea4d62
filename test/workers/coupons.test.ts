// Offers on the real worker: POST /v1/coupons (auth, validation, duplicates), unique codes
// claimed at send time under the step key (one per person, the same one again for a retry, a skip
// when the pool is empty), the admin API and dashboard, and `vars` (site, step, variant) reaching
// the email.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { SendEffect } from "../../worker/engine/effects.ts";
import type { DeliverRequest } from "../../worker/contact/protocol.ts";
import { contactHash } from "../../worker/lib/crypto.ts";
import { contactStub } from "../../worker/lib/stubs.ts";
import { couponPool } from "../../worker/offers/coupon-pool.ts";
import type { Report } from "../../worker/stats/report.ts";
import {
  ADMIN,
  drain,
  eventId,
  getJson,
  newVid,
  outboxTo,
  post,
  seedSite,
  SERVER_KEY,
  uniqueEmail,
} from "./helpers.ts";

const SECRET = "test-nudge-secret-0123456789abcdef";
const SITE = "offers";
const ONE = "offers-one";
const VARS = "offers-vars";

/** A template that reads the spring pool in its subject, HTML and text. */
const SPRING = JSON.stringify({
  html: "<p>Your code: <b>{{ coupon.spring }}</b> for {{ vars.percent }}% off</p>",
  text: "Your code: {{ coupon.spring }} for {{ vars.percent }}% off",
});

const offerTrigger = {
  id: "spring-offer",
  on: "cart",
  steps: [
    {
      wait: "0s",
      template: "spring",
      subject: "{{ vars.percent }}% off: {{ coupon.spring }}",
      vars: { percent: "20" },
    },
  ],
};

beforeAll(async () => {
  await seedSite(SITE, { vars: { percent: "10" }, triggers: [offerTrigger] });
  await seedSite(ONE, { triggers: [offerTrigger] });
  await seedSite(VARS, {
    vars: { a: "site-a", b: "site-b", c: "site-c" },
    triggers: [
      {
        id: "vars-offer",
        on: "cart",
        steps: [
          {
            wait: "0s",
            template: "vars",
            subject: "vars",
            vars: { b: "step-b", c: "step-c" },
            variants: [
              { template: "vars", vars: { c: "variant0-c" } },
              { template: "vars", vars: { c: "variant1-c" } },
            ],
          },
        ],
      },
    ],
  });
  await env.NUDGE_CONFIG.put(`template:${SITE}:spring`, SPRING);
  await env.NUDGE_CONFIG.put(`template:${ONE}:spring`, SPRING);
  await env.NUDGE_CONFIG.put(
    `template:${VARS}:vars`,
    "<p>A={{ vars.a }} B={{ vars.b }} C={{ vars.c }}</p>",
  );
});

function push(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch("http://nudge.test/v1/coupons", {
    method: "POST",
    headers: {
      authorization: `Bearer ${SERVER_KEY}`,
      "content-type": "application/json",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A known shopper with a cart on `site`: the 0s step is due at once; runs its alarm. */
async function shop(site: string, email: string): Promise<string> {
  const vid = newVid();
  const res = await post({
    site,
    vid,
    events: [
      { id: eventId(), name: "identify", data: { email } },
      {
        id: eventId(),
        name: "cart",
        data: { items: [{ id: "mug", name: "Mug", price: 9, quantity: 1 }], currency: "EUR" },
      },
    ],
  });
  expect(res.status).toBe(202);
  await drain(site, vid);
  return vid;
}

const codeIn = (subject: string) => /: (\S+)$/.exec(subject)?.[1];

describe("POST /v1/coupons", () => {
  it("needs the server key", async () => {
    const body = { site: SITE, pool: "spring", codes: ["A"] };
    expect((await push(body, { authorization: "" })).status).toBe(401);
    const wrong = await push(body, { authorization: "Bearer not-the-key" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("refuses a bad batch whole, naming each bad code", async () => {
    const res = await push({ site: SITE, pool: "spring", codes: ["OK-1", "has space", ""] });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; issues: { path: string }[] }>();
    expect(body.error).toBe("invalid_batch");
    expect(body.issues.map((i) => i.path)).toEqual(["codes[1]", "codes[2]"]);
    const pool = await push({ site: SITE, pool: "Spring-Sale", codes: ["A"] });
    expect((await pool.json<{ issues: { path: string }[] }>()).issues[0]?.path).toBe("pool");
    const many = await push({ site: SITE, pool: "spring", codes: Array(1001).fill("X") });
    expect((await many.json<{ issues: { path: string }[] }>()).issues[0]?.path).toBe("codes");
    expect((await push("{")).status).toBe(400);
    expect((await couponPool(env, SITE, "spring").counts()).total).toBe(0);
  });

  it("answers 404 for an unknown site and 413 for a body over 512 KiB", async () => {
    expect((await push({ site: "no-such-site", pool: "spring", codes: ["A"] })).status).toBe(404);
    const big = JSON.stringify({ site: SITE, pool: "spring", codes: ["x".repeat(600 * 1024)] });
    expect((await push(big)).status).toBe(413);
  });

  it("adds new codes and counts the ones the pool (or the batch) already had", async () => {
    const first = await push({ site: SITE, pool: "spring", codes: ["SPRING-1", "SPRING-2"] });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      pool: "spring",
      added: 2,
      duplicates: 0,
      available: 2,
      total: 2,
    });
    const again = await push({
      site: SITE,
      pool: "spring",
      codes: ["SPRING-2", "SPRING-3", "SPRING-3", "SPRING-4"],
    });
    expect(await again.json()).toEqual({
      pool: "spring",
      added: 2,
      duplicates: 2,
      available: 4,
      total: 4,
    });
    const pools = await getJson(`/admin/api/coupons?site=${SITE}`);
    expect(await pools.json()).toEqual({ pools: [{ pool: "spring", available: 4, total: 4 }] });
  });
});

describe("codes at send time", () => {
  it("gives two people in one trigger two different codes, oldest first", async () => {
    const [ada, bo] = [uniqueEmail("ada"), uniqueEmail("bo")];
    await shop(SITE, ada);
    await shop(SITE, bo);
    const [a] = await outboxTo(ada);
    const [b] = await outboxTo(bo);
    const codes = [codeIn(a!.subject), codeIn(b!.subject)];
    expect(codes.sort()).toEqual(["SPRING-1", "SPRING-2"]);
    expect(a!.html).toContain(`<b>${codeIn(a!.subject)}</b>`);
    expect(a!.text).toContain(`Your code: ${codeIn(a!.subject)}`);
    // The step's vars win over the site's.
    expect(a!.subject).toMatch(/^20% off: /);
  });

  it("delivers a step key once, with the code a retry would get again", async () => {
    const email = uniqueEmail("retry");
    const contact = await contactHash(SECRET, SITE, email);
    const key = `${SITE}.spring-offer.e-retry-${contact}.0`;
    // An earlier attempt of this step claimed a code and then stopped before sending: the send
    // must carry that code, not the next free one.
    const pool = couponPool(env, SITE, "spring");
    const held = await pool.claim(key, Date.now());
    expect(held).toMatch(/^SPRING-\d$/);
    const effect: SendEffect = {
      type: "send",
      key,
      trigger: "spring-offer",
      episode: `e-retry-${contact}`,
      step: 0,
      due: Date.now(),
      variant: null,
      holdout: false,
      template: "spring",
      subject: offerTrigger.steps[0]!.subject,
      frequencyCap: true,
      marketing: true,
      email,
      context: { contact: { email } },
    };
    const req: DeliverRequest = {
      site: SITE,
      vid: newVid(),
      contact,
      effect,
      attempt: 1,
      base: "http://nudge.test",
    };
    const stub = contactStub(env, SITE, contact);
    const before = await pool.counts();
    expect(await stub.deliver(req)).toMatchObject({ status: "sent" });
    expect(await stub.deliver(req)).toEqual({ status: "duplicate" });
    const sent = await outboxTo(email);
    expect(sent).toHaveLength(1);
    expect(codeIn(sent[0]!.subject)).toBe(held);
    expect(await pool.claim(key, Date.now())).toBe(held);
    expect(await pool.counts()).toEqual(before);
  });

  it("skips the step with coupon_pool_empty when the pool has no code left", async () => {
    expect((await push({ site: ONE, pool: "spring", codes: ["ONLY-ONE"] })).status).toBe(200);
    const [first, second] = [uniqueEmail("first"), uniqueEmail("second")];
    await shop(ONE, first);
    expect(codeIn((await outboxTo(first))[0]!.subject)).toBe("ONLY-ONE");
    await shop(ONE, second);
    expect(await outboxTo(second)).toEqual([]);

    const stats = await (await getJson(`/admin/api/stats?site=${ONE}`)).json<Report>();
    const t = stats.triggers.find((x) => x.trigger === "spring-offer");
    expect(t?.skipReasons).toEqual([{ reason: "coupon_pool_empty", count: 1 }]);
    expect(t?.funnel.sent).toBe(1);
    const pools = await getJson(`/admin/api/coupons?site=${ONE}`);
    expect(await pools.json()).toEqual({ pools: [{ pool: "spring", available: 0, total: 1 }] });

    const page = await exports.default.fetch(`http://nudge.test/admin?site=${ONE}`, {
      headers: ADMIN,
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Coupon pools");
    expect(html).toMatch(/<td class="t">spring <span class="badge bad">empty<\/span><\/td><td>0</);
    expect(html).toContain(">coupon_pool_empty</span>");
  });

  it("the admin API names no pools for a site without any, and 404s an unknown site", async () => {
    expect(await (await getJson(`/admin/api/coupons?site=${VARS}`)).json()).toEqual({ pools: [] });
    expect((await getJson("/admin/api/coupons?site=nope-site")).status).toBe(404);
    expect((await getJson("/admin/api/coupons?site=Bad Site")).status).toBe(400);
  });
});

describe("the bundled offer templates", () => {
  it("win-back-offer with vars.coupon_pool shows a unique code from that pool", async () => {
    const site = "offers-bundled";
    await seedSite(site, {
      triggers: [
        {
          id: "cart-offer",
          on: "cart",
          steps: [
            {
              wait: "0s",
              template: "win-back-offer",
              subject: "Something for you",
              vars: { coupon_pool: "welcome", offer_text: "15% off your next order" },
            },
          ],
        },
      ],
    });
    const res = await push({ site, pool: "welcome", codes: ["WELCOME-A1", "WELCOME-B2"] });
    expect(res.status).toBe(200);
    const ada = uniqueEmail("bundled");
    await shop(site, ada);
    const [mail] = await outboxTo(ada);
    expect(mail?.text).toContain("15% off your next order");
    expect(mail?.text).toMatch(/WELCOME-(A1|B2)/);
    expect(await couponPool(env, site, "welcome").counts()).toMatchObject({ available: 1 });
  });
});

describe("vars", () => {
  it("reach the email: the variant's over the step's over the site's", async () => {
    const email = uniqueEmail("vars");
    await shop(VARS, email);
    const [m] = await outboxTo(email);
    const variant = m!.tags.find((t) => t.name === "variant")?.value;
    expect(["0", "1"]).toContain(variant);
    expect(m!.html).toContain(`A=site-a B=step-b C=variant${variant}-c`);
  });
});

// Abuse figures for `npm run bench`, on the real local stack (`wrangler dev`, dev outbox):
// - abuseMaxEmailsPerVictim: 1,000 hostile batches (fresh visitor ids, each naming one of two
//   victims and reporting a purchase to an uncapped, always-re-entering order trigger), with
//   double opt-in: the most emails either address received. One victim never confirmed (it may
//   get one confirmation email), the other confirmed before the attack (its order mail is sent,
//   up to the ceiling). Must not exceed the site's dailyLimit.
// - fuzzBodies / fuzz5xx / fuzzStateChanged: 10,000 seeded random bodies (raw text, random
//   JSON, batches with random fields) to POST /e: answers of 500 or more, and visitors that only
//   ever got rejected batches but now have state (both must be 0).
import fc from "fast-check";
import { load } from "./load.ts";
import { startStack } from "../test/browser/support/stack.ts";

const SITE = "abuse";
/** Never confirmed: a stranger's address. */
const VICTIM = "victim@example.com";
/** Confirmed the shop's email before the attack. */
const CONFIRMED = "confirmed@example.com";
const DAILY_LIMIT = 10;

const vidArb = fc.stringMatching(/^[A-Za-z0-9_-]{16,24}$/);
const nameArb = fc.oneof(
  fc.constantFrom("page", "product", "cart", "checkout", "purchase", "identify", "form_start"),
  fc.constantFrom("form_submit", "consent", "track", "email_open", "session_end"),
  fc.string({ maxLength: 20 }),
);
const batchArb = fc.record(
  {
    site: fc.oneof(fc.constant(SITE), fc.string({ maxLength: 70 })),
    vid: fc.oneof(vidArb, fc.string({ maxLength: 80 })),
    tz: fc.oneof(fc.constant("Europe/Paris"), fc.string({ maxLength: 40 })),
    events: fc.array(
      fc.record(
        { id: fc.oneof(vidArb, fc.string()), name: nameArb, data: fc.anything(), url: fc.webUrl() },
        { requiredKeys: ["name"] },
      ),
      { maxLength: 60 },
    ),
  },
  { requiredKeys: [] },
);
const bodyArb = fc.oneof(
  fc.string({ maxLength: 300 }).map((s) => ({ text: s })),
  fc.json({ maxDepth: 4 }).map((s) => ({ text: s })),
  batchArb.map((b) => ({ text: JSON.stringify(b), vid: typeof b.vid === "string" ? b.vid : null })),
);

async function waitFor(check: () => Promise<boolean>, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end && !(await check())) await new Promise((r) => setTimeout(r, 250));
}

export async function benchAbuse(): Promise<Record<string, number | string>> {
  const stack = await startStack({
    site: SITE,
    config: {
      optIn: "double",
      dailyLimit: DAILY_LIMIT,
      triggers: [
        {
          id: "thank-you",
          on: "purchase",
          frequencyCap: false,
          reentry: "always",
          steps: [{ wait: "0s", template: "thank-you", subject: "Thanks for your order" }],
        },
      ],
    },
  });
  try {
    const post = (body: string, type = "text/plain;charset=UTF-8") =>
      fetch(`${stack.worker}/e`, {
        method: "POST",
        headers: { "content-type": type, origin: stack.demo },
        body,
      });
    const mailsTo = async (to: string) => {
      const res = await fetch(`${stack.worker}/_dev/outbox.json`);
      const { emails } = (await res.json()) as { emails: { to: string; html: string }[] };
      return emails.filter((e) => e.to === to);
    };
    const batch = (i: number, email: string, value = 1e9) =>
      JSON.stringify({
        site: SITE,
        vid: `hostile${String(i).padStart(12, "0")}`,
        events: [
          { id: `i${i}x`.padEnd(8, "x"), name: "identify", data: { email } },
          {
            id: `p${i}x`.padEnd(8, "x"),
            name: "purchase",
            data: { order_id: `o${i}`, value, currency: "EUR" },
          },
        ],
      });

    // 0. The second victim is a real customer: buys, gets the confirmation, confirms.
    await post(batch(100_000, CONFIRMED, 10));
    let confirmation: string | undefined;
    await waitFor(async () => {
      const [mail] = await mailsTo(CONFIRMED);
      confirmation = /href="(https?:\/\/[^"]+\/v\/[^"]+)"/.exec(mail?.html ?? "")?.[1];
      return confirmation !== undefined;
    }, 30_000);
    if (!confirmation) throw new Error("no confirmation email for the confirmed victim");
    const confirmed = await fetch(confirmation, { method: "POST" });
    if (confirmed.status !== 200) throw new Error(`confirming answered ${confirmed.status}`);

    // 1. Amplification and bombing of both victims from 1,000 visitor ids.
    const hostile = await load({ total: 1000, concurrency: 16, maxMs: 120_000 }, (i) =>
      post(batch(i, i % 2 === 0 ? VICTIM : CONFIRMED)),
    );
    // Let every due step run (each visitor's alarm fires at once) until each victim's ledger
    // holds a decision for every batch naming it that can be decided now (the unconfirmed
    // victim's order mail stays held; only its confirmation requests are decided), then read
    // the victims' mail.
    const paths = {
      victim: await stack.contactPath(SITE, VICTIM),
      confirmed: await stack.contactPath(SITE, CONFIRMED),
    };
    const decided = async (path: string) => {
      const res = await stack.admin(path);
      if (res.status !== 200) return 0;
      return ((await res.json()) as { sends: unknown[] }).sends.length;
    };
    const half = Math.floor(hostile.ok / 2);
    await waitFor(
      async () => (await decided(paths.victim)) >= half && (await decided(paths.confirmed)) >= half,
      120_000,
    );
    const victimDecisions = (await decided(paths.victim)) + (await decided(paths.confirmed));
    const toVictim = (await mailsTo(VICTIM)).length;
    const toConfirmed = (await mailsTo(CONFIRMED)).length;
    const maxPerVictim = Math.max(toVictim, toConfirmed);

    // 2. Fuzz: 10,000 seeded random bodies.
    const bodies = fc.sample(bodyArb, { numRuns: 10_000, seed: 20261203 });
    const accepted = new Set<string>();
    const rejected = new Set<string>();
    let fiveXx = 0;
    const fuzz = await load(
      { total: bodies.length, concurrency: 16, maxMs: 180_000 },
      (i) => post(bodies[i]!.text, i % 3 === 0 ? "application/json" : "text/plain"),
      async (i, res) => {
        await res.arrayBuffer();
        if (res.status >= 500) fiveXx++;
        const b = bodies[i]!;
        const vid = "vid" in b ? b.vid : null;
        if (vid) (res.status === 202 ? accepted : rejected).add(vid);
      },
    );
    let stateChanged = 0;
    const onlyRejected = [...rejected]
      .filter((v) => !accepted.has(v) && /^[A-Za-z0-9_-]{16,64}$/.test(v))
      .slice(0, 200);
    for (const vid of onlyRejected) {
      const res = await stack.admin(`/admin/api/visitors/${SITE}/${vid}`);
      await res.arrayBuffer();
      if (res.status !== 404) stateChanged++;
    }
    return {
      abuseHostileBatches: hostile.requests,
      abuseHostileAccepted: hostile.statuses["202"] ?? 0,
      abuseVictimDecisions: victimDecisions,
      abuseMaxEmailsPerVictim: maxPerVictim,
      abuseEmailsToUnconfirmed: toVictim,
      abuseEmailsToConfirmed: toConfirmed,
      abuseDailyLimit: DAILY_LIMIT,
      fuzzBodies: fuzz.requests,
      fuzz5xx: fiveXx,
      fuzzStatuses: JSON.stringify(fuzz.statuses),
      fuzzRejectedVisitorsChecked: onlyRejected.length,
      fuzzStateChanged: stateChanged,
    };
  } finally {
    await stack.stop();
  }
}

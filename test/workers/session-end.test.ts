// session_end on the real runtime: no engine simulator, no hand-run alarm. A visitor who stops
// for the site's sessionIdle (its floor, one minute, here) ends the session when the Visitor
// object's own alarm fires; a trigger on session_end then sends, and activity before the window
// closes moves the end later. This test waits a little over a minute of real time.
import { beforeAll, describe, expect, it } from "vitest";
import { eventId, newVid, outboxTo, post, seedSite, triggerOf, uniqueEmail } from "./helpers.ts";

const SITE = "sessions";
const IDLE_MS = 60_000;

beforeAll(async () => {
  await seedSite(SITE, {
    sessionIdle: "1m",
    triggers: [
      {
        id: "session-over",
        on: "session_end",
        if: { "visitor.page_views": { gte: 2 } },
        steps: [{ wait: "0s", template: "browse-abandoned", subject: "Thanks for dropping by" }],
      },
    ],
  });
});

const page = () => ({ id: eventId(), name: "page", data: { title: "Shop" } });

async function firstMail(email: string, until: number) {
  while (Date.now() < until) {
    const found = (await outboxTo(email)).filter((m) => triggerOf(m) === "session-over");
    if (found.length) return { at: Date.now(), count: found.length };
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

describe("session_end in workerd", () => {
  it("fires from the Visitor's alarm once the visitor is idle for sessionIdle; activity moves it", async () => {
    const active = uniqueEmail("session");
    const quiet = uniqueEmail("session-one-page");
    const vid = newVid();
    const start = Date.now();
    await post({
      site: SITE,
      vid,
      events: [{ id: eventId(), name: "identify", data: { email: active } }, page()],
    });
    // One page view only: the trigger's `if` (2 or more) is false at the end of that session.
    await post({
      site: SITE,
      vid: newVid(),
      events: [{ id: eventId(), name: "identify", data: { email: quiet } }, page()],
    });
    // Still active 20 s in: the session now ends at last activity + 1 minute.
    await new Promise((r) => setTimeout(r, 20_000));
    const last = Date.now();
    await post({ site: SITE, vid, events: [page()] });

    const sent = await firstMail(active, last + IDLE_MS + 20_000);
    expect(sent, "no session_end email within 20 s of the idle window").not.toBeNull();
    // Not before the window counted from the last page view (the first view's window had passed).
    expect(sent!.at).toBeGreaterThanOrEqual(last + IDLE_MS);
    expect(sent!.at - start).toBeGreaterThan(IDLE_MS + 15_000);
    expect((await outboxTo(quiet)).map(triggerOf)).not.toContain("session-over");
  }, 120_000);
});

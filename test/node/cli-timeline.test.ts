// `nudge timeline`: against a loopback HTTP server standing in for the worker. An address goes
// to the lookup in a POST body and never into a URL; the lines show local time (--tz), what,
// trigger and step, reason in words; --json, 401, 404, network failure and usage errors.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.ts";
import { localTime, runTimeline } from "../../cli/timeline.ts";
import { timelineJson, type Timeline } from "../../worker/timeline/entry.ts";
import { captureIo } from "../support/io.ts";

const CONTACT = "3fa9c0d18b2e4a7f9c1d0e2b";
const VID = "k3JfQ9x2LmP0aZ7wYt1u";
const AT = Date.UTC(2026, 11, 3, 9, 12, 5);
const TIMELINE: Timeline = {
  site: "demo",
  of: "contact",
  id: CONTACT,
  contact: CONTACT,
  visitors: [VID],
  moreVisitors: 0,
  entries: [
    { at: AT, kind: "event", detail: "cart 2 items 36 EUR", vid: VID },
    {
      at: AT + 3_600_000,
      kind: "held",
      trigger: "cart-abandoned",
      episode: "e1",
      step: 1,
      reason: "no_email",
      vid: VID,
    },
    {
      at: AT + 7_200_000,
      kind: "skipped",
      trigger: "cart-abandoned",
      step: 2,
      reason: "suppressed",
    },
  ],
};

let server: Server;
let url: string;
const seen: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method ?? "", url: req.url ?? "", body });
    const json = (status: number, b: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(b));
    };
    if (req.headers.authorization !== "Bearer good") return json(401, { error: "unauthorized" });
    if (req.method === "POST" && req.url === "/admin/api/contacts/demo/lookup") {
      const { email } = JSON.parse(body) as { email: string };
      return json(200, { contact: email === "ada@example.com" ? CONTACT : "0".repeat(24) });
    }
    if (req.url === `/admin/api/timeline/demo/${CONTACT}`) return json(200, timelineJson(TIMELINE));
    return json(404, { error: "not_found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const deps = (env: Record<string, string | undefined> = {}) => ({
  fetch: globalThis.fetch,
  env: { NUDGE_URL: url, NUDGE_ADMIN_TOKEN: "good", ...env },
});

describe("nudge timeline", () => {
  it("looks an address up by POST body, then prints one line per entry in the given zone", async () => {
    seen.length = 0;
    const t = captureIo();
    const code = await runTimeline(
      ["demo", "ada@example.com", "--tz", "Europe/Berlin"],
      t.io,
      deps(),
    );
    expect(t.err).toEqual([]);
    expect(code).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /admin/api/contacts/demo/lookup",
      `GET /admin/api/timeline/demo/${CONTACT}`,
    ]);
    expect(seen[0]!.body).toBe('{"email":"ada@example.com"}');
    expect(seen.some((s) => s.url.includes("@") || /%40/i.test(s.url))).toBe(false);
    const out = t.out.join("\n");
    expect(t.out[0]).toBe(`contact ${CONTACT} · 1 visitor · times in Europe/Berlin`);
    // 09:12:05 UTC is 10:12:05 in Berlin (winter time).
    expect(out).toMatch(
      /2026-12-03 10:12:05 +event +cart 2 items 36 EUR · \[k3JfQ9x2LmP0aZ7wYt1u\]/,
    );
    expect(out).toMatch(
      /2026-12-03 11:12:05 +held +cart-abandoned step 1 +no_email +no email address known/,
    );
    expect(out).toMatch(
      /skipped +cart-abandoned step 2 +suppressed +unsubscribed, bounced or complained$/m,
    );
  });

  it("takes an id as it is, and --json prints the answer", async () => {
    seen.length = 0;
    const t = captureIo();
    expect(await runTimeline(["demo", CONTACT, "--json"], t.io, deps())).toBe(0);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(t.out.join("\n"))).toEqual(timelineJson(TIMELINE));
  });

  it("formats times in a zone", () => {
    expect(localTime(AT, "UTC")).toBe("2026-12-03 09:12:05");
    expect(localTime(AT, "America/New_York")).toBe("2026-12-03 04:12:05");
  });

  it("explains 401, 404 and a network failure (exit 1)", async () => {
    let t = captureIo();
    expect(await runTimeline(["demo", CONTACT], t.io, deps({ NUDGE_ADMIN_TOKEN: "bad" }))).toBe(1);
    expect(t.err.join("\n")).toContain("refused the admin token (401)");
    t = captureIo();
    expect(await runTimeline(["demo", "bob@example.com"], t.io, deps())).toBe(1);
    expect(t.err.join("\n")).toContain("nothing is stored for that address");
    expect(t.err.join("\n")).not.toContain("bob@");
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    t = captureIo();
    expect(
      await runTimeline(["demo", CONTACT], t.io, deps({ NUDGE_URL: `http://127.0.0.1:${port}` })),
    ).toBe(1);
    expect(t.err.join("\n")).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+/);
  });

  it("rejects usage errors with exit code 2", async () => {
    for (const [args, env, msg] of [
      [["demo"], {}, "are required"],
      [["Bad Site", CONTACT], {}, "not a valid site id"],
      [["demo", "x"], {}, "not an email address, a contact id or a visitor id"],
      [["demo", CONTACT, "--tz", "Mars/Olympus"], {}, "is not a time zone"],
      [["demo", CONTACT], { NUDGE_ADMIN_TOKEN: "" }, "no admin token"],
      [["demo", CONTACT, "--url", "not a url"], {}, "is not a URL"],
    ] as const) {
      const t = captureIo();
      expect(await runTimeline([...args], t.io, deps(env)), args.join(" ")).toBe(2);
      expect(t.err.join("\n")).toContain(msg);
    }
  });

  it("is listed in the usage and has its help", async () => {
    const t = captureIo();
    expect(await main(["timeline", "--help"], t.io)).toBe(0);
    expect(t.out.join("\n")).toContain("usage: nudge timeline SITE");
    const u = captureIo();
    await main(["help"], u.io);
    expect(u.out.join("\n")).toContain("timeline SITE (EMAIL|VID)");
  });
});

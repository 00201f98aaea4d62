// `nudge stats`: table formatting (pure) and the command against a loopback HTTP server standing
// in for the worker (200, 400, 401, 404, network failure, usage errors).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStats } from "../../cli/stats.ts";
import { formatReport, money, pp, table } from "../../cli/stats-format.ts";
import { buildReport, type Report } from "../../worker/stats/report.ts";
import type { CounterRow } from "../../worker/stats/rows.ts";
import { captureIo } from "../support/io.ts";

function row(p: Partial<CounterRow> & Pick<CounterRow, "metric" | "count">): CounterRow {
  return {
    day: "2026-04-10",
    trigger: "cart-abandoned",
    step: null,
    variant: null,
    group: "treated",
    reason: "",
    currency: "",
    sum: 0,
    ...p,
  };
}

function sample(): Report {
  const rows = [
    row({ metric: "entered", count: 1000 }),
    row({ metric: "episode_converted", count: 80 }),
    row({ metric: "entered", count: 100, group: "holdout" }),
    row({ metric: "episode_converted", count: 5, group: "holdout" }),
    row({ metric: "sent", count: 900, step: 0 }),
    row({ metric: "opened", count: 450, step: 0 }),
    row({ metric: "converted", count: 12, step: 0, sum: 1234.5, currency: "EUR" }),
    row({ metric: "skipped", count: 7, step: 0, reason: "capped" }),
    row({ metric: "skipped", count: 30, step: 0, reason: "no_email" }),
    row({ metric: "sent", count: 40, step: 0, variant: 1, trigger: "win-back" }),
    row({ metric: "bounced", count: 2, trigger: "" }),
    row({ metric: "unsubscribed_topic", count: 4, trigger: "", reason: "reminders" }),
  ];
  return buildReport([{ rows, failures: [] }], {
    site: "demo",
    from: "2026-04-01",
    to: "2026-04-30",
    triggers: ["cart-abandoned", "win-back"],
  });
}

describe("stats tables", () => {
  it("aligns columns: text left, numbers right", () => {
    expect(
      table(
        ["NAME", "N"],
        [
          ["a", "1"],
          ["long-name", "1,234"],
        ],
        ["l", "r"],
      ),
    ).toEqual(["NAME           N", "---------  -----", "a              1", "long-name  1,234"]);
  });

  it("formats percentage points and money", () => {
    expect([pp(0.03), pp(-0.0159075), pp(0)]).toEqual(["+3.0 pp", "-1.6 pp", "0.0 pp"]);
    expect(money({ USD: 12, EUR: 1234.5 })).toBe("EUR 1,234.50 + USD 12.00");
    expect(money({})).toBe("-");
  });

  it("prints the funnel, steps, lift with its interval and skip reasons", () => {
    const lines = formatReport(sample());
    const text = lines.join("\n");
    expect(lines[0]).toBe("Site demo: 2026-04-01 to 2026-04-30 (UTC)");
    // every line of a table has the same width as its header (right-aligned numbers)
    const funnelAt = lines.indexOf("Funnel (treated group)");
    const [head, , cart, winBack, total] = lines.slice(funnelAt + 1, funnelAt + 6);
    expect(cart?.length).toBe(head?.length);
    expect(total).toMatch(/^TOTAL\s+1,000\s+0\s+0\s+940\s+37\s/);
    expect(winBack).toMatch(/^win-back\s+0\s+0\s+0\s+40\s/);
    expect(cart).toContain("EUR 1,234.50");
    // lift: 80/1000 vs 5/100 → +3.0 pp, CI −1.6 to +7.6 pp (see worker/stats/report.test.ts)
    expect(text).toMatch(
      /cart-abandoned\s+80\/1,000 \(8\.0%\)\s+5\/100 \(5\.0%\)\s+\+3\.0 pp\s+-1\.6 pp to \+7\.6 pp/,
    );
    expect(text).toMatch(/win-back\s+-\s+-\s+-\s+-\s+no holdout/);
    // stored step 0 variant 1 is printed as step 1, variant B
    expect(text).toMatch(/win-back\s+1B\s+0\s+40\s/);
    // skip reasons, most frequent first
    expect(text.indexOf("no_email")).toBeLessThan(text.indexOf("capped"));
    expect(text).toContain("Suppression: 0 unsubscribed, 2 bounced, 0 complained");
    expect(text).toContain("Stopped one kind of email: reminders 4");
  });

  it("prints an empty report without errors", () => {
    const r = buildReport([], {
      site: "demo",
      from: "2026-04-01",
      to: "2026-04-30",
      triggers: ["welcome"],
    });
    const text = formatReport(r).join("\n");
    expect(text).toContain("(no steps came due in this period)");
    expect(text).toMatch(/welcome\s+-\s+-\s+-\s+-\s+no holdout/);
    expect(text).toContain("Skip reasons\n(none)");
  });
});

describe("nudge stats", () => {
  let server: Server;
  let url: string;
  const seen: { url: string; auth: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const u = new URL(req.url ?? "/", "http://x");
      seen.push({ url: req.url ?? "", auth: req.headers.authorization });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (u.pathname !== "/admin/api/stats") return send(404, { error: "not_found" });
      if (req.headers.authorization !== "Bearer good") return send(401, { error: "unauthorized" });
      if (u.searchParams.get("from") === "bad") {
        return send(400, {
          error: "invalid_query",
          issues: [{ path: "from", message: "must be a date" }],
        });
      }
      if (u.searchParams.get("site") !== "demo") return send(404, { error: "unknown_site" });
      send(200, sample());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const deps = (env: Record<string, string | undefined> = {}) => ({
    fetch: globalThis.fetch,
    env: { NUDGE_URL: url, NUDGE_ADMIN_TOKEN: "good", ...env },
  });

  it("prints the tables, passing the range and the bearer token", async () => {
    const t = captureIo();
    expect(
      await runStats(["demo", "--from", "2026-04-01", "--to", "2026-04-30"], t.io, deps()),
    ).toBe(0);
    expect(t.err).toEqual([]);
    expect(t.out.join("\n")).toContain("Funnel (treated group)");
    expect(seen.at(-1)).toEqual({
      url: "/admin/api/stats?site=demo&from=2026-04-01&to=2026-04-30",
      auth: "Bearer good",
    });
  });

  it("prints JSON with --json, and --url/--token override the environment", async () => {
    const t = captureIo();
    const code = await runStats(
      ["demo", "--json", "--url", url, "--token", "good"],
      t.io,
      deps({ NUDGE_URL: "http://127.0.0.1:1", NUDGE_ADMIN_TOKEN: "bad" }),
    );
    expect(code).toBe(0);
    expect((JSON.parse(t.out.join("\n")) as Report).site).toBe("demo");
  });

  it("explains 401, 404 and 400", async () => {
    let t = captureIo();
    expect(await runStats(["demo"], t.io, deps({ NUDGE_ADMIN_TOKEN: "wrong" }))).toBe(1);
    expect(t.err.join("\n")).toContain("refused the admin token (401)");

    t = captureIo();
    expect(await runStats(["other"], t.io, deps())).toBe(1);
    expect(t.err.join("\n")).toContain('unknown site "other"');

    t = captureIo();
    expect(await runStats(["demo"], t.io, deps({ NUDGE_URL: `${url}/sub/` }))).toBe(0);

    t = captureIo();
    expect(await runStats(["demo", "--from", "bad"], t.io, deps())).toBe(2);
    expect(t.err).toContain("  from: must be a date");
  });

  it("reports a network failure with exit code 1", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const t = captureIo();
    expect(await runStats(["demo"], t.io, deps({ NUDGE_URL: `http://127.0.0.1:${port}` }))).toBe(1);
    expect(t.err.join("\n")).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(.+\)/);
  });

  it("rejects usage errors with exit code 2", async () => {
    for (const [args, env, msg] of [
      [[], {}, "one SITE id is required"],
      [["a", "b"], {}, "one SITE id is required"],
      [["Bad Site"], {}, "not a valid site id"],
      [["demo", "--bogus"], {}, "unknown option --bogus"],
      [["demo", "--from"], {}, "--from needs a value"],
      [["demo"], { NUDGE_ADMIN_TOKEN: "" }, "no admin token"],
      [["demo", "--url", "not a url"], {}, "is not a URL"],
    ] as const) {
      const t = captureIo();
      expect(await runStats([...args], t.io, deps(env)), args.join(" ")).toBe(2);
      expect(t.err.join("\n")).toContain(msg);
    }
  });
});

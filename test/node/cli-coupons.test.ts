// `nudge coupons push` against a loopback HTTP server standing in for the worker: the file
// formats it reads, line-numbered problems (nothing sent), batches of 1,000 with progress on
// stderr and the summary on stdout, --dry-run, and what it says when the worker refuses.
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { batches, parseCodeFile, runCoupons } from "../../cli/coupons.ts";
import { main } from "../../cli/main.ts";
import { captureIo } from "../support/io.ts";

const KEY = "cli-server-key-0123456789abcdef0123";
let server: Server;
let url: string;
/** What the fake worker received, and the pool it keeps (like the CouponPool object). */
let seen: { path: string; auth: string; body: { site: string; pool: string; codes: string[] } }[];
let pool: Set<string>;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw) as (typeof seen)[number]["body"];
      seen.push({ path: req.url ?? "", auth: req.headers.authorization ?? "", body });
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${KEY}`)
        return reply(401, { error: "unauthorized" });
      if (body.site !== "demo") return reply(404, { error: "unknown_site" });
      let added = 0;
      for (const c of body.codes) if (!pool.has(c) && pool.add(c)) added++;
      reply(200, {
        pool: body.pool,
        added,
        duplicates: body.codes.length - added,
        available: pool.size,
        total: pool.size,
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  pool = new Set(["OLD-1", "OLD-2"]);
});

const deps = (files: Record<string, string>, env: Record<string, string> = {}) => ({
  fetch: globalThis.fetch,
  env,
  readFile: async (p: string) => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
    return text;
  },
});

describe("parseCodeFile", () => {
  it("reads one code a line, skipping blank lines, comments and a BOM", () => {
    expect(parseCodeFile("\uFEFF# spring codes\nA-1\r\n\n  B-2  \n# done\n")).toEqual({
      ok: true,
      codes: ["A-1", "B-2"],
    });
  });

  it("reads the first column of a CSV whose header starts with code", () => {
    expect(parseCodeFile('Code,expires\nA-1,2026-06-01\n"B,2",2026-06-01\n"C""3"\n')).toEqual({
      ok: true,
      codes: ["A-1", "B,2", 'C"3'],
    });
  });

  it("names the line of each bad code and both lines of a repeated one", () => {
    expect(parseCodeFile("A-1\nhas space\nB-2\n\nA-1\n" + "x".repeat(65))).toEqual({
      ok: false,
      problems: [
        'line 2: "has space" is not a code (1 to 64 printable characters, no spaces)',
        'line 5: "A-1" repeats line 1',
        `line 6: "${"x".repeat(65)}" is not a code (1 to 64 printable characters, no spaces)`,
      ],
    });
    expect(parseCodeFile("# nothing\n\n")).toEqual({
      ok: false,
      problems: ["the file has no codes"],
    });
  });

  it("splits into batches of at most 1,000", () => {
    expect(batches(Array.from({ length: 2500 }, (_, i) => i)).map((b) => b.length)).toEqual([
      1000, 1000, 500,
    ]);
  });
});

describe("nudge coupons push", () => {
  it("pushes a big file in batches of 1,000 with progress, then a summary", async () => {
    const codes = Array.from({ length: 2500 }, (_, i) => `SPRING-${i}`);
    const file = ["# spring", "OLD-1", ...codes, "OLD-2"].join("\n");
    const { io, out, err } = captureIo();
    const code = await runCoupons(
      ["push", "demo", "spring", "codes.txt", "--url", url],
      io,
      deps({ "codes.txt": file }, { NUDGE_SERVER_KEY: KEY }),
    );
    expect(err.join("\n")).not.toContain("nudge coupons:");
    expect(code).toBe(0);
    expect(seen.map((s) => s.body.codes.length)).toEqual([1000, 1000, 502]);
    expect(seen[0]).toMatchObject({
      path: "/v1/coupons",
      auth: `Bearer ${KEY}`,
      body: { site: "demo", pool: "spring" },
    });
    expect(seen.flatMap((s) => s.body.codes)).toEqual(["OLD-1", ...codes, "OLD-2"]);
    expect(err).toEqual([
      "pushed 1,000/2,502 codes",
      "pushed 2,000/2,502 codes",
      "pushed 2,502/2,502 codes",
    ]);
    expect(out).toEqual(["added 2,500 codes to pool spring (2 already there); 2,502 left"]);
  });

  it("reads a real file through `nudge coupons` with the key and URL from the environment", async () => {
    const { io, out } = captureIo();
    const prev = { key: process.env.NUDGE_SERVER_KEY, url: process.env.NUDGE_URL };
    const path = join(tmpdir(), `nudge-coupons-${process.pid}.txt`);
    writeFileSync(path, "OLD-1\nA\nB\nC\nD\nOLD-2\n");
    process.env.NUDGE_SERVER_KEY = KEY;
    process.env.NUDGE_URL = url;
    try {
      expect(await main(["coupons", "push", "demo", "spring", path], io)).toBe(0);
    } finally {
      process.env.NUDGE_SERVER_KEY = prev.key;
      process.env.NUDGE_URL = prev.url;
      if (prev.key === undefined) delete process.env.NUDGE_SERVER_KEY;
      if (prev.url === undefined) delete process.env.NUDGE_URL;
      rmSync(path);
    }
    expect(out).toEqual(["added 4 codes to pool spring (2 already there); 6 left"]);
  });

  it("sends nothing for a bad file or with --dry-run", async () => {
    const bad = captureIo();
    const files = { "bad.txt": "A\nB\nA\n", "ok.txt": "A\nB\n" };
    const env = { NUDGE_SERVER_KEY: KEY, NUDGE_URL: url };
    expect(await runCoupons(["push", "demo", "spring", "bad.txt"], bad.io, deps(files, env))).toBe(
      2,
    );
    expect(bad.err.join("\n")).toContain('line 3: "A" repeats line 1');
    const dry = captureIo();
    expect(
      await runCoupons(["push", "demo", "spring", "ok.txt", "--dry-run"], dry.io, deps(files)),
    ).toBe(0);
    expect(dry.out.join("\n")).toContain("2 codes in ok.txt are valid");
    expect(seen).toEqual([]);
  });

  it("says what is wrong: usage, no key, no file, a refused key, an unknown site, no worker", async () => {
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const c = captureIo();
      const code = await runCoupons(args, c.io, deps({ "c.txt": "A\n" }, env));
      return { code, err: c.err.join("\n") };
    };
    const withKey = { NUDGE_SERVER_KEY: KEY };
    expect(await run([])).toMatchObject({ code: 2 });
    expect(await run(["pull", "demo", "spring", "c.txt"])).toMatchObject({ code: 2 });
    expect(await run(["push", "demo", "spring"])).toMatchObject({ code: 2 });
    expect(await run(["push", "Bad Site", "spring", "c.txt"])).toMatchObject({ code: 2 });
    expect(await run(["push", "demo", "Spring-Sale", "c.txt"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("not a pool name"),
    });
    expect(await run(["push", "demo", "spring", "c.txt", "--url", url])).toMatchObject({
      code: 2,
      err: expect.stringContaining("NUDGE_SERVER_KEY"),
    });
    expect(await run(["push", "demo", "spring", "nope.txt"], withKey)).toMatchObject({
      code: 1,
      err: expect.stringContaining("cannot read nope.txt"),
    });
    expect(
      await run(["push", "demo", "spring", "c.txt", "--url", url], { NUDGE_SERVER_KEY: "wrong" }),
    ).toMatchObject({ code: 1, err: expect.stringContaining("401") });
    expect(await run(["push", "other", "spring", "c.txt", "--url", url], withKey)).toMatchObject({
      code: 1,
      err: expect.stringContaining("404"),
    });
    expect(
      await run(["push", "demo", "spring", "c.txt", "--url", "http://127.0.0.1:9"], withKey),
    ).toMatchObject({ code: 1, err: expect.stringContaining("cannot reach") });
    const help = captureIo();
    expect(await main(["coupons", "--help"], help.io)).toBe(0);
    expect(help.out.join("\n")).toContain("nudge coupons push SITE POOL FILE");
  });
});

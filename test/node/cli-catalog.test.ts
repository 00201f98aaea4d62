// `nudge catalog push`: the three file formats (test/fixtures/catalog/) read into the products
// they state, every kind of file error naming its index, line or item, and the push itself
// against a loopback HTTP server standing in for POST /v1/catalog (batches, retries, a refusal
// mapped back to the file, usage errors, --dry-run).
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { catalogFormatOf, parseCatalog } from "../../cli/catalog-parse.ts";
import { runCatalog, type CatalogDeps } from "../../cli/catalog.ts";
import { main } from "../../cli/main.ts";
import { captureIo } from "../support/io.ts";

const FIXTURES = new URL("../fixtures/catalog/", import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES), "utf8");
const parseFixture = async (name: string) => {
  const text = await fixture(name);
  return parseCatalog(text, catalogFormatOf(name, text));
};

/** The mug and the cap of the fixtures (the CSV's mug has a longer, two-line name). */
const MUG = {
  id: "sku-mug",
  name: "Stoneware mug",
  price: 14,
  currency: "EUR",
  available: false,
  url: "https://shop.example.com/products/mug",
  image: "https://shop.example.com/images/mug.jpg",
  category: "Home > Kitchen",
};
const CAP = {
  id: "sku-cap",
  name: "Canvas cap",
  price: 19.5,
  currency: "EUR",
  available: true,
  url: "https://shop.example.com/products/cap",
};
const TEE = {
  id: "sku-tee",
  name: "Organic cotton tee",
  price: 24.9,
  currency: "EUR",
  available: true,
  url: "https://shop.example.com/products/tee",
  image: "https://shop.example.com/images/tee.jpg",
  category: "Apparel > Shirts",
};

describe("reading a catalog file", () => {
  it("reads a JSON array, and { products: [...] }", async () => {
    const parsed = await parseFixture("products.json");
    expect(parsed.errors).toEqual([]);
    expect(parsed.products).toEqual([
      { ...TEE, inventory: 12, related: ["sku-cap", "sku-mug"] },
      MUG,
      CAP,
    ]);
    expect(parsed.places).toEqual(["[0]", "[1]", "[2]"]);
    const wrapped = parseCatalog('{"products":[{"id":"a","name":"A","price":1}]}', "json");
    expect(wrapped).toMatchObject({
      products: [{ id: "a", available: true }],
      places: ["products[0]"],
    });
  });

  it("reads CSV: price with its currency, | between related ids, a quoted comma and newline", async () => {
    const parsed = await parseFixture("products.csv");
    expect(parsed.errors).toEqual([]);
    expect(parsed.products).toEqual([
      { ...TEE, inventory: 12, related: ["sku-cap", "sku-mug"] },
      { ...MUG, name: "Stoneware mug, 350 ml\n(dishwasher safe)" },
      CAP,
    ]);
    // The mug's name spans lines 3 and 4, so the cap is on line 5.
    expect(parsed.places).toEqual([
      'line 2 (id "sku-tee")',
      'line 3 (id "sku-mug")',
      'line 5 (id "sku-cap")',
    ]);
  });

  it("reads a Google Merchant RSS feed: sale price when lower, availability, the item's own g:price", async () => {
    const parsed = await parseFixture("merchant.xml");
    expect(parsed.errors).toEqual([]);
    expect(parsed.products).toEqual([
      // g:sale_price 24.90 < g:price 29.90; the g:shipping block's g:price is not the price.
      TEE,
      {
        id: "sku-mug",
        name: "Stoneware mug, 350 ml",
        price: 14,
        currency: "EUR",
        available: false,
        url: "https://shop.example.com/products/mug",
        image: "https://shop.example.com/images/mug.jpg",
        category: "Home & Garden > Kitchen & Dining",
      },
      // A sale price above the price is not a sale; backorder can be bought.
      {
        id: "sku-cap",
        name: "Canvas cap",
        price: 19.5,
        currency: "EUR",
        available: true,
        url: "https://shop.example.com/products/cap",
        image: "https://shop.example.com/images/cap.jpg",
      },
      {
        id: "sku-socks",
        name: "Wool socks",
        price: 12,
        currency: "EUR",
        available: false,
        url: "https://shop.example.com/products/socks",
        image: "https://shop.example.com/images/socks.jpg",
      },
    ]);
    expect(parsed.places[3]).toBe('item 4 (g:id "sku-socks")');
  });

  it("finds the format by extension, else by the first character", () => {
    expect(catalogFormatOf("a.JSON", "")).toBe("json");
    expect(catalogFormatOf("a.csv", "[")).toBe("csv");
    expect(catalogFormatOf("feed.rss", "")).toBe("rss");
    expect(catalogFormatOf("feed.xml", "")).toBe("rss");
    expect(catalogFormatOf("export", '\uFEFF  [{"id":1}]')).toBe("json");
    expect(catalogFormatOf("export", "<?xml")).toBe("rss");
    expect(catalogFormatOf("export.txt", "id,name,price")).toBe("csv");
  });
});

describe("file errors name where they are", () => {
  it("JSON: by index, with unknown fields, duplicates and entries that are no product", async () => {
    expect((await parseFixture("bad.json")).errors).toEqual([
      "[1].price: must not be negative",
      '[2]: unknown field "avaliable" (did you mean "available"?); the fields are id, name, price, currency, available, inventory, url, image, category, related',
      "[3]: must be a product object",
      "[4]: duplicate id, first at [0]",
      "[4].name: must not be empty",
      "[4].price: must be a number like 19.9",
    ]);
    expect(parseCatalog('[\n  {"id": "a",\n  "name": }\n]', "json").errors).toEqual([
      [
        "not valid JSON at line 3, column 11: value expected",
        '    "name": }',
        `${" ".repeat(12)}^`,
      ].join("\n"),
    ]);
    expect(parseCatalog('{"items": []}', "json").errors[0]).toMatch(/array of products/);
    expect(parseCatalog("[]", "json").errors).toEqual(["the file has no products"]);
  });

  it("CSV: by physical line (after a two-line cell), with the id; duplicates name both lines", async () => {
    const parsed = await parseFixture("bad-rows.csv");
    expect(parsed.products).toEqual([]);
    expect(parsed.errors).toEqual([
      'line 4 (id "sku-mug"): price: must be a number like 19.90 or "19.90 EUR" (a dot for decimals), not "14 euros"',
      'line 4 (id "sku-mug"): available: must be true/false, yes/no, 1/0, in_stock/out_of_stock, not "maybe"',
      'line 5 (id "sku-cap"): inventory: must be a whole number, not "2.5"',
      'line 5 (id "sku-cap"): price: must not be negative',
      'line 5 (id "sku-cap"): url: must be an absolute http(s) URL',
      'line 7 (id "sku-tee"): duplicate id, first at line 2',
      "line 8: id: is missing",
    ]);
  });

  it("CSV: unknown columns with what was meant; CRLF files; cell counts; syntax", async () => {
    expect((await parseFixture("bad-header.csv")).errors).toEqual([
      'line 1: unknown column "prcie" (did you mean "price"?); unknown column "colour"; no "price" column; ' +
        "the columns are id, name, price, currency, available, inventory, url, image, category, related",
    ]);
    const crlf = 'id,name,price\r\na,"A\r\nlong",-1\r\n\r\nb,B,2,extra\r\n';
    expect(parseCatalog(crlf, "csv").errors).toEqual([
      'line 2 (id "a"): price: must not be negative',
      'line 5 (id "b"): has 4 cells where the header has 3 columns',
    ]);
    expect(parseCatalog('id,name,price\na,"B,1\n', "csv").errors).toEqual([
      expect.stringMatching(/^CSV syntax error: .*line 2/),
    ]);
    expect(parseCatalog("id;name;price\na;B;1\n", "csv").errors[0]).toMatch(
      /^line 1: the header has one column; separate columns with commas/,
    );
    expect(parseCatalog("id,name,price,currency\na,A,2 USD,EUR\n", "csv").errors).toEqual([
      'line 2 (id "a"): currency: says EUR but the price says USD',
    ]);
  });

  it("RSS: by item and g:id, with the element's name; malformed XML by line and column", async () => {
    expect((await parseFixture("bad-merchant.xml")).errors).toEqual([
      'item 1 (g:id "sku-tee"): g:price: must be a number like 19.90 or "19.90 EUR" (a dot for decimals), not "29,90 EUR"',
      'item 1 (g:id "sku-tee"): g:availability: must be in_stock, out_of_stock, preorder or backorder, not "limited"',
      "item 2: g:id: is missing",
      'item 3 (g:id "sku-cap"): g:sale_price: is in USD but g:price is in EUR',
      'item 3 (g:id "sku-cap"): g:link: must be an absolute http(s) URL',
    ]);
    expect((await parseFixture("broken.xml")).errors).toEqual([
      expect.stringMatching(/^XML error at line 7, column 5: .*'item'/),
    ]);
    expect(
      parseCatalog('<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "rss").errors[0],
    ).toMatch(/Atom feed/);
  });
});

// ---- the push, against a loopback stand-in for POST /v1/catalog ---------------------------------

const KEY = "catalog-server-key-0123456789abcdef";
type Handler = (body: { site: string; products: { id: string }[] }, res: ServerResponse) => void;
let server: Server;
let url: string;
let batches: { site: string; products: { id: string; price: number }[] }[] = [];
let handler: Handler;

const accept: Handler = (body, res) => json(res, 200, acceptance(body.products.length));
const acceptance = (n: number) => ({ received: n, changed: n, price_drops: 1, back_in_stock: 0 });

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The worker's contract as far as the CLI can break it: path, method, key and body shape. */
function serve(req: IncomingMessage, res: ServerResponse): void {
  let raw = "";
  req.on("data", (c: Buffer) => (raw += c.toString()));
  req.on("end", () => {
    if (req.method !== "POST" || req.url !== "/v1/catalog") return json(res, 404, {});
    if (req.headers.authorization !== `Bearer ${KEY}`)
      return json(res, 401, { error: "unauthorized" });
    const body = JSON.parse(raw) as { site: string; products: { id: string; price: number }[] };
    const shaped =
      req.headers["content-type"] === "application/json" &&
      Object.keys(body).join() === "site,products" &&
      Array.isArray(body.products) &&
      body.products.length >= 1 &&
      body.products.length <= 500 &&
      body.products.every((p) => typeof p.id === "string" && typeof p.price === "number");
    if (!shaped) return json(res, 400, { error: "invalid_batch", issues: [] });
    batches.push(body);
    handler(body, res);
  });
}

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  batches = [];
  handler = accept;
});

const waits: number[] = [];
function deps(files: Record<string, string> = {}, env: Record<string, string> = {}): CatalogDeps {
  waits.length = 0;
  return {
    fetch: globalThis.fetch,
    env: { NUDGE_SERVER_KEY: KEY, NUDGE_URL: url, ...env },
    readFile: async (p) => files[p] ?? (await fixture(p)),
    sleep: async (ms) => void waits.push(ms),
  };
}

async function push(args: string[], d: CatalogDeps = deps()) {
  const { io, out, err } = captureIo();
  const code = await runCatalog(["push", ...args], io, d);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A CSV of n products, sku-0 … sku-(n-1). */
function bigCsv(n: number): string {
  const lines = ["id,name,price,currency,available,url"];
  for (let i = 0; i < n; i++)
    lines.push(
      `sku-${i},Product ${i},${(i % 97) + 0.5},EUR,${i % 10 ? "yes" : "no"},https://shop.example.com/p/${i}`,
    );
  return `${lines.join("\n")}\n`;
}

describe("nudge catalog push", () => {
  it("pushes 10,000 products from a CSV in 20 batches of 500, in order, with progress and a summary", async () => {
    const r = await push(["shop", "big.csv"], deps({ "big.csv": bigCsv(10_000) }));
    expect(r.code).toBe(0);
    expect(batches).toHaveLength(20);
    expect(batches.every((b) => b.site === "shop" && b.products.length === 500)).toBe(true);
    expect(batches.flatMap((b) => b.products.map((p) => p.id))).toEqual(
      Array.from({ length: 10_000 }, (_, i) => `sku-${i}`),
    );
    expect(batches[0]?.products[1]).toEqual({
      id: "sku-1",
      name: "Product 1",
      price: 1.5,
      currency: "EUR",
      available: true,
      url: "https://shop.example.com/p/1",
    });
    const progress = r.err.split("\n");
    expect(progress).toHaveLength(20);
    expect(progress[2]).toBe("catalog push: 1500/10000 products (3/20 batches)");
    expect(progress[19]).toBe("catalog push: 10000/10000 products (20/20 batches)");
    expect(r.out).toBe(
      "pushed 10000 products to shop: 10000 changed, 20 price drops, 0 back in stock",
    );
  });

  it("pushes each fixture format, --batch sized, with --url and --key over the environment", async () => {
    for (const file of ["products.json", "products.csv", "merchant.xml"]) {
      batches = [];
      const r = await push(
        ["shop", file, "--batch", "2", "--url", url, "--key", KEY],
        deps({}, { NUDGE_SERVER_KEY: "wrong", NUDGE_URL: "http://127.0.0.1:9" }),
      );
      expect(r.code, r.err).toBe(0);
      expect(batches.map((b) => b.products.length)).toEqual(
        file === "merchant.xml" ? [2, 2] : [2, 1],
      );
      expect(batches[0]?.products[0]?.id).toBe("sku-tee");
    }
  });

  it("retries a 429 after its retry-after, then goes on", async () => {
    let calls = 0;
    handler = (body, res) =>
      ++calls === 2
        ? json(res, 429, { error: "rate_limited" }, { "retry-after": "2" })
        : accept(body, res);
    const r = await push(["shop", "products.csv", "--batch", "1"]);
    expect(r.code, r.err).toBe(0);
    expect(waits).toEqual([2000]);
    expect(batches.map((b) => b.products[0]?.id)).toEqual([
      "sku-tee",
      "sku-mug",
      "sku-mug",
      "sku-cap",
    ]);
    expect(r.err).toContain("catalog push: batch 2/3: HTTP 429; retry 1/5 in 2 s");
    expect(r.out).toBe("pushed 3 products to shop: 3 changed, 3 price drops, 0 back in stock");
  });

  it("caps retry-after at 30 s, scales waits by NUDGE_RETRY_SCALE and gives up after 5 retries", async () => {
    handler = (_body, res) => json(res, 503, { error: "unavailable" }, { "retry-after": "120" });
    const r = await push(["shop", "products.json"], deps({}, { NUDGE_RETRY_SCALE: "0.001" }));
    expect(r.code).toBe(1);
    expect(batches).toHaveLength(6);
    expect(waits).toEqual([30, 30, 30, 30, 30]);
    expect(r.err).toContain("HTTP 503, still after 5 retries");
    expect(r.err).toContain("nothing was pushed.");
  });

  it("retries a network failure with backoff, then reports it", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await push(["shop", "products.json", "--url", `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(r.err).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(.*\), still after 5 retries/);
  });

  it("stops at a 400, maps products[i] back to the file's line and says what was pushed", async () => {
    handler = (body, res) =>
      batches.length === 2
        ? json(res, 400, {
            error: "invalid_batch",
            issues: [{ path: "products[0].price", message: "must be at most 1000" }],
          })
        : accept(body, res);
    const r = await push(["shop", "products.csv", "--batch", "2"]);
    expect(r.code).toBe(1);
    expect(batches).toHaveLength(2);
    expect(r.err).toContain("batch 2 (products 3–3)");
    expect(r.err).toContain("the worker rejected the batch (400 invalid_batch)");
    expect(r.err).toContain('  line 5 (id "sku-cap"): price: must be at most 1000');
    expect(r.err).toContain(
      "2 products of 3 were pushed before it (2 changed, 1 price drop, 0 back in stock); the rest were not.",
    );
  });

  it("maps the worker's issues to a JSON index and an RSS element too", async () => {
    handler = (_body, res) =>
      json(res, 400, {
        error: "invalid_batch",
        issues: [{ path: "products[1].url", message: "must be an absolute http(s) URL" }],
      });
    expect((await push(["shop", "products.json"])).err).toContain(
      "  [1].url: must be an absolute http(s) URL",
    );
    expect((await push(["shop", "merchant.xml"])).err).toContain(
      '  item 2 (g:id "sku-mug"): g:link: must be an absolute http(s) URL',
    );
  });

  it("stops at a refused key or an unknown site", async () => {
    let r = await push(["shop", "products.json", "--key", "nope"]);
    expect(r).toMatchObject({
      code: 1,
      err: expect.stringContaining("refused the server key (401)"),
    });
    handler = (_body, res) => json(res, 404, { error: "unknown_site" });
    r = await push(["shop", "products.json"]);
    expect(r).toMatchObject({ code: 1, err: expect.stringContaining("unknown site") });
  });

  it("sends nothing from a file with errors, and prints every error", async () => {
    const r = await push(["shop", "bad-rows.csv"]);
    expect(r.code).toBe(1);
    expect(batches).toEqual([]);
    expect(r.err).toContain("bad-rows.csv (csv) has 7 errors; nothing was sent:");
    expect(r.err).toContain('  line 7 (id "sku-tee"): duplicate id, first at line 2');
    const missing = await push(["shop", "nowhere.csv"], {
      ...deps(),
      readFile: (p) => readFile(p, "utf8"),
    });
    expect(missing).toMatchObject({
      code: 1,
      err: expect.stringContaining("cannot read nowhere.csv"),
    });
  });

  it("--dry-run checks the file and sends nothing, with or without a key", async () => {
    const r = await push(["shop", "merchant.xml", "--dry-run"], deps({}, { NUDGE_SERVER_KEY: "" }));
    expect(r.code).toBe(0);
    expect(batches).toEqual([]);
    expect(r.out).toContain("dry run: 4 products in merchant.xml (rss) are valid; nothing sent");
  });

  it("usage errors exit 2: no key, bad arguments, an unknown subcommand", async () => {
    const noKey = await push(["shop", "products.json"], deps({}, { NUDGE_SERVER_KEY: "" }));
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain("no server key: set NUDGE_SERVER_KEY or pass --key");
    for (const args of [
      ["shop"],
      ["Bad Site", "products.json"],
      ["shop", "products.json", "--batch", "0"],
      ["shop", "products.json", "--batch", "501"],
      ["shop", "products.json", "--batch", "ten"],
      ["shop", "products.json", "--url", "not a url"],
      ["shop", "products.json", "--force"],
    ])
      expect((await push(args)).code, args.join(" ")).toBe(2);
    expect(batches).toEqual([]);
    const { io, err } = captureIo();
    expect(await main(["catalog", "pull", "shop"], io)).toBe(2);
    expect(err.join("\n")).toContain('unknown subcommand "pull"');
  });

  it("is listed in the usage and has its help", async () => {
    const { io, out } = captureIo();
    expect(await main(["help", "catalog"], io)).toBe(0);
    expect(out.join("\n")).toContain("usage: nudge catalog push SITE FILE");
    expect(await main(["--help"], io)).toBe(0);
    expect(out.join("\n")).toContain("catalog push SITE FILE");
  });
});

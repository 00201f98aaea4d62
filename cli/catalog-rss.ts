// A Google Merchant RSS 2.0 feed (`<rss><channel><item>` with `g:` elements) read into catalog
// rows for catalog-parse.ts: each item's place is its number and g:id, and each product field
// names the element it came from, so the worker's issues point at the feed. Pure.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { availability, priceOf, readPrice, type Draft, type Rows } from "./catalog-rows.ts";

/** The Google Merchant Center namespace of a product feed's `g:` elements. */
export const GOOGLE_NS = "http://base.google.com/ns/1.0";

/** The element each product field is read from in a Merchant feed (the worker's issues map back). */
export const RSS_SOURCE: Partial<Record<string, string>> = {
  id: "g:id",
  name: "g:title",
  price: "g:price",
  currency: "g:price",
  available: "g:availability",
  url: "g:link",
  image: "g:image_link",
  category: "g:product_type",
};

type XmlNode = Record<string, unknown>;

export function rssRows(text: string): Rows {
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    return {
      error: `XML error at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    };
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
  }).parse(text) as XmlNode;
  const rss = doc.rss as XmlNode | undefined;
  if (!rss || typeof rss !== "object" || typeof rss.channel !== "object")
    return {
      error:
        "feed" in doc
          ? "an Atom feed: export the Merchant feed as RSS 2.0 (<rss><channel><item>)"
          : "not an RSS 2.0 feed: no <rss><channel>",
    };
  const g = googlePrefix(rss);
  const items = asList((rss.channel as XmlNode).item);
  const rows = items.map((item, i) =>
    typeof item === "object" && item !== null
      ? rssRow(item as XmlNode, i + 1, g)
      : { place: `item ${i + 1}`, input: null, errors: [{ field: "", message: "is empty" }] },
  );
  return { rows, errors: [] };
}

/** The prefix the feed binds to the Google namespace (`g` when it declares none). */
function googlePrefix(rss: XmlNode): string {
  for (const [k, v] of Object.entries(rss))
    if (k.startsWith("@_xmlns:") && v === GOOGLE_NS) return k.slice("@_xmlns:".length);
  return "g";
}

function asList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The text of a child element (the first, when repeated), trimmed; undefined when absent or empty. */
function textOf(node: XmlNode, name: string): string | undefined {
  const v = asList(node[name])[0];
  const t = typeof v === "object" && v !== null ? (v as XmlNode)["#text"] : v;
  const s = typeof t === "string" || typeof t === "number" ? String(t).trim() : "";
  return s === "" ? undefined : s;
}

function rssRow(item: XmlNode, n: number, g: string): Draft {
  const el = (name: string) => `${g}:${name}`;
  const pick = (...names: string[]) => {
    for (const name of names) {
      const v = textOf(item, name);
      if (v !== undefined) return { name, v };
    }
    return undefined;
  };
  const id = textOf(item, el("id"));
  const place = `item ${n}${id ? ` (${el("id")} ${JSON.stringify(id)})` : ""}`;
  const source: Record<string, string> = { ...RSS_SOURCE, id: el("id") };
  const row: Draft = { place, input: {}, errors: [], source };
  if (asList(item[el("id")]).length > 1)
    row.errors.push({ field: "id", message: `${el("id")} appears more than once` });
  if (id !== undefined) row.input.id = id;
  const title = pick(el("title"), "title");
  if (title) [row.input.name, source.name] = [title.v, title.name];
  const link = pick(el("link"), "link");
  if (link) [row.input.url, source.url] = [link.v, link.name];
  const image = textOf(item, el("image_link"));
  if (image !== undefined) [row.input.image, source.image] = [image, el("image_link")];
  const category = pick(el("product_type"), el("google_product_category"));
  if (category) [row.input.category, source.category] = [category.v, category.name];
  rssPrice(item, row, el);
  const avail = textOf(item, el("availability"));
  if (avail !== undefined) {
    source.available = el("availability");
    const a = availability(avail);
    if (a === undefined)
      row.errors.push({
        field: "available",
        message: `must be in_stock, out_of_stock, preorder or backorder, not ${JSON.stringify(avail)}`,
      });
    else row.input.available = a;
  }
  return row;
}

/** g:price, or g:sale_price when it is present and lower (both "15.00 USD"). */
function rssPrice(item: XmlNode, row: Draft, el: (name: string) => string): void {
  const source = row.source as Record<string, string>;
  const price = textOf(item, el("price"));
  const sale = textOf(item, el("sale_price"));
  source.price = source.currency = el("price");
  if (price !== undefined) readPrice(row, "price", price);
  if (sale === undefined || row.errors.some((e) => e.field === "price")) return;
  const s = priceOf(sale);
  if (!s) {
    source.sale_price = el("sale_price");
    row.errors.push({
      field: "sale_price",
      message: `must be a number like "12.00 USD", not ${JSON.stringify(sale)}`,
    });
    return;
  }
  const regular = row.input.price;
  if (
    s.currency !== undefined &&
    row.input.currency !== undefined &&
    s.currency !== row.input.currency
  ) {
    source.sale_price = el("sale_price");
    row.errors.push({
      field: "sale_price",
      message: `is in ${s.currency} but ${el("price")} is in ${String(row.input.currency)}`,
    });
    return;
  }
  if (typeof regular !== "number" || s.amount < regular) {
    row.input.price = s.amount;
    source.price = el("sale_price");
    if (s.currency !== undefined) row.input.currency = s.currency;
  }
}

// Reads a product catalog file (JSON, CSV or a Google Merchant RSS 2.0 feed) into products checked
// with the worker's own CatalogProductSchema, for `nudge catalog push`. Every error names where it
// is in the file: JSON by index (`[12].price`), CSV by physical line (`line 14 (id "sku-9")`,
// header = line 1), RSS by item number (`item 7 (g:id "123")`). A file with any error yields
// errors, and the caller pushes nothing. Pure (no file system, no node: imports): it also runs
// in workerd.
import { parse as parseCsv } from "csv-parse/sync";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { CatalogProductSchema, type CatalogProduct } from "../worker/catalog/schema.ts";
import { didYouMean } from "../worker/config/lint.ts";
import { zodIssues } from "../worker/lib/errors.ts";
import { jsonProblem } from "./json-problem.ts";

export type CatalogFormat = "json" | "csv" | "rss";

export interface ParsedCatalog {
  format: CatalogFormat;
  /** The valid products, in file order (empty when there is any error). */
  products: CatalogProduct[];
  /** Where each product is in the file (`[3]`, `line 5 (id "sku-tee")`, `item 2 (g:id "7")`). */
  places: string[];
  errors: string[];
}

/** The CSV columns, in the documented order. */
export const CSV_COLUMNS = [
  "id",
  "name",
  "price",
  "currency",
  "available",
  "inventory",
  "url",
  "image",
  "category",
  "related",
] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ["id", "name", "price"];
/** Separates the ids in a CSV `related` cell. */
export const RELATED_SEPARATOR = "|";

/** The Google Merchant Center namespace of a product feed's `g:` elements. */
export const GOOGLE_NS = "http://base.google.com/ns/1.0";

/** The format of a catalog file: by extension, else by its first character. */
export function catalogFormatOf(fileName: string, text: string): CatalogFormat {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === "json") return "json";
  if (ext === "csv") return "csv";
  if (ext === "xml" || ext === "rss") return "rss";
  const first = text.replace(/^\uFEFF/, "").trimStart()[0];
  return first === "[" || first === "{" ? "json" : first === "<" ? "rss" : "csv";
}

export function parseCatalog(text: string, format: CatalogFormat): ParsedCatalog {
  const rows =
    format === "json" ? jsonRows(text) : format === "csv" ? csvRows(text) : rssRows(text);
  if ("error" in rows) return { format, products: [], places: [], errors: [rows.error] };
  const errors = [...rows.errors];
  const products: CatalogProduct[] = [];
  const places: string[] = [];
  const seen = new Map<string, string>();
  for (const row of rows.rows) {
    errors.push(...row.errors.map((e) => at(format, row.place, e.field, e.message, row.source)));
    if (row.input === null) continue;
    const id = typeof row.input.id === "string" ? row.input.id.trim() : undefined;
    if (id) {
      const first = seen.get(id);
      if (first !== undefined) errors.push(`${row.place}: duplicate id, first at ${first}`);
      else seen.set(id, row.place.replace(/ \(.*\)$/, ""));
    }
    const parsed = CatalogProductSchema.safeParse(row.input);
    if (parsed.success) {
      products.push(parsed.data);
      places.push(row.place);
      continue;
    }
    const failed = new Set(row.errors.map((e) => e.field));
    for (const issue of zodIssues(parsed.error.issues.map(readable))) {
      const field = issue.path.split(/[.[]/)[0] ?? "";
      if (!failed.has(field))
        errors.push(at(format, row.place, issue.path, issue.message, row.source));
    }
  }
  if (errors.length === 0 && products.length === 0) errors.push("the file has no products");
  return errors.length
    ? { format, products: [], places: [], errors }
    : { format, products, places, errors: [] };
}

/**
 * A problem of the product at `place`, path `path` (a product field like `price`, or `related[2]`),
 * as the file names it: `[12].price: …` for JSON, `line 14 (id "x"): price: …` for CSV and
 * `item 7 (g:id "x"): g:price: …` for RSS. Also maps the worker's own 400 issues back to the file.
 */
export function at(
  format: CatalogFormat,
  place: string,
  path: string,
  message: string,
  source: Partial<Record<string, string>> = format === "rss" ? RSS_SOURCE : {},
): string {
  if (path === "") return `${place}: ${message}`;
  const [field = "", rest = ""] = /^([^.[]*)(.*)$/.exec(path)?.slice(1) ?? [];
  const named = `${source[field] ?? field}${rest}`;
  return format === "json" ? `${place}.${named}: ${message}` : `${place}: ${named}: ${message}`;
}

/** zod's issue in the file's words: a missing field is missing; an unknown key gets a hint. */
function readable<T extends { path: readonly PropertyKey[]; message: string; code?: string }>(
  issue: T,
): T {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message))
    return { ...issue, message: "is missing" };
  if (issue.code !== "unrecognized_keys" || !("keys" in issue) || !Array.isArray(issue.keys))
    return issue;
  const keys = issue.keys as string[];
  const message = keys
    .map((k) => `unknown field "${k}"${hint(k, CSV_COLUMNS)}`)
    .join("; ")
    .concat(`; the fields are ${CSV_COLUMNS.join(", ")}`);
  return { ...issue, message };
}

function hint(word: string, options: readonly string[]): string {
  const m = didYouMean(word, options);
  return m ? ` (did you mean "${m}"?)` : "";
}

/** One product as read from the file, before the schema: what it says and what could not be read. */
interface Row {
  place: string;
  /** The product's fields; null when the entry is not a product at all (then only `errors`). */
  input: Record<string, unknown> | null;
  /** Values that could not be converted (the schema is not asked about those fields). */
  errors: { field: string; message: string }[];
  /** The file's name of each product field, when it differs (RSS: price → g:price). */
  source?: Partial<Record<string, string>>;
}
/** A row being read from CSV or RSS: its fields are there to fill. */
type Draft = Row & { input: Record<string, unknown> };
type Rows = { rows: Row[]; errors: string[] } | { error: string };

// ---- JSON ---------------------------------------------------------------------------------------

function jsonRows(text: string): Rows {
  const json = text.replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    return { error: jsonProblem(json, err) };
  }
  const wrapped =
    typeof data === "object" && data !== null && !Array.isArray(data) && "products" in data;
  const list = wrapped ? (data as { products: unknown }).products : data;
  if (!Array.isArray(list))
    return { error: 'the JSON must be an array of products or { "products": [ … ] }' };
  const rows = list.map((item: unknown, i): Row => {
    const place = `${wrapped ? "products" : ""}[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item))
      return { place, input: null, errors: [{ field: "", message: "must be a product object" }] };
    return { place, input: item as Record<string, unknown>, errors: [] };
  });
  return { rows, errors: [] };
}

// ---- CSV ----------------------------------------------------------------------------------------

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

function csvRows(text: string): Rows {
  let records: CsvRecord[];
  try {
    // csv-parse counts a CRLF inside a quoted field as two lines: read every line end as "\n".
    records = parseCsv(text.replace(/\r\n?/g, "\n"), {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as CsvRecord[];
  } catch (err) {
    return { error: `CSV syntax error: ${err instanceof Error ? err.message : String(err)}` };
  }
  const [head, ...body] = records;
  if (!head) return { error: "the file has no products" };
  const header = csvHeader(head);
  if ("error" in header) return header;
  const rows = body
    .filter((r) => r.record.some((c) => c !== ""))
    .map((r) => csvRow(r, header.columns));
  return { rows, errors: [] };
}

/** The header's columns; an unknown, repeated or missing column is an error naming it. */
function csvHeader(head: CsvRecord): { columns: Column[] } | { error: string } {
  const line = startLine(head);
  const names = head.record.map((c) => c.toLowerCase());
  if (names.length === 1 && /[;\t]/.test(names[0] ?? ""))
    return { error: `line ${line}: the header has one column; separate columns with commas` };
  const problems: string[] = [];
  names.forEach((n, i) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(n))
      problems.push(
        n === "" ? `column ${i + 1} has no name` : `unknown column "${n}"${hint(n, CSV_COLUMNS)}`,
      );
    else if (names.indexOf(n) !== i) problems.push(`column "${n}" appears twice`);
  });
  for (const c of REQUIRED_COLUMNS) if (!names.includes(c)) problems.push(`no "${c}" column`);
  if (problems.length === 0) return { columns: names as Column[] };
  return {
    error: `line ${line}: ${problems.join("; ")}; the columns are ${CSV_COLUMNS.join(", ")}`,
  };
}

/** The physical line a record starts on (csv-parse's `info.lines` is the line it ends on). */
function startLine(r: CsvRecord): number {
  return r.info.lines - r.record.reduce((n, cell) => n + cell.split("\n").length - 1, 0);
}

function csvRow(r: CsvRecord, columns: Column[]): Draft {
  const cells = new Map(columns.map((c, i) => [c, r.record[i] ?? ""]));
  const id = cells.get("id") ?? "";
  const place = `line ${startLine(r)}${id ? ` (id ${JSON.stringify(id)})` : ""}`;
  const row: Draft = { place, input: {}, errors: [] };
  if (r.record.length !== columns.length)
    row.errors.push({
      field: "",
      message: `has ${r.record.length} cells where the header has ${columns.length} columns`,
    });
  for (const [column, cell] of cells) if (cell !== "") readCell(row, column, cell);
  return row;
}

function readCell(row: Draft, column: Column, cell: string): void {
  const fail = (message: string) => row.errors.push({ field: column, message });
  switch (column) {
    case "price":
      return readPrice(row, "price", cell);
    case "currency":
      if (row.input.currency !== undefined && String(row.input.currency) !== cell.toUpperCase())
        fail(`says ${cell} but the price says ${String(row.input.currency)}`);
      else row.input.currency = cell;
      return;
    case "available": {
      const a = availability(cell);
      if (a === undefined)
        fail(`must be true/false, yes/no, 1/0, in_stock/out_of_stock, not ${JSON.stringify(cell)}`);
      else row.input.available = a;
      return;
    }
    case "inventory":
      if (/^-?\d+$/.test(cell)) row.input.inventory = Number(cell);
      else fail(`must be a whole number, not ${JSON.stringify(cell)}`);
      return;
    case "related":
      row.input.related = cell
        .split(RELATED_SEPARATOR)
        .map((s) => s.trim())
        .filter(Boolean);
      return;
    default:
      row.input[column] = cell;
  }
}

/** `19.90`, `19.90 EUR` or `EUR 19.90` into row.input.price (and currency). */
function readPrice(row: Draft, field: string, cell: string): void {
  const p = priceOf(cell);
  if (!p) {
    row.errors.push({
      field,
      message: `must be a number like 19.90 or "19.90 EUR" (a dot for decimals), not ${JSON.stringify(cell)}`,
    });
    return;
  }
  row.input.price = p.amount;
  if (p.currency === undefined) return;
  const stated = row.input.currency;
  if (stated !== undefined && String(stated).toUpperCase() !== p.currency)
    row.errors.push({
      field,
      message: `says ${p.currency} but the currency says ${String(stated)}`,
    });
  else row.input.currency = p.currency;
}

export function priceOf(text: string): { amount: number; currency?: string } | null {
  const m = /^(?:([A-Za-z]{3})\s*)?(-?(?:\d+(?:\.\d*)?|\.\d+))(?:\s*([A-Za-z]{3}))?$/.exec(
    text.trim(),
  );
  if (!m || (m[1] && m[3])) return null;
  const currency = (m[1] ?? m[3])?.toUpperCase();
  return currency ? { amount: Number(m[2]), currency } : { amount: Number(m[2]) };
}

/**
 * In stock or not: true/false, yes/no, 1/0 and the Merchant values (`in_stock`, `backorder` →
 * true; `out_of_stock`, `preorder` → false; spaces for `_` accepted). Else undefined.
 */
export function availability(text: string): boolean | undefined {
  const v = text.trim().toLowerCase().replace(/\s+/g, "_");
  if (["true", "yes", "1", "in_stock", "backorder"].includes(v)) return true;
  if (["false", "no", "0", "out_of_stock", "preorder"].includes(v)) return false;
  return undefined;
}

// ---- Google Merchant RSS 2.0 --------------------------------------------------------------------

/** The element each product field is read from in a Merchant feed (the worker's issues map back). */
const RSS_SOURCE: Partial<Record<string, string>> = {
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

function rssRows(text: string): Rows {
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

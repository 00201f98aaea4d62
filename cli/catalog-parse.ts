// Reads a product catalog file (JSON, CSV or a Google Merchant RSS 2.0 feed) into products checked
// with the worker's own CatalogProductSchema, for `nudge catalog push`. Every error names where it
// is in the file: JSON by index (`[12].price`), CSV by physical line (`line 14 (id "sku-9")`,
// header = line 1), RSS by item number (`item 7 (g:id "123")`). A file with any error yields
// errors, and the caller pushes nothing. Pure (no file system, no node: imports): it also runs
// in workerd. The RSS reader is catalog-rss.ts; the row shape and the shared cell readers are
// catalog-rows.ts.
import { parse as parseCsv } from "csv-parse/sync";
import { CatalogProductSchema, type CatalogProduct } from "../worker/catalog/schema.ts";
import { didYouMean } from "../worker/config/lint.ts";
import { zodIssues } from "../worker/lib/errors.ts";
import { jsonProblem } from "./json-problem.ts";
import { availability, readPrice, type Draft, type Row, type Rows } from "./catalog-rows.ts";
import { RSS_SOURCE, rssRows } from "./catalog-rss.ts";

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

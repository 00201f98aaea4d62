// What reading a catalog file yields before the schema is asked (a row per product, with its
// place in the file and what could not be read), and the cell readers CSV and RSS share: prices
// with or without a currency, and availability words. Pure.

/** One product as read from the file, before the schema: what it says and what could not be read. */
export interface Row {
  place: string;
  /** The product's fields; null when the entry is not a product at all (then only `errors`). */
  input: Record<string, unknown> | null;
  /** Values that could not be converted (the schema is not asked about those fields). */
  errors: { field: string; message: string }[];
  /** The file's name of each product field, when it differs (RSS: price → g:price). */
  source?: Partial<Record<string, string>>;
}
/** A row being read from CSV or RSS: its fields are there to fill. */
export type Draft = Row & { input: Record<string, unknown> };
export type Rows = { rows: Row[]; errors: string[] } | { error: string };

/** `19.90`, `19.90 EUR` or `EUR 19.90` into row.input.price (and currency). */
export function readPrice(row: Draft, field: string, cell: string): void {
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

// The catalog's shapes: one product as the store states it (CLI push, POST /v1/catalog, the
// server event `product_updated`, platform product webhooks), and the limits of a push. One zod
// schema, used by the worker and by `nudge catalog push` to check rows before they are sent.
import { z } from "zod";
import { SITE_ID } from "../lib/ids.ts";

const text = (max: number) => z.string().trim().min(1, { error: "must not be empty" }).max(max);
const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), {
    error: "must be an absolute http(s) URL",
  });

/** Most products one request may carry (a bigger catalog is pushed in batches). */
export const MAX_CATALOG_BATCH = 500;
/** Most related ids one product may name. */
export const MAX_RELATED = 20;

export const CatalogProductSchema = z
  .strictObject({
    id: text(128).meta({
      description: "The id the storefront reports for it (variant id on Shopify)",
    }),
    name: text(500),
    price: z
      .number({ error: "must be a number like 19.9" })
      .finite()
      .min(0, { error: "must not be negative" })
      .max(1e9),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, { error: "must be a 3-letter ISO 4217 code" })
      .transform((c) => c.toUpperCase())
      .optional(),
    available: z.boolean({ error: "must be true or false" }).optional(),
    inventory: z
      .number({ error: "must be a whole number" })
      .int({ error: "must be a whole number" })
      .min(0)
      .max(1e9)
      .optional(),
    url: httpUrl.optional(),
    image: httpUrl.optional(),
    category: text(200).optional(),
    related: z.array(text(128)).max(MAX_RELATED).optional(),
  })
  .transform((p) => ({
    ...p,
    // Availability: as stated, else from the inventory, else in stock.
    available: p.available ?? (p.inventory === undefined ? true : p.inventory > 0),
  }));

export type CatalogProductInput = z.input<typeof CatalogProductSchema>;
export type CatalogProduct = z.output<typeof CatalogProductSchema>;

/** POST /v1/catalog: up to MAX_CATALOG_BATCH products of one site. */
export const CatalogBatchSchema = z.object({
  site: z.string().regex(SITE_ID, "must be a lowercase site id"),
  products: z.array(CatalogProductSchema).min(1).max(MAX_CATALOG_BATCH),
});

// Platform product webhooks → `product_updated` server events for the catalog. Shopify's
// `products/update` states every variant (the id the storefront's cart reports, named
// "Product - Variant" as the tag names it); WooCommerce's `product.updated` states the product
// (its Store API cart reports the product or variation id). Pure; the event id is the delivery
// id plus the product id, so a retried delivery is the same event.
import { z } from "zod";
import {
  amount,
  checked,
  eventIdOf,
  gidNumber,
  idText,
  ignored,
  invalid,
  type PlatformOutcome,
} from "./common.ts";

const text = z.string().nullish();
const Image = z.object({ id: idText.nullish(), src: text }).nullish();

const ShopifyProduct = z.object({
  id: idText,
  title: z.string().trim().min(1),
  handle: text,
  status: text,
  product_type: text,
  image: Image,
  images: z.array(Image).nullish(),
  variants: z
    .array(
      z.object({
        id: idText,
        admin_graphql_api_id: text,
        title: text,
        price: amount,
        inventory_quantity: z.number().int().nullish(),
        inventory_policy: text,
        inventory_management: text,
        image_id: idText.nullish(),
      }),
    )
    .min(1)
    .max(250),
});

/** The variant's own name beside the product's, as the storefront tag names a cart line. */
const variantName = (product: string, variant: string | null | undefined) =>
  variant && variant !== "Default Title" ? `${product} - ${variant}` : product;

/**
 * Shopify `products/update`: one catalog product per variant. Available: the product is active
 * and the variant can be sold (stock left, stock not tracked, or selling past zero allowed).
 */
export function shopifyProductEvents(
  deliveryId: string,
  body: unknown,
  shop: string | null,
): PlatformOutcome {
  const p = ShopifyProduct.safeParse(body);
  if (!p.success) return invalid(p.error);
  const prod = p.data;
  const active = (prod.status ?? "active") === "active";
  const images = new Map(
    (prod.images ?? []).flatMap((i) => (i?.id && i.src ? [[i.id, i.src]] : [])),
  );
  const base = shop && URL.canParse(shop) ? new URL(shop) : null;
  return checked(
    null,
    prod.variants.map((v) => {
      const id = gidNumber(v.admin_graphql_api_id) ?? v.id;
      const tracked = v.inventory_management !== null && v.inventory_quantity != null;
      const sellable =
        v.inventory_policy === "continue" || !tracked || (v.inventory_quantity ?? 0) > 0;
      const image = (v.image_id ? images.get(v.image_id) : null) ?? prod.image?.src ?? null;
      const url =
        prod.handle && base
          ? new URL(`/products/${encodeURIComponent(prod.handle)}?variant=${id}`, base).href
          : null;
      return {
        id: eventIdOf("shp", deliveryId, id),
        name: "product_updated",
        data: {
          id,
          name: variantName(prod.title, v.title).slice(0, 500),
          price: v.price,
          available: active && sellable,
          ...(tracked && v.inventory_quantity != null
            ? { inventory: Math.max(0, v.inventory_quantity) }
            : {}),
          ...(url ? { url } : {}),
          ...(image && /^https?:\/\//i.test(image) ? { image } : {}),
          ...(prod.product_type?.trim()
            ? { category: prod.product_type.trim().slice(0, 200) }
            : {}),
        },
      };
    }),
  );
}

const WooProduct = z.object({
  id: idText,
  name: z.string().trim().min(1),
  status: text,
  permalink: text,
  price: z.union([amount, z.literal("")]).nullish(),
  stock_status: text,
  stock_quantity: z.number().int().nullish(),
  manage_stock: z.boolean().nullish(),
  images: z.array(z.object({ src: text })).nullish(),
  categories: z.array(z.object({ name: text })).nullish(),
  related_ids: z.array(idText).nullish(),
});

/**
 * WooCommerce `product.updated` / `product.created`: available when published and in stock (or
 * on backorder). A product with no price yet (a draft, a variable product's parent) is skipped.
 */
export function wooProductEvents(deliveryId: string, body: unknown): PlatformOutcome {
  const p = WooProduct.safeParse(body);
  if (!p.success) return invalid(p.error);
  const w = p.data;
  if (w.price === "" || w.price == null) return ignored("no_price");
  const image = w.images?.[0]?.src;
  const category = w.categories?.[0]?.name?.trim();
  return checked(null, [
    {
      id: eventIdOf("woo", deliveryId, w.id),
      name: "product_updated",
      data: {
        id: w.id,
        name: w.name.slice(0, 500),
        price: w.price,
        available: (w.status ?? "publish") === "publish" && w.stock_status !== "outofstock",
        ...(w.manage_stock && w.stock_quantity != null
          ? { inventory: Math.max(0, w.stock_quantity) }
          : {}),
        ...(w.permalink && /^https?:\/\//i.test(w.permalink) ? { url: w.permalink } : {}),
        ...(image && /^https?:\/\//i.test(image) ? { image } : {}),
        ...(category ? { category: category.slice(0, 200) } : {}),
        ...(w.related_ids?.length ? { related: w.related_ids.slice(0, 20) } : {}),
      },
    },
  ]);
}

// The `if` condition language of the site config: dotted paths → operators. Zod schema only;
// evaluation lives in worker/engine/conditions.ts. Used by worker/config/schema.ts.
import { z } from "zod";

/** Roots a condition path may start with: the keys of `envOf` in worker/engine/context.ts. */
export const PATH_ROOTS = [
  "event",
  "cart",
  "product",
  "order",
  "contact",
  "visitor",
  "form",
  "price_drop",
] as const;

const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;

export const PathSchema = z
  .string()
  .regex(PATH_RE, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a dotted path like cart.value`,
  })
  .refine((p) => (PATH_ROOTS as readonly string[]).includes(p.split(".")[0] ?? ""), {
    error: (iss) => `${JSON.stringify(iss.input)} must start with one of ${PATH_ROOTS.join(", ")}`,
  });

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const ordered = z.union([z.number(), z.string()]);

export const OperatorsSchema = z
  .strictObject({
    eq: scalar.optional(),
    ne: scalar.optional(),
    gt: ordered.optional(),
    gte: ordered.optional(),
    lt: ordered.optional(),
    lte: ordered.optional(),
    in: z.array(scalar).optional(),
    contains: scalar.optional(),
    exists: z.boolean().optional(),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), {
    error: "needs an operator: eq, ne, gt, gte, lt, lte, in, contains or exists",
  });

/**
 * `{ "cart.value": { "gt": 0 }, "contact.orders": 0 }`: every path must satisfy every operator
 * given for it (AND). A bare scalar is shorthand for `{ "eq": value }`.
 */
export const ConditionSchema = z
  .record(PathSchema, z.union([OperatorsSchema, scalar]))
  .refine((c) => Object.keys(c).length > 0, { error: "must name at least one path" });

export type Operators = z.output<typeof OperatorsSchema>;
export type Condition = z.output<typeof ConditionSchema>;

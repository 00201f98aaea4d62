// `if` condition evaluation: every operator over dotted paths.
import { describe, expect, it } from "vitest";
import { evaluate, getPath } from "./conditions.ts";

const env = {
  cart: { value: 25, count: 2, items: [{ id: "a" }, { id: "b" }], currency: "EUR" },
  contact: { orders: 0, email: null, tags: ["vip", "eu"], birthday: "1990-03-04" },
};

describe("getPath", () => {
  it("walks objects and arrays", () => {
    expect(getPath(env, "cart.value")).toBe(25);
    expect(getPath(env, "cart.items.1.id")).toBe("b");
    expect(getPath(env, "cart.items.length")).toBe(2);
    expect(getPath(env, "cart.nope.deeper")).toBeUndefined();
    expect(getPath(env, "contact.email.x")).toBeUndefined();
    expect(getPath(env, "cart.constructor")).toBeUndefined();
  });
});

describe("evaluate", () => {
  it.each([
    [{ "cart.value": { gt: 0 } }, true],
    [{ "cart.value": { gt: 25 } }, false],
    [{ "cart.value": { gte: 25 } }, true],
    [{ "cart.value": { lt: 25 } }, false],
    [{ "cart.value": { lte: 25, gte: 10 } }, true],
    [{ "cart.count": { eq: 2 } }, true],
    [{ "cart.count": 2 }, true],
    [{ "cart.count": { ne: 2 } }, false],
    [{ "cart.currency": { in: ["EUR", "USD"] } }, true],
    [{ "cart.currency": { in: ["GBP"] } }, false],
    [{ "contact.tags": { contains: "vip" } }, true],
    [{ "cart.items": { contains: "b" } }, true],
    [{ "contact.birthday": { contains: "03-04" } }, true],
    [{ "contact.email": { exists: false } }, true],
    [{ "contact.email": { eq: null } }, true],
    [{ "contact.missing": { exists: true } }, false],
    [{ "contact.missing": { eq: null } }, true],
    [{ "contact.birthday": { gt: "1980-01-01" } }, true],
    [{ "cart.currency": { gt: 1 } }, false],
    [{ "cart.value": { gt: 0 }, "contact.orders": { gte: 1 } }, false],
  ])("%j → %s", (cond, want) => expect(evaluate(cond, env)).toBe(want));
  it("no condition is true", () => expect(evaluate(undefined, env)).toBe(true));
});

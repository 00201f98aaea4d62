// Form capture on plain-object stand-ins for the DOM (the browser test drives the real one):
// which fields `data-nudge-field` lets out, and what form_start / form_submit carry.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WireEventSchema, type WireEvent } from "../worker/ingest/wire.ts";
import { fields, onForm } from "./forms.ts";
import { flush, push } from "./transport.ts";

vi.mock("./transport.ts", () => ({ push: vi.fn(), flush: vi.fn() }));

type Field = {
  type: string;
  name: string;
  value: string;
  autocomplete?: string;
  checked?: boolean;
  dataset: { nudgeField?: string };
  form?: unknown;
};

/** A field; `mark` is the data-nudge-field value (undefined: not marked). */
const field = (type: string, name: string, value: string, mark?: string, more = {}): Field => ({
  type,
  name,
  value,
  autocomplete: "",
  checked: false,
  dataset: mark === undefined ? {} : { nudgeField: mark },
  ...more,
});

/** A form holding `all`, as far as forms.ts looks at it. */
const form = (all: Field[], ignored = false) => {
  const f = {
    id: "signup",
    name: "",
    closest: (sel: string) => (sel == "[data-nudge-ignore]" && ignored ? {} : null),
    querySelector: (sel: string) =>
      sel == "[type=email]" ? (all.find((x) => x.type == "email") ?? null) : null,
    querySelectorAll: (sel: string) => {
      expect(sel).toBe("[data-nudge-field]");
      return all.filter((x) => x.dataset.nudgeField !== undefined);
    },
  };
  for (const x of all) x.form = f;
  return f;
};

const marked = [
  field("text", "plan", "pro", ""), // named by its name
  field("text", "org", "Acme", "company"), // named by the attribute
  field("password", "pw", "PASSWORD-VALUE", ""),
  field("text", "pin", "SECRET-1", "", { autocomplete: "new-password" }),
  field("hidden", "token", "HIDDEN-VALUE", ""),
  field("text", "cc", "4242424242424242", "", { autocomplete: "cc-number" }),
  field("tel", "card_number", "4242424242424243", ""),
  field("text", "cvv", "CVV-123", ""),
  field("text", "sec", "CSC-456", "", { autocomplete: "cc-csc" }),
  field("checkbox", "news", "yes", "newsletter", { checked: true }),
  field("checkbox", "terms", "on", "", { checked: false }),
  field("radio", "size", "S", "", { checked: false }),
  field("radio", "size", "M", "", { checked: true }),
  field("radio", "size", "L", "", { checked: false }),
  field("select-one", "country", "FR", "", { checked: undefined }),
  field("textarea", "note", "hello", "", { checked: undefined }),
];
const allowed = {
  plan: "pro",
  company: "Acme",
  newsletter: "yes",
  size: "M",
  country: "FR",
  note: "hello",
};

const pushed = () => vi.mocked(push).mock.calls.map(([e]) => e as WireEvent);

beforeEach(() => {
  vi.stubGlobal("location", new URL("https://shop.example/signup"));
  vi.mocked(push).mockClear();
  vi.mocked(flush).mockClear();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("fields", () => {
  it("lets out only marked fields, never a password, hidden or card field", () => {
    const all = [...marked, field("text", "first_name", "Ada")]; // unmarked: never read
    expect(fields(form(all) as unknown as ParentNode)).toEqual(allowed);
  });

  it("is empty when nothing is marked", () => {
    expect(fields(form([field("text", "q", "x")]) as unknown as ParentNode)).toEqual({});
  });
});

describe("onForm", () => {
  const email = () => field("email", "email", "Ada@Example.com");

  it("sends form_start once per form, then form_submit with the email and allowed fields, by beacon", () => {
    const all = [email(), ...marked, field("text", "first_name", "Ada")];
    const f = form(all);
    onForm({ type: "input", target: all[0] } as unknown as Event);
    onForm({ type: "input", target: all[1] } as unknown as Event);
    onForm({ type: "submit", target: f } as unknown as Event);
    const [start, submit, ...rest] = pushed();
    expect(rest).toEqual([]);
    expect(start).toMatchObject({ name: "form_start", data: { form: "signup" } });
    expect(submit).toMatchObject({
      name: "form_submit",
      data: { form: "signup", email: "Ada@Example.com", fields: allowed },
    });
    expect(flush).toHaveBeenCalledWith(1);
    const parsed = WireEventSchema.safeParse(submit);
    expect(parsed.success && parsed.data.data).toEqual({
      form: "signup",
      email: "ada@example.com",
      fields: allowed,
    });
    const raw = JSON.stringify(pushed());
    for (const secret of ["PASSWORD", "SECRET-1", "HIDDEN", "42424242", "CVV-", "CSC-", '"Ada"'])
      expect(raw).not.toContain(secret);
  });

  it("sends nothing for a form with data-nudge-ignore, or without an email field", () => {
    const ignored = form([email(), ...marked], true);
    onForm({ type: "input", target: ignored } as unknown as Event);
    onForm({ type: "submit", target: ignored } as unknown as Event);
    const search = form([field("search", "q", "boots", "")]);
    onForm({ type: "input", target: search } as unknown as Event);
    onForm({ type: "submit", target: search } as unknown as Event);
    expect(push).not.toHaveBeenCalled();
    expect(flush).not.toHaveBeenCalled();
  });
});

// Dev outbox: the sender (stable ids per idempotency key, storage failures retryable) and the
// HTML/JSON views. The DevOutbox object itself is exercised in workerd (test/workers/mail.test.ts).
import { describe, expect, it } from "vitest";
import { OutboxSender, type OutboxRecord, type OutboxStore } from "./outbox-sender.ts";
import { outboxJson, outboxPage } from "./outbox-view.ts";
import type { OutgoingEmail } from "./sender.ts";

const email = (key: string, subject = "Hello <b>"): OutgoingEmail => ({
  idempotencyKey: key,
  from: "Demo Shop <shop@example.com>",
  to: "ada@example.com",
  subject,
  html: `<html><body><p>Hi "Ada"</p></body></html>`,
  text: "Hi Ada",
  headers: { "List-Unsubscribe": "<https://n.example/u/t>" },
  tags: [{ name: "trigger", value: "cart-abandoned" }],
});

/** A store with the DevOutbox object's contract (idempotent by key, newest first), in memory. */
class FakeStore implements OutboxStore {
  readonly byKey = new Map<string, OutboxRecord>();
  async insert(r: OutboxRecord) {
    const have = this.byKey.get(r.email.idempotencyKey);
    if (have) return have;
    this.byKey.set(r.email.idempotencyKey, r);
    return r;
  }
  async list(limit: number) {
    return [...this.byKey.values()].sort((a, b) => b.at - a.at).slice(0, limit);
  }
  async get(id: string) {
    return [...this.byKey.values()].find((r) => r.id === id) ?? null;
  }
  async forget(to: string) {
    for (const [k, r] of this.byKey) if (r.email.to === to) this.byKey.delete(k);
  }
}

describe("OutboxSender", () => {
  it("stores each idempotency key once and returns a stable id", async () => {
    const store = new FakeStore();
    const sender = new OutboxSender(store, () => 1000);
    const a = await sender.send(email("demo:cart:ep1:0"));
    const b = await sender.send(email("demo:cart:ep1:0", "changed"));
    const c = await sender.send(email("demo:cart:ep1:1"));
    expect(a).toEqual(b);
    expect(a.ok && a.id).toMatch(/^dev_[0-9a-f]{20}$/);
    expect(c.ok && a.ok && c.id !== a.id).toBe(true);
    expect(await store.list(10)).toHaveLength(2);
  });

  it("reports a storage failure as retryable", async () => {
    const sender = new OutboxSender({
      insert: async () => {
        throw new Error("disk");
      },
      list: async () => [],
      get: async () => null,
      forget: async () => {},
    });
    expect(await sender.send(email("k"))).toMatchObject({ ok: false, retryable: true });
  });
});

describe("outbox views", () => {
  it("lists and previews emails in a sandboxed iframe, escaped", async () => {
    const store = new FakeStore();
    await new OutboxSender(store, () => Date.UTC(2026, 0, 1)).send(email("k1"));
    const records = await store.list(50);
    const html = outboxPage(records);
    expect(html).toContain("Hello &lt;b&gt;");
    expect(html).toMatch(/<iframe [^>]*sandbox="[^"]*"[^>]*srcdoc="&lt;html&gt;/);
    expect(html).not.toContain("<b>");
    expect(html).toContain("cart-abandoned");
    expect(outboxPage([])).toContain("No emails yet");
    const json = outboxJson(records);
    expect(json.emails[0]).toMatchObject({
      to: "ada@example.com",
      at: "2026-01-01T00:00:00.000Z",
      idempotencyKey: "k1",
    });
  });
});

describe("unsubscribe page", () => {
  const brand = {
    name: "<Shop>",
    color: "#0f766e",
    url: "https://shop.example/",
    postalAddress: "1 Example Street",
  };
  it("GET of a link that names no kind offers everything alone; names are escaped", async () => {
    const { unsubscribePage } = await import("./unsubscribe-view.ts");
    const html = unsubscribePage({ state: "confirm", brand, action: "/u/abc.def", label: null });
    expect(html).toContain('<form method="post" action="/u/abc.def" class="choices">');
    expect(html).toContain('name="scope" value="all"');
    expect(html).not.toContain('value="kind"');
    expect(html).toContain("&lt;Shop&gt;");
    expect(unsubscribePage({ state: "invalid" })).toContain("not valid");
  });

  it("GET of a link from one kind of email offers that kind or everything, in one form", async () => {
    const { unsubscribePage } = await import("./unsubscribe-view.ts");
    const html = unsubscribePage({
      state: "confirm",
      brand,
      action: "/u/t",
      label: "cart <reminders>",
    });
    expect(html.match(/<form /g)).toHaveLength(1);
    expect(html).toContain(
      '<button type="submit" name="scope" value="kind">Stop cart &lt;reminders&gt;</button>',
    );
    expect(html).toContain(
      '<button type="submit" name="scope" value="all" class="quiet">Unsubscribe from all marketing email</button>',
    );
  });

  it("carries the brand: its colour, postal address and a way back to the shop", async () => {
    const { unsubscribePage } = await import("./unsubscribe-view.ts");
    const html = unsubscribePage({ state: "confirm", brand, action: "/u/t", label: null });
    expect(html).toContain(":root{--brand:#0f766e}");
    expect(html).toContain("1 Example Street");
    expect(html).toContain('<a href="https://shop.example/">Back to &lt;Shop&gt;</a>');
    // A colour that is not a hex colour never reaches the style sheet.
    const odd = unsubscribePage({
      state: "confirm",
      brand: { ...brand, color: "red;}body{" },
      action: "/u/t",
      label: null,
    });
    expect(odd).not.toContain("--brand:red");
  });

  it("after unsubscribing offers to subscribe again, posting action=resubscribe", async () => {
    const { unsubscribePage } = await import("./unsubscribe-view.ts");
    const done = unsubscribePage({
      state: "done",
      brand,
      action: "/u/t",
      scope: "all",
      label: "cart reminders",
    });
    expect(done).toContain("You are unsubscribed");
    expect(done).toContain('<input type="hidden" name="action" value="resubscribe">');
    expect(done).toContain('name="scope" value="all" class="quiet">Subscribe again</button>');
    const back = unsubscribePage({ state: "resubscribed", brand, scope: "all", label: null });
    expect(back).toContain("You are subscribed again");
  });

  it("after stopping one kind says which, and offers that kind back alone", async () => {
    const { unsubscribePage } = await import("./unsubscribe-view.ts");
    const done = unsubscribePage({
      state: "done",
      brand,
      action: "/u/t",
      scope: "kind",
      label: "cart reminders",
    });
    expect(done).toContain("You will not get cart reminders any more");
    expect(done).toContain(
      'name="scope" value="kind" class="quiet">Get cart reminders again</button>',
    );
    const back = unsubscribePage({
      state: "resubscribed",
      brand,
      scope: "kind",
      label: "cart reminders",
    });
    expect(back).toContain("You will get cart reminders again");
  });
});

// Topics: the kind of email a trigger sends (its topic, else its id) and what the unsubscribe
// page calls it.
import { describe, expect, it } from "vitest";
import defaultConfig from "../../templates/default-config.json";
import { parseSiteConfig, type SiteConfig } from "./schema.ts";
import { topicLabel, topicOf } from "./topics.ts";

function config(patch: Record<string, unknown> = {}): SiteConfig {
  const r = parseSiteConfig({ ...defaultConfig, ...patch });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

describe("topics", () => {
  it("several triggers share a topic; a trigger without one is its own", () => {
    const c = config();
    expect(topicOf(c, "cart-abandoned")).toBe("reminders");
    expect(topicOf(c, "browse-abandoned")).toBe("reminders");
    expect(topicOf(c, "welcome")).toBe("welcome");
    // A trigger removed from the config since the step was queued keeps its id.
    expect(topicOf(c, "gone-trigger")).toBe("gone-trigger");
  });

  it("a topic as a bare slug, without a label", () => {
    const triggers = defaultConfig.triggers.map((t) =>
      t.id === "win-back" ? { ...t, topic: "come-back" } : t,
    );
    const c = config({ triggers });
    expect(topicOf(c, "win-back")).toBe("come-back");
    expect(topicLabel(c, "come-back")).toBe("come back emails");
  });

  it("is called by its label, else by its slug in words", () => {
    const c = config();
    expect(topicLabel(c, "reminders")).toBe("shopping reminders");
    expect(topicLabel(c, "cart-abandoned")).toBe("cart abandoned emails");
    expect(topicLabel(null, "reminders")).toBe("reminders emails");
  });
});

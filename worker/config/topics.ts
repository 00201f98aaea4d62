// The kind of email a trigger sends (its topic): what an unsubscribe link can stop on its own.
// A trigger's `topic` when the config sets one, else its id. Pure; the delivery (which topic a
// send belongs to) and the unsubscribe page (what to call it) read it.
import type { SiteConfig, Trigger } from "./schema.ts";

/** The topic slug of a trigger as configured (its own id when it names none). */
export function triggerTopic(t: Pick<Trigger, "id" | "topic">): string {
  if (t.topic === undefined) return t.id;
  return typeof t.topic === "string" ? t.topic : t.topic.id;
}

/** The topic of a send by trigger id; the id itself for a trigger the config no longer has. */
export function topicOf(config: SiteConfig, trigger: string): string {
  const t = config.triggers.find((x) => x.id === trigger);
  return t ? triggerTopic(t) : trigger;
}

/**
 * The topics a person can stop on their own: those of the marketing triggers, in config order,
 * each once (a topic of transactional mail alone would stop nothing).
 */
export function marketingTopics(config: SiteConfig): string[] {
  return [...new Set(config.triggers.filter((t) => t.marketing).map(triggerTopic))];
}

/** "cart-abandoned" → "cart abandoned". */
const humanise = (slug: string) => slug.replace(/-+/g, " ").trim();

/**
 * What the unsubscribe page calls the emails of a topic, a noun phrase ("cart reminders",
 * "win back emails"): the topic's label when a trigger gives one, else its slug in words.
 * Works without a config (the slug in words).
 */
export function topicLabel(config: SiteConfig | null, topic: string): string {
  for (const t of config?.triggers ?? []) {
    if (typeof t.topic === "object" && t.topic.id === topic && t.topic.label) return t.topic.label;
  }
  return `${humanise(topic)} emails`;
}

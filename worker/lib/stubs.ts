// Durable Object addressing: which object holds a visitor (site:vid) or a contact (site:contact
// hash). The other objects are addressed beside their classes: Stats shards in stats/record.ts,
// the Pacer in mail/pacer.ts, the DevOutbox in mail/dev-outbox.ts.
export function visitorStub(env: Env, site: string, vid: string) {
  return env.VISITORS.get(env.VISITORS.idFromName(`${site}:${vid}`));
}

export function contactStub(env: Env, site: string, contactId: string) {
  return env.CONTACTS.get(env.CONTACTS.idFromName(`${site}:${contactId}`));
}

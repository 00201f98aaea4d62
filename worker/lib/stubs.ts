// Durable Object addressing: which object holds a visitor or a contact.
export function visitorStub(env: Env, site: string, vid: string) {
  return env.VISITORS.get(env.VISITORS.idFromName(`${site}:${vid}`));
}

export function contactStub(env: Env, site: string, contactId: string) {
  return env.CONTACTS.get(env.CONTACTS.idFromName(`${site}:${contactId}`));
}

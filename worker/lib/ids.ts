// The id patterns every edge validates against, written once: site ids, visitor ids, contact
// hashes, trigger ids, event names and episode ids. Used by the wire and config schemas, the
// routes and the CLI. Pure constants.

/** A site id: lowercase, digits, `_` and `-`, 1–63 characters, not starting with `_`/`-`. */
export const SITE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** A visitor id from the snippet: 16–64 URL-safe characters. */
export const VISITOR_ID = /^[A-Za-z0-9_-]{16,64}$/;
/** A contact id: the first 24 hex digits of the keyed hash of (site, email) (lib/crypto.ts). */
export const CONTACT_ID = /^[0-9a-f]{24}$/;
/** A trigger id in a site config: lowercase, digits and `-`, 1–64 characters. */
export const TRIGGER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** A template name: like a trigger id, `_` allowed. */
export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** An event name (built-in or custom): lowercase identifier with `_ . : -`. */
export const EVENT_NAME = /^[a-z][a-z0-9_.:-]{0,63}$/;
/** An episode id: URL-safe, 1–128 characters. */
export const EPISODE_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** A topic's slug: the kind of email an unsubscribe (link or server event) can stop on its own. */
export const TOPIC_SLUG = /^[a-z0-9-]{1,40}$/;
/** A name a template reaches with a dot: a site or step variable (`vars.NAME`) or a coupon
 * pool (`coupon.NAME`). Lowercase identifier, 1–32 characters. */
export const VAR_NAME = /^[a-z][a-z0-9_]{0,31}$/;

// What of a page URL Nudge keeps: origin + path, plus the `utm_*` campaign parameters. Query
// strings carry emails, reset tokens and GET-form fields, and fragments carry tokens; none of it
// may reach storage, logs, emails or click tokens. Pure; used by the wire schema.

/** `https://shop.example/p/mug?utm_source=x&email=a@b.c#t` → `https://shop.example/p/mug?utm_source=x`. */
export function minimalPageUrl(raw: string): string {
  const u = new URL(raw);
  const kept = new URLSearchParams();
  for (const [k, v] of u.searchParams) if (/^utm_[a-z_]{1,20}$/i.test(k)) kept.append(k, v);
  const query = kept.toString();
  return `${u.origin}${u.pathname}${query ? `?${query}` : ""}`;
}

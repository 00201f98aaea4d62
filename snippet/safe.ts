// Never break the host page: a wrapper that swallows our errors, used for every listener,
// timer and API call. Nothing we throw reaches the page's own error handlers.

/** `f` wrapped so nothing it throws escapes. */
export const safe =
  <A extends unknown[]>(f: (...a: A) => unknown) =>
  (...a: A): void => {
    try {
      f(...a);
    } catch {
      /* ours, never the page's */
    }
  };

/** A capturing listener on window: it sees window, document and element events alike. */
export const on = (type: string, f: (e: Event) => unknown): void =>
  addEventListener(type, safe(f), true);

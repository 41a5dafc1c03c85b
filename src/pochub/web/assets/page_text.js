// What the page scripts share for safety: text from data becomes text nodes, never HTML (community and area
// names come from imported files), and posts carry the page's CSRF token.

// An element holding `value` as text, for Leaflet tooltips and popups (a string there would be parsed as HTML).
export function asText(value) {
  const span = document.createElement("span");
  span.textContent = value === null || value === undefined ? "" : String(value);
  return span;
}

// Headers for a same-origin post from a page: the CSRF token of the page's <meta name="csrf-token">.
export function csrfHeaders(headers = {}) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? { ...headers, "X-CSRF-Token": meta.content } : headers;
}

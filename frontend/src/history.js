// The queries run in this browser, newest first, kept in localStorage (never sent anywhere).
const KEY = "r2pkg.history";
const KEEP = 30;

export function recalled() {
  try {
    const items = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(items) ? items.filter((i) => i && typeof i.query === "string") : [];
  } catch (ignored) {
    return [];
  }
}

export function remember(query) {
  const items = recalled().filter((i) => i.query !== query);
  items.unshift({ query, at: Date.now() });
  try { localStorage.setItem(KEY, JSON.stringify(items.slice(0, KEEP))); } catch (ignored) { /* private mode */ }
}

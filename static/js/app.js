// Progressive enhancement only: the pages work without JavaScript. With it, htmx saves
// grid cells in place, so the per-cell "Save" buttons (the no-JS fallback) are hidden.
document.documentElement.classList.remove("no-js");
document.documentElement.classList.add("js");

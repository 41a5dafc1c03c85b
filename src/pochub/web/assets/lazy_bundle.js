// A bundle a page needs only further down (the inbox's response-time chart: Chart.js is more bytes than the rest
// of the page) is named on its element (data-bundle) and fetched when that element comes within a screen of the
// view, so a phone on a slow line opens the page without it. Without IntersectionObserver it is fetched at once.
// Only a bundle of this site's /static/dist/ is loaded.
function load(holder) {
  const source = holder.dataset.bundle;
  if (!source || !source.startsWith("/static/dist/") || holder.dataset.bundleLoaded) return;
  holder.dataset.bundleLoaded = "true";
  const script = document.createElement("script");
  script.src = source;
  document.body.append(script);
}

const holders = [...document.querySelectorAll("[data-bundle]")];
if (holders.length && "IntersectionObserver" in window) {
  const watcher = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        watcher.unobserve(entry.target);
        load(entry.target);
      }
    },
    { rootMargin: "100% 0px" },
  );
  for (const holder of holders) watcher.observe(holder);
} else {
  holders.forEach(load);
}

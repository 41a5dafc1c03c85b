// Disclosure buttons (no framework): the header's menu on a phone and the map's layers drawer. A button
// `button.disclosure[aria-controls]` shows or hides the element it names; the style sheets say what "hidden" means
// at each size (on a desk both stay open and the buttons are not shown). The buttons are in the page hidden: the
// script reveals them, so without it the whole header and the layers simply stay on the page as on a desk.
// Escape closes an open one and takes the focus back to its button; a `[data-closes]` button inside closes it too.

function setOpen(button, open) {
  button.setAttribute("aria-expanded", open ? "true" : "false");
  const target = document.getElementById(button.getAttribute("aria-controls"));
  if (target) target.classList.toggle("open", open);
}

for (const button of document.querySelectorAll("button.disclosure[aria-controls]")) {
  setOpen(button, false);
  button.hidden = false;
  button.addEventListener("click", () => setOpen(button, button.getAttribute("aria-expanded") !== "true"));
  const target = document.getElementById(button.getAttribute("aria-controls"));
  if (!target) continue;
  target.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
    setOpen(button, false);
    if (button.offsetParent !== null) button.focus();
  });
  for (const closer of target.querySelectorAll("button[data-closes]")) {
    closer.hidden = false;
    closer.addEventListener("click", () => {
      setOpen(button, false);
      button.focus();
    });
  }
}
// Escape on the button itself closes what it opened
document.addEventListener("keydown", (event) => {
  const button = event.target.closest && event.target.closest("button.disclosure[aria-expanded='true']");
  if (event.key === "Escape" && button) setOpen(button, false);
});

// Messages over the view: the event feed (last six lines, fading), the toast, the mode hint.
import { $, el } from "./dom.js";
import { t } from "../i18n/index.js";

/** A line in the event feed; kind: info | good | warn | bad. */
export function feed(text, kind = "info") {
  const box = $("event-feed");
  const item = el("div", { class: "feed-item " + kind, text });
  box.prepend(item);
  while (box.children.length > 6) box.lastChild.remove();
  setTimeout(() => item.classList.add("fade"), 6000);
  setTimeout(() => item.remove(), 7000);
}

let toastTimer = null;
/** A short message in the middle of the view (e.g. why a button is disabled). */
export function toast(text, kind = "info") {
  const e = $("toast");
  e.textContent = text;
  e.className = kind;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => e.classList.add("hidden"), 2500);
}

/** What a click does in the current mode (placing, attack-move, superweapon), or hidden. */
export function showModeHint(mode) {
  const hint = $("mode-hint");
  if (!mode) { hint.classList.add("hidden"); return; }
  hint.classList.remove("hidden");
  if (mode.kind === "place") hint.textContent = t("hint_place", { what: t(mode.type) });
  else if (mode.kind === "attack_move") hint.textContent = t("hint_attack_move");
  else if (mode.kind === "superweapon") hint.textContent = t("hint_superweapon");
}

// The first-game guide: one hint at a time with the next useful step (power plant -> refinery ->
// barracks -> army -> attack), the words to type and the button to click. Each step is done when
// the server state says so (the player may follow the hint or not). Dismissable; remembered in
// localStorage (dismissed or finished: never shown again; the step reached: kept across reloads).
import { t } from "./i18n/index.js";

const GUIDE_KEY = "rts.guide";          // "dismissed" | "done" | the index of the current step
const PLAYED_KEY = "rts.played";        // set once a first game has started: later games are not "first"
const ARMY_SIZE = 5;                    // combat units the "army" step asks for

/** Steps in order: the i18n key of the hint, the words to type, the sidebar button, and when it is done. */
export const STEPS = [
  { key: "guide_power", words: "guide_power_words", build: "power_plant",
    done: (s) => hasBuilding(s, "power_plant", true) },
  { key: "guide_refinery", words: "guide_refinery_words", build: "refinery",
    done: (s) => hasBuilding(s, "refinery", true) },
  { key: "guide_barracks", words: "guide_barracks_words", build: "barracks",
    done: (s) => hasBuilding(s, "barracks", true) },
  { key: "guide_army", words: "guide_army_words", build: "infantry",
    done: (s) => ownUnits(s).filter((u) => u.type !== "harvester").length >= ARMY_SIZE },
  { key: "guide_attack", words: "guide_attack_words", build: null,
    done: (s) => ownUnits(s).some((u) => u.order === "attack") },
];

function ownUnits(s) { return [...s.units.values()].filter((u) => u.owner === s.playerId); }
/** An own building of this type (with `finished`: complete; the next one needs it standing). */
function hasBuilding(s, type, finished = false) {
  for (const b of s.buildings.values()) {
    if (b.owner === s.playerId && b.type === type && (!finished || (b.built ?? 1) >= 1)) return true;
  }
  return false;
}

/** Is this the player's first game on this browser? (Nothing remembered yet.) */
export function isFirstGame(storage = window.localStorage) {
  return !storage.getItem(PLAYED_KEY);
}

export class Guide {
  constructor({ serverState, storage = window.localStorage, parent, onWords }) {
    this.server = serverState;
    this.storage = storage;
    this.onWords = onWords;       // (text) -> put the words into the order box
    const saved = storage.getItem(GUIDE_KEY);
    this.closed = saved === "dismissed" || saved === "done";
    this.step = Number.isInteger(Number(saved)) && saved !== null ? Math.min(STEPS.length, Number(saved)) : 0;
    this.box = document.createElement("div");
    this.box.id = "guide";
    this.box.className = "hidden";
    this.box.dataset.testid = "guide";
    this.box.setAttribute("role", "status");
    parent.appendChild(this.box);
    this.rendered = null;
    this.building = false;        // the current step's building is ordered and going up
  }

  /** After each state: move on past every step already done, then show the current one. */
  update() {
    const s = this.server;
    if (this.closed || s.role !== "player" || s.playerId == null || !s.map) { this._hide(); return; }
    if (!this.storage.getItem(PLAYED_KEY)) this.storage.setItem(PLAYED_KEY, "1");
    while (this.step < STEPS.length && STEPS[this.step].done(s)) {
      this.step++;
      this.storage.setItem(GUIDE_KEY, String(this.step));
    }
    if (this.step >= STEPS.length) { this._finish(); return; }
    const st = STEPS[this.step];
    const building = st.build && st.build !== "infantry" && hasBuilding(s, st.build);
    if (building !== this.building) { this.building = building; this.rendered = null; }
    this._show();
    const build = STEPS[this.step].build;   // the sidebar may have redrawn its buttons
    if (build && !this.building && !document.querySelector(".build-btn.guide-target")) this._highlight(build);
  }

  onLanguage() { this.rendered = null; if (!this.closed) this._show(); }

  dismiss() {
    this.closed = true;
    this.storage.setItem(GUIDE_KEY, "dismissed");
    this._hide();
  }

  _finish() {
    if (this.rendered === "done") return;
    this.rendered = "done";
    this.storage.setItem(GUIDE_KEY, "done");
    this.box.className = "";
    this.box.replaceChildren(this._head(t("guide_done_title")), this._p(t("guide_done")));
    setTimeout(() => { this.closed = true; this._hide(); }, 6000);
  }

  _show() {
    if (this.step >= STEPS.length || this.rendered === this.step) return;
    const st = STEPS[this.step];
    this.rendered = this.step;
    this.box.className = "";
    this.box.dataset.step = String(this.step + 1);
    const words = t(st.words);
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "guide-words";
    chip.dataset.testid = "guide-words";
    chip.textContent = `“${words}”`;
    chip.title = t("guide_use_words");
    chip.addEventListener("click", () => this.onWords && this.onWords(words));
    const lines = [this._head(t("guide_title", { n: this.step + 1, of: STEPS.length })), this._p(t(st.key))];
    if (this.building) {   // ordered already: say so instead of asking again
      const wait = this._p(t("guide_wait", { what: t(st.build) }));
      wait.className = "guide-how";
      lines.push(wait);
      this.box.replaceChildren(...lines);
      this._highlight(null);
      return;
    }
    const how = document.createElement("div");
    how.className = "guide-how";
    how.append(document.createTextNode(t("guide_type") + " "), chip);
    if (st.build) how.append(document.createTextNode(" " + t("guide_or_click", { button: t(st.build) })));
    lines.push(how);
    this.box.replaceChildren(...lines);
    this._highlight(st.build);
  }

  _head(text) {
    const h = document.createElement("div");
    h.className = "guide-head";
    const b = document.createElement("b");
    b.textContent = text;
    const x = document.createElement("button");
    x.type = "button";
    x.className = "guide-close";
    x.dataset.testid = "guide-close";
    x.textContent = "✕";
    x.title = t("guide_dismiss");
    x.setAttribute("aria-label", t("guide_dismiss"));
    x.addEventListener("click", () => this.dismiss());
    h.append(b, x);
    return h;
  }

  _p(text) { const p = document.createElement("div"); p.textContent = text; return p; }

  /** Point at the sidebar button of this step (a pulsing outline), and at nothing else. */
  _highlight(build) {
    for (const el of document.querySelectorAll(".build-btn.guide-target")) el.classList.remove("guide-target");
    if (!build) return;
    const el = document.querySelector(`.build-btn[data-build="${build}"]`);
    if (el) el.classList.add("guide-target");
  }

  _hide() {
    this.box.className = "hidden";
    this.rendered = null;
    this._highlight(null);
  }
}

// The advisor panel: shows the newest analysis the server pushed (badge: "⚙ quick rules" or
// "✦ AI model") and the model's state from /healthz. The server's advisor decides when to
// advise; the "Ask" button requests one now.
import { t } from "../i18n/index.js";
import { $ } from "./dom.js";

const WAIT_MAX_MS = 25000;   // stop showing "…" if no model answer came by then

export class AdvisorPanel {
  constructor({ serverState, intents }) {
    this.server = serverState;
    this.intents = intents;
    this.current = null;
    this.modelState = null;
    $("advisor-btn").addEventListener("click", () => this.ask());
    this.pollModel();
  }

  async pollModel() {
    try {
      const r = await fetch("/healthz");
      if (r.ok) { const j = await r.json(); this.modelState = j.model && j.model.state; }
    } catch { /* offline: keep the last known state */ }
    this.renderModel();
  }

  renderModel() {
    $("advisor-model").textContent = this.modelState ? `${t("source_llm")}: ${t("model_" + this.modelState)}` : "";
  }

  setWaiting(on) {
    this.waiting = on;
    $("advisor-panel").classList.toggle("waiting", on);
    clearTimeout(this.waitTimer);
    if (on) this.waitTimer = setTimeout(() => this.setWaiting(false), WAIT_MAX_MS);
  }

  /** The player asked for advice now. */
  ask() {
    this.pollModel();
    if (!this.intents.open || this.server.isSpectator) return;
    this.intents.askAnalysis();
    if (!this.current) $("advisor-text").textContent = t("advisor_waiting");
    this.setWaiting(true);
  }

  onAnalysis(m) {
    this.current = m;
    // the model's answer replaces the quick one when (and if) it comes
    this.setWaiting(m.source !== "llm" && this.modelState === "ready");
    this.render();
  }

  render() {
    const m = this.current;
    const badge = $("advisor-source");
    if (!m) { $("advisor-text").textContent = t("advisor_idle"); badge.classList.add("hidden"); return; }
    $("advisor-text").textContent = m.text || "";
    badge.classList.remove("hidden");
    badge.dataset.source = m.source;
    badge.className = "badge src-" + (m.source === "llm" ? "llm" : "heuristic");
    badge.textContent = m.source === "llm" ? "✦ " + t("source_llm") : "⚙ " + t("source_heuristic");
  }

  onLanguage() {
    this.render();
    this.renderModel();
  }
}

// The "Orders in words" panel: the text box and example chips, and one entry per order with
// its progress (received, thinking… Ns, ✕ to cancel), the actions in words, per-action results,
// the source (rules / cache / AI model) and the message. Lists orders sent from elsewhere too.
import { t, getLang, reason } from "../i18n/index.js";
import { describeAction } from "../describe.js";
import { $, el } from "./dom.js";
import { clarifyNode } from "./plans.js";

export class OrdersPanel {
  constructor({ intents, uiState, serverState }) {
    this.intents = intents;
    this.ui = uiState;
    this.server = serverState;
    this.nextRef = 1;
    this.entries = [];               // newest last
    this.byRef = new Map();
    this.byReq = new Map();
    this.lastRefresh = 0;
    this.tabId = Math.random().toString(36).slice(2, 8);
    $("nl-form").addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
  }

  submit(textArg) {
    const input = $("nl-input");
    const text = (textArg ?? input.value).trim();
    if (!text) return;
    input.value = "";
    const ref = `nl-${this.tabId}-${this.nextRef++}`;  // unique across tabs seated as the same player
    const entry = { ref, text, t0: performance.now(), status: "sent", requestId: null, result: null };
    this.entries.push(entry);
    this.byRef.set(ref, entry);
    const ok = this.intents.orderInWords(text, getLang(), ref, this.selectedOwnUnits());
    if (!ok) { entry.status = "failed"; entry.result = { status: "failed", message: t("disconnected"), actions: [] }; }
    this.render(entry);
  }

  /** Own units selected now: what "these units" / « ces unités » / 「這些部隊」 mean. */
  selectedOwnUnits() {
    if (!this.ui || !this.server) return [];
    const me = this.server.playerId;
    return [...this.ui.selection].filter((id) => { const u = this.server.units.get(id); return u && u.owner === me; });
  }

  /** A click on a clarify option: the choice is answered like a new order, in its own entry. */
  choose(entry, clarify, i) {
    entry.chosen = i;
    const opt = (clarify.options || [])[i] || {};
    const ref = `nl-${this.tabId}-${this.nextRef++}`;
    const e = { ref, text: opt.label || String(i), t0: performance.now(), status: "sent", requestId: null, result: null };
    this.entries.push(e);
    this.byRef.set(ref, e);
    if (!this.intents.choose(clarify.id, i, ref)) { e.status = "failed"; e.result = { status: "failed", message: t("disconnected"), actions: [] }; }
    this.render(e);
  }

  onAck(m) {
    const e = (m.ref != null && this.byRef.get(m.ref)) || null;
    if (!e) return;
    e.requestId = m.request_id;
    this.byReq.set(m.request_id, e);
    if (e.status === "sent") e.status = "thinking";
    e.tAck = performance.now();
    this.render(e);
  }

  onResult(m) {
    let e = (m.request_id != null && this.byReq.get(m.request_id)) || (m.ref != null && this.byRef.get(m.ref)) || null;
    if (!e) {
      e = { ref: "ext" + m.request_id, text: m.text || t("nl_from_elsewhere"), t0: performance.now(), external: true, requestId: m.request_id };
      this.entries.push(e);
      if (m.request_id != null) this.byReq.set(m.request_id, e);
    }
    e.status = "done";
    e.result = m;
    e.tDone = performance.now();
    this.render(e);
  }

  /** A server `error` answering one of our orders in words (e.g. too many waiting). Returns true if handled. */
  onError(m) {
    const e = m.ref != null && this.byRef.get(m.ref);
    if (!e) return false;
    e.status = "failed";
    e.result = { status: "failed", message: m.error, actions: [] };
    this.render(e);
    return true;
  }

  onCancelled(m) {
    const e = this.byReq.get(m.request_id);
    if (e && m.ok && e.status !== "done") { e.status = "done"; e.result = { status: "cancelled", actions: [] }; this.render(e); }
  }

  frame(now) {
    if (now - this.lastRefresh < 100) return;
    this.lastRefresh = now;
    for (const e of this.entries) {
      if (e.status !== "thinking" && e.status !== "sent") continue;
      const s = e.node && e.node.querySelector(".nl-status");
      if (s) s.textContent = this.statusText(e, now);
    }
  }

  statusText(e, now = performance.now()) {
    const secs = ((e.tDone || now) - e.t0) / 1000;
    if (e.status === "sent") return "…";
    if (e.status === "thinking") return `${t("nl_received")} · ${t("nl_thinking", { s: secs.toFixed(1) })}`;
    if (e.status === "failed") return t("nl_failed");
    const r = e.result || {};
    const lat = r.latency_ms != null ? r.latency_ms / 1000 : secs;
    return t("nl_done", { s: lat.toFixed(1) });
  }

  render(e) {
    const log = $("nl-log");
    if (!e.node) {
      e.node = el("div", { class: "nl-entry", "data-ref": e.ref });
      log.append(e.node);
      while (log.children.length > 30) log.firstChild.remove();
    }
    const n = e.node;
    n.textContent = "";
    n.dataset.status = e.status;
    if (e.requestId) n.dataset.requestId = e.requestId;
    const r = e.result;
    const src = r && r.source;
    const head = el("div", { class: "nl-head" }, el("span", { class: "nl-text", text: "› " + e.text }),
      src ? el("span", { class: "badge src-" + src, text: (src === "llm" ? "✦ " : "") + t("nl_src_" + src) }) : null,
      el("span", { class: "nl-status", text: this.statusText(e) }));
    if (e.status === "thinking" && e.requestId) {
      const x = el("button", { class: "qcancel", type: "button", title: t("cancel"), text: "✕" });
      x.addEventListener("click", () => this.intents.cancelOrderInWords(e.requestId));
      head.append(x);
    }
    n.append(head);
    if (r) {
      const acts = r.actions || [];
      const results = Array.isArray(r.results) ? r.results : Array.isArray(r.executed) ? r.executed : null;
      const ul = el("ul", { class: "nl-actions" });
      acts.forEach((a, i) => {
        const res = results ? results[i] : null;
        let mark, cls, why = "";
        if (res && typeof res === "object") {
          cls = res.ok ? "ok" : "bad"; mark = res.ok ? t("nl_executed") : t("nl_refused");
          if (!res.ok && (res.error || res.code)) why = ": " + reason(res.error, res.code);
        } else if (r.executed === true) { cls = "ok"; mark = t("nl_executed"); }
        else if (r.executed === false) { cls = "bad"; mark = t("nl_not_executed"); }
        else { cls = "muted"; mark = ""; }
        ul.append(el("li", { class: cls }, el("span", { text: describeAction(a) }), mark ? el("span", { class: "nl-res", text: ` — ${mark}${why}` }) : null));
      });
      if (acts.length) n.append(ul);
      if (!acts.length && !r.message && !r.clarify) n.append(el("div", { class: "nl-msg", text: t("nl_no_action") }));
      if (r.message) n.append(el("div", { class: "nl-msg", text: r.message }));
      if (r.clarify && Array.isArray(r.clarify.options)) {
        const box = clarifyNode(r.clarify, (i) => this.choose(e, r.clarify, i));
        if (e.chosen != null) for (const [i, b] of [...box.querySelectorAll("button")].entries()) { b.disabled = true; if (i === e.chosen) b.classList.add("chosen"); }
        n.append(box);
      }
      if (r.plan && r.plan.id != null) n.append(el("div", { class: "nl-msg nl-plan", text: t("nl_plan_started", { n: r.plan.steps.length }) }));
      if (r.status && r.status !== "completed") n.append(el("div", { class: "nl-msg bad", text: r.status }));
    }
    log.scrollTop = log.scrollHeight;
  }

  onLanguage() {
    for (const e of this.entries) if (e.node) this.render(e);
    this.loadExamples();
  }

  async loadExamples() {
    const lang = getLang();
    const box = $("nl-chips");
    try {
      const r = await fetch(`/api/nl/examples?lang=${encodeURIComponent(lang)}`);
      if (!r.ok) return;
      const j = await r.json();
      if (lang !== getLang()) return;
      box.textContent = "";
      for (const ex of (j.examples || []).slice(0, 4)) {
        const chip = el("button", { class: "chip", type: "button", text: ex, "data-testid": "nl-chip" });
        chip.addEventListener("click", () => { $("nl-input").value = ex; $("nl-input").focus(); });
        box.append(chip);
      }
    } catch { /* examples are optional */ }
  }
}

// Plans (PROTOCOL.md "Plans"): each active plan with its steps and their state (waiting for
// "barracks", running, done, failed: why) and a cancel button; the last finished ones stay a
// while, greyed. Fed by `welcome.plans` (also after a reconnect) and `plan` messages; a step that
// starts or fails is also a line in the event feed. Also the clarify buttons of an order in words
// ("Clarification instead of a guess"): one button per option, the last one "none of these".
import { t } from "../i18n/index.js";
import { describeAction } from "../describe.js";
import { el } from "./dom.js";
import { feed } from "./notices.js";

const KEEP_FINISHED = 3;   // finished plans still shown

/** A step's or plan's state in words, from its stable `why` (English `reason` as a fallback). */
export function whyText(why, reason) {
  if (!why || !why.code) return reason || "";
  const p = { ...why };
  for (const k of ["building", "unit_type"]) if (p[k]) p[k] = t(p[k]);
  if (p.step != null) p.step = Number(p.step) + 1;
  if (why.code === "step_failed" && why.cause) return t("plan_why_step_failed", { step: p.step, why: whyText(why.cause, reason) });
  if (why.code === "refused" || why.code === "wait_order") {
    const k = "err_" + why.order;
    const tr = t(k);
    return t("plan_why_" + why.code, { why: tr !== k ? tr : (reason || why.order) });
  }
  const key = "plan_why_" + why.code;
  const s = t(key, p);
  return s === key ? (reason || why.code) : s;
}

export class PlansPanel {
  constructor({ intents, serverState }) {
    this.intents = intents;
    this.server = serverState;
    this.plans = new Map();        // id -> PLAN, in arrival order
    this.node = el("div", { id: "plans-panel", "data-testid": "plans-panel", class: "hidden" });
    const dock = document.getElementById("dock");
    if (dock) dock.insertBefore(this.node, dock.firstChild);
  }

  /** `welcome.plans`: the seat's active plans (a reconnect brings them back). */
  onWelcome(m) {
    this.plans = new Map();
    for (const p of m.plans || []) this.plans.set(p.id, p);
    this.render();
  }

  /** `{"type":"plan","plan"}`: a plan changed. */
  onPlan(m) {
    const p = m.plan;
    if (!p || p.id == null) return;
    if (this.server.playerId != null && p.player != null && p.player !== this.server.playerId) return;
    const old = this.plans.get(p.id);
    this.noteChanges(old, p);
    this.plans.delete(p.id);
    this.plans.set(p.id, p);
    const finished = [...this.plans.values()].filter((x) => x.status !== "active");
    for (const x of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.plans.delete(x.id);
    this.render();
  }

  noteChanges(old, p) {
    const label = p.text || t("plan");
    p.steps.forEach((s, i) => {
      const before = old && old.steps[i] ? old.steps[i].status : "waiting";
      if (s.status === before) return;
      if (s.status === "running" || (s.status === "done" && before === "waiting")) {
        feed(t("plan_step_started", { n: i + 1, text: label }), "info");
      } else if (s.status === "failed") {
        feed(t("plan_step_failed", { n: i + 1, text: label, why: whyText(s.why, s.reason) }), "bad");
      }
    });
    if (p.status === "done" && (!old || old.status !== "done")) feed(t("plan_done", { text: label }), "good");
  }

  render() {
    const n = this.node;
    n.textContent = "";
    const plans = [...this.plans.values()];
    n.classList.toggle("hidden", plans.length === 0);
    n.append(el("div", { class: "dock-head" }, el("span", { text: t("plans") })));
    const list = el("div", { class: "plans-list" });
    for (const p of plans.reverse()) list.append(this.planNode(p));
    n.append(list);
  }

  planNode(p) {
    const box = el("div", { class: "plan plan-" + p.status, "data-plan-id": String(p.id), "data-status": p.status });
    const head = el("div", { class: "plan-head" },
      el("span", { class: "plan-text", text: p.text || t("plan") }),
      el("span", { class: "plan-status", text: t("plan_status_" + p.status) }));
    if (p.status === "active") {
      const x = el("button", { class: "qcancel plan-cancel", type: "button", title: t("plan_cancel"), text: "✕",
        "data-testid": "plan-cancel" });
      x.addEventListener("click", () => this.intents.cancelPlan(p.id));
      head.append(x);
    }
    box.append(head);
    if (p.status === "failed" && (p.why || p.reason)) box.append(el("div", { class: "plan-why bad", text: whyText(p.why, p.reason) }));
    const ol = el("ol", { class: "plan-steps" });
    p.steps.forEach((s) => {
      const what = (s.actions || []).map(describeAction).join(" + ");
      const said = s.why && s.why.code === "cancelled";  // the status already says it
      const state = t("step_" + s.status) + ((s.why || s.reason) && !said ? ": " + whyText(s.why, s.reason) : "");
      ol.append(el("li", { class: "step step-" + s.status, "data-status": s.status },
        el("span", { class: "step-what", text: what }), el("span", { class: "step-state", text: " — " + state })));
    });
    box.append(ol);
    return box;
  }

  onLanguage() { this.render(); }
}

/** The buttons of a `clarify` question; `onChoose(i)` when one is clicked (then all are disabled). */
export function clarifyNode(clarify, onChoose) {
  const box = el("div", { class: "clarify", "data-testid": "clarify", "data-clarify-id": clarify.id || "" },
    el("div", { class: "clarify-q", text: clarify.question || "" }));
  const row = el("div", { class: "clarify-options" });
  (clarify.options || []).forEach((o, i) => {
    const b = el("button", { type: "button", class: "clarify-opt" + (o.none ? " none" : ""), text: o.label,
      "data-testid": "clarify-option", "data-option": String(i) });
    b.addEventListener("click", () => {
      for (const other of row.querySelectorAll("button")) other.disabled = true;
      b.classList.add("chosen");
      onChoose(i);
    });
    row.append(b);
  });
  box.append(row);
  return box;
}

// The sidebar's build panel: one button per buildable structure and unit type, made from the
// rules table of `welcome` (price, prerequisites, power), the superweapon button, the
// production queues with their cancel buttons.
import { t, getLang } from "../i18n/index.js";
import { drawIcon } from "../sprites.js";
import { $, el } from "./dom.js";
import { toast } from "./notices.js";

export class Sidebar {
  constructor({ serverState, uiState, intents }) {
    this.server = serverState;
    this.ui = uiState;
    this.intents = intents;
    this.buttons = {};          // type name -> {b, kind, icon, drawn}
    this.buttonsSig = "";
    this.queueSig = "";
    $("superweapon-btn").addEventListener("click", () => {
      const m = this.ui.mode;
      this.ui.setMode(m && m.kind === "superweapon" ? null : { kind: "superweapon" });
    });
  }

  /** The rules table arrived: (re)make the buttons when the types changed, set every price. */
  onWelcome() {
    const rules = this.server.rules;
    const buildings = Object.keys(rules.buildings).filter((n) => rules.buildings[n].buildable);
    const units = Object.keys(rules.units);
    const sig = buildings.join(",") + "|" + units.join(",");
    if (sig !== this.buttonsSig) {
      this.buttonsSig = sig;
      this.buttons = {};
      $("build-buildings").textContent = "";
      $("build-units").textContent = "";
      for (const n of buildings) this.makeButton("building", n, $("build-buildings"));
      for (const n of units) this.makeButton("unit", n, $("build-units"));
    }
    for (const [name, info] of Object.entries(this.buttons)) {
      const cost = String(this.entry(info.kind, name).cost);
      info.b.dataset.cost = cost;
      const c = info.b.querySelector(".bcost");
      c.dataset.cost = cost;
      c.textContent = `$${cost}`;
    }
    this.onLanguage();
  }

  makeButton(kind, name, parent) {
    const icon = el("canvas", { width: 60, height: 60, class: "icon" });
    const b = el("button", { class: "build-btn", "data-build": name, "data-kind": kind, "data-testid": `build-${name}`, type: "button" },
      icon, el("span", { class: "bname" }), el("span", { class: "bcost" }), el("span", { class: "breason" }));
    b.addEventListener("click", (e) => this.onBuildClick(kind, name, e));
    parent.append(b);
    this.buttons[name] = { b, kind, icon, drawn: null };
  }

  entry(kind, name) { return kind === "building" ? this.server.rules.buildings[name] : this.server.rules.units[name]; }

  onBuildClick(kind, name, e) {
    const st = this.buttonState(kind, name);
    if (st.disabled) { toast(st.reason, "bad"); return; }
    if (kind === "building") {
      const m = this.ui.mode;
      this.ui.setMode(m && m.kind === "place" && m.type === name ? null : { kind: "place", type: name });
    } else {
      this.intents.buildUnit(name, e.shiftKey ? 5 : 1);
    }
  }

  /** Why a button is disabled (spectator, game over, prerequisite, credits) or warns (low power). */
  buttonState(kind, name) {
    const s = this.server, p = s.player, rule = this.entry(kind, name);
    if (s.isSpectator) return { disabled: true, reason: t("reason_spectator") };
    if (s.gameOver) return { disabled: true, reason: t("reason_game_over") };
    const missing = rule.requires.filter((n) => !s.ownsBuilt(n));
    if (missing.length) return { disabled: true, reason: t("reason_prereq", { what: missing.map((m) => t(m)).join(", ") }) };
    if (!p || p.credits < rule.cost) return { disabled: true, reason: t("reason_credits") };
    if (p.power) {
      const extra = kind === "building" ? Math.max(0, -rule.power) : 0;
      if (p.power.used + extra > p.power.produced) return { disabled: false, warn: true, reason: t("reason_power") };
    }
    return { disabled: false, reason: "" };
  }

  update() {
    const s = this.server, mode = this.ui.mode;
    for (const [name, info] of Object.entries(this.buttons)) {
      const st = this.buttonState(info.kind, name);
      const b = info.b;
      b.classList.toggle("disabled", !!st.disabled);
      b.setAttribute("aria-disabled", st.disabled ? "true" : "false");
      b.classList.toggle("warn", !!st.warn);
      b.classList.toggle("active", !!(mode && mode.kind === "place" && mode.type === name));
      b.title = st.reason || t(name);
      const r = b.querySelector(".breason");
      if (r.textContent !== st.reason) r.textContent = st.reason;
      const owner = s.playerId ?? 0;
      if (info.drawn !== owner) {
        drawIcon(info.icon, info.kind, name, owner, info.kind === "building" ? s.buildingSize(name) : undefined);
        info.drawn = owner;
      }
    }
    const p = s.player;
    const sw = $("superweapon-btn");
    const charge = p && p.superweapon ? p.superweapon.charge || 0 : 0;
    const ready = !!(p && p.superweapon && (p.superweapon.ready || charge >= 1));
    sw.disabled = !(ready && !s.isSpectator && !s.gameOver);
    sw.classList.toggle("ready", ready);
    sw.classList.toggle("active", !!(mode && mode.kind === "superweapon"));
    $("sw-charge").textContent = ready ? t("superweapon_ready") : `${Math.floor(charge * 100)}%`;
    $("sw-bar").style.width = `${Math.min(100, charge * 100)}%`;
    this.updateQueues();
  }

  updateQueues() {
    const s = this.server;
    const rows = [];
    for (const b of s.buildings.values()) {
      if (b.owner !== s.playerId || !b.queue || !b.queue.length) continue;
      // group consecutive identical items
      const groups = [];
      for (const q of b.queue) {
        const last = groups[groups.length - 1];
        // HQ queue items are construction sites (WIRE: "building" = site id): cancel that site
        const target = q.building ?? b.id;
        if (last && last.item === q.item && q.building == null && last.target === target) last.count++;
        else groups.push({ item: q.item, count: 1, progress: q.progress, target });
      }
      rows.push({ b, groups });
    }
    const sig = rows.map((r) => r.b.id + ":" + r.groups.map((x) => x.item + x.count + "@" + x.target).join(",")).join("|") + getLang();
    const box = $("queues");
    if (sig !== this.queueSig) {
      this.queueSig = sig;
      box.textContent = "";
      if (!rows.length) box.append(el("div", { class: "muted", text: t("no_production") }));
      for (const r of rows) {
        const row = el("div", { class: "qrow", "data-building-id": String(r.b.id) });
        row.append(el("div", { class: "qhead", text: t(r.b.type) }));
        r.groups.forEach((gr, i) => {
          const cancel = el("button", { class: "qcancel", type: "button", title: t("cancel"), text: "✕", "data-testid": "queue-cancel" });
          cancel.addEventListener("click", () => this.intents.cancel(gr.target));
          const site = gr.target !== r.b.id;
          row.append(el("div", { class: "qitem", "data-item": gr.item },
            el("span", { class: "qname", text: site ? t(gr.item) : `${t(gr.item)} ×${gr.count}` }),
            el("span", { class: "bar" }, el("span", { class: i === 0 || site ? "qbar" : "qbar idle", "data-g": String(i) })),
            cancel));
        });
        box.append(row);
      }
    }
    // progress of the head item of each queue
    for (const r of rows) {
      r.groups.forEach((gr, i) => {
        const bar = box.querySelector(`[data-building-id="${r.b.id}"] .qbar[data-g="${i}"]`);
        if (bar && (i === 0 || gr.target !== r.b.id)) bar.style.width = `${Math.round((gr.progress || 0) * 100)}%`;
      });
    }
  }

  onLanguage() {
    this.queueSig = "";
    for (const [name, info] of Object.entries(this.buttons)) info.b.querySelector(".bname").textContent = t(name);
    this.update();
  }
}

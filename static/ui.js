// DOM panels: top bar HUD, sidebar (build buttons, queues, superweapon), event feed,
// natural-language orders, advisor, game-over overlay, room links.
import { t, setLang, getLang, reason } from "./i18n/index.js";
import { BUILDINGS, BUILDABLE, UNITS, TRAINABLE } from "./rules.js";
import { drawIcon } from "./sprites.js";
import { describeAction } from "./describe.js";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
};

export class Panels {
  constructor(game) {
    this.g = game;
    this.buttons = {};
    this.queueSig = "";
    this.lastHud = 0;
    this.gameOverShown = false;
    this.overlayDismissed = false;
    this.connState = "connecting";
    this.nl = new NLPanel(game, this);
    this.advisor = new AdvisorPanel(game, this);
    this.buildSidebar();
    this.bindTopbar();
  }

  // ---------- sidebar ----------
  buildSidebar() {
    const mk = (kind, name, parent) => {
      const icon = el("canvas", { width: 60, height: 60, class: "icon" });
      const b = el("button", { class: "build-btn", "data-build": name, "data-testid": `build-${name}`, type: "button" },
        icon, el("span", { class: "bname" }), el("span", { class: "bcost" }), el("span", { class: "breason" }));
      b.addEventListener("click", (e) => this.onBuildClick(kind, name, e));
      parent.append(b);
      this.buttons[name] = { b, kind, icon, drawn: null };
    };
    for (const n of BUILDABLE) mk("building", n, $("build-buildings"));
    for (const n of TRAINABLE) mk("unit", n, $("build-units"));
    $("sell-btn").addEventListener("click", () => {
      const id = Number($("sell-btn").dataset.building);
      if (id) this.g.command({ action: "sell", building: id });
    });
    $("superweapon-btn").addEventListener("click", () => {
      if (this.g.mode && this.g.mode.kind === "superweapon") this.setMode(null);
      else this.setMode({ kind: "superweapon" });
    });
  }

  onBuildClick(kind, name, e) {
    const g = this.g;
    const st = this.buttonState(kind, name);
    if (st.disabled) { this.toast(st.reason, "bad"); return; }
    if (kind === "building") {
      this.setMode(g.mode && g.mode.kind === "place" && g.mode.type === name ? null : { kind: "place", type: name });
    } else {
      g.command({ action: "build_unit", unit_type: name, count: e.shiftKey ? 5 : 1 });
    }
  }

  ownBuilt(type) {
    const g = this.g;
    for (const b of g.store.buildings.values()) if (b.owner === g.playerId && b.type === type && !b.stale && (b.built ?? 1) >= 1) return true;
    return false;
  }

  buttonState(kind, name) {
    const g = this.g, p = g.store.player;
    if (g.isSpectator) return { disabled: true, reason: t("reason_spectator") };
    if (g.store.gameOver) return { disabled: true, reason: t("reason_game_over") };
    const cost = kind === "building" ? BUILDINGS[name].cost : UNITS[name].cost;
    const needs = kind === "building" ? BUILDINGS[name].needs : [UNITS[name].from];
    const missing = needs.filter((n) => !this.ownBuilt(n));
    if (missing.length) return { disabled: true, reason: t("reason_prereq", { what: missing.map((m) => t(m)).join(", ") }) };
    if (!p || p.credits < cost) return { disabled: true, reason: t("reason_credits") };
    if (p.power) {
      const extra = kind === "building" ? Math.max(0, -BUILDINGS[name].power) : 0;
      if (p.power.used + extra > p.power.produced) return { disabled: false, warn: true, reason: t("reason_power") };
    }
    return { disabled: false, reason: "" };
  }

  updateSidebar() {
    const g = this.g;
    for (const [name, info] of Object.entries(this.buttons)) {
      const st = this.buttonState(info.kind, name);
      const b = info.b;
      b.classList.toggle("disabled", !!st.disabled);
      b.setAttribute("aria-disabled", st.disabled ? "true" : "false");
      b.classList.toggle("warn", !!st.warn);
      b.classList.toggle("active", !!(g.mode && g.mode.kind === "place" && g.mode.type === name));
      b.title = st.reason || t(name);
      const r = b.querySelector(".breason");
      if (r.textContent !== st.reason) r.textContent = st.reason;
      const owner = g.playerId ?? 0;
      if (info.drawn !== owner) { drawIcon(info.icon, info.kind, name, owner); info.drawn = owner; }
    }
    // superweapon
    const p = g.store.player;
    const sw = $("superweapon-btn");
    const charge = p && p.superweapon ? p.superweapon.charge || 0 : 0;
    const ready = !!(p && p.superweapon && (p.superweapon.ready || charge >= 1));
    const can = ready && !g.isSpectator && !g.store.gameOver;
    sw.disabled = !can;
    sw.classList.toggle("ready", ready);
    sw.classList.toggle("active", !!(g.mode && g.mode.kind === "superweapon"));
    $("sw-charge").textContent = ready ? t("superweapon_ready") : `${Math.floor(charge * 100)}%`;
    $("sw-bar").style.width = `${Math.min(100, charge * 100)}%`;
    this.updateQueues();
  }

  updateQueues() {
    const g = this.g;
    const rows = [];
    for (const b of g.store.buildings.values()) {
      if (b.owner !== g.playerId || !b.queue || !b.queue.length) continue;
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
          cancel.addEventListener("click", () => g.command({ action: "cancel", building: gr.target }));
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

  // ---------- HUD ----------
  updateHud() {
    const g = this.g, p = g.store.player;
    if (p) {
      $("credits").textContent = String(Math.floor(p.credits));
      const pw = p.power || { produced: 0, used: 0 };
      $("power-text").textContent = `${pw.used} / ${pw.produced}`;
      const low = pw.used > pw.produced;
      $("power-warn").classList.toggle("hidden", !low);
      $("power-box").classList.toggle("low", low);
    }
    const pb = $("players-box");
    if (g.isSpectator && g.store.players) {
      pb.classList.remove("hidden");
      const sig = JSON.stringify(g.store.players.map((q) => [q.id, Math.floor(q.credits), q.power]));
      if (pb.dataset.sig !== sig) {
        pb.dataset.sig = sig;
        pb.textContent = "";
        for (const q of g.store.players) {
          const sw = el("span", { class: "sw" });
          sw.style.background = ["#3b82f6", "#ef4444"][q.id] || "#9ca3af";
          pb.append(el("span", { class: "pchip", "data-player": String(q.id), title: t("player_n", { n: q.id }) }, sw,
            el("span", { text: `${t("player_n", { n: q.id })} · $${Math.floor(q.credits)} · ⚡${q.power ? q.power.used + "/" + q.power.produced : "?"}` })));
        }
      }
    } else pb.classList.add("hidden");
  }

  setConnection(status, info, conn) {
    this.connState = status;
    this.connInfo = info;
    this.connWaitUntil = status === "waiting" ? performance.now() + info.delay : 0;
    document.body.dataset.conn = status;
    if (status !== "open") this.setLatency(null);
    const dot = $("conn-dot");
    dot.className = "dot " + (status === "open" ? "ok" : status === "waiting" || status === "closed" ? "bad" : "mid");
    this.renderConnText();
    void conn;
  }
  renderConnText() {
    const s = this.connState;
    let txt;
    if (s === "open") txt = t("connected");
    else if (s === "waiting") txt = t("reconnecting", { s: Math.max(0, (this.connWaitUntil - performance.now()) / 1000).toFixed(1) });
    else if (s === "closed") txt = t("disconnected");
    else txt = t("connecting");
    const e = $("conn-text");
    if (e.textContent !== txt) e.textContent = txt;
    const veil = $("conn-veil");
    if (veil.textContent !== txt) veil.textContent = txt;
    $("conn").dataset.status = s;
  }
  setLatency(ms) { $("latency").textContent = ms == null ? "" : " · " + t("latency", { ms: Math.round(ms) }); }

  // ---------- feed / toast ----------
  feed(text, kind = "info") {
    const box = $("event-feed");
    const item = el("div", { class: "feed-item " + kind, text });
    box.prepend(item);
    while (box.children.length > 6) box.lastChild.remove();
    setTimeout(() => item.classList.add("fade"), 6000);
    setTimeout(() => item.remove(), 7000);
  }
  toast(text, kind = "info") {
    const e = $("toast");
    e.textContent = text;
    e.className = kind;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => e.classList.add("hidden"), 2500);
  }

  onEvent(m) {
    const g = this.g;
    const what = t(m.unit_type || m.building_type || m.kind);
    const mine = m.player === undefined || m.player === null || m.player === g.playerId || m.owner === g.playerId;
    const st = g.stats;
    if (typeof m.x === "number" && typeof m.y === "number" && ["under_attack", "building_lost", "unit_lost", "superweapon_launched"].includes(m.kind)) {
      g.renderer.addPing(m.x, m.y, m.kind === "superweapon_launched" ? "#fde047" : "#f87171");
    }
    switch (m.kind) {
      case "unit_lost": st.unitsLost++; this.feed(t("ev_unit_lost", { what }), "bad"); break;
      case "unit_ready": st.unitsBuilt++; this.feed(t("ev_unit_ready", { what }), "good"); break;
      case "building_done": st.buildingsBuilt++; this.feed(t("ev_building_done", { what }), "good"); break;
      case "building_lost": st.buildingsLost++; this.feed(t("ev_building_lost", { what }), "bad"); break;
      case "under_attack": this.feed(t("ev_under_attack"), "bad"); break;
      case "low_power": this.feed(t("ev_low_power"), "warn"); break;
      case "superweapon_ready": this.feed(t("ev_superweapon_ready"), "good"); break;
      case "superweapon_launched":
        this.feed(m.by != null && m.by !== g.playerId ? t("ev_enemy_superweapon") : t("ev_superweapon_launched"), "warn");
        break;
      case "game_over": this.feed(t("ev_game_over"), "warn"); break;
      case "player_joined":
        if (this.players && m.player != null) { const p = this.players.find((q) => q.id === m.player); if (p) p.kind = "human"; this.renderOpponent(); }
        this.feed(t("ev_player_joined"), "info");
        break;
      case "player_left": this.feed(t("ev_player_left"), "info"); break;
      default: this.feed(t("ev_generic", { what: m.kind }), "info");
    }
    void mine;
  }

  // ---------- modes / selection ----------
  setMode(mode) {
    const g = this.g;
    g.mode = mode;
    g.ghost = null;
    const hint = $("mode-hint");
    if (!mode) { hint.classList.add("hidden"); this.updateSidebar(); return; }
    hint.classList.remove("hidden");
    if (mode.kind === "place") hint.textContent = t("hint_place", { what: t(mode.type) });
    else if (mode.kind === "attack_move") hint.textContent = t("hint_attack_move");
    else if (mode.kind === "superweapon") hint.textContent = t("hint_superweapon");
    this.updateSidebar();
  }

  onSelection() {
    const g = this.g, s = g.store;
    const box = $("selection-text");
    const sell = $("sell-btn");
    const ids = [...g.selection];
    sell.classList.add("hidden");
    let txt;
    if (!ids.length) txt = t("nothing_selected");
    else if (ids.length === 1 && (s.units.get(ids[0]) || s.buildings.get(ids[0]))) {
      const e = s.units.get(ids[0]) || s.buildings.get(ids[0]);
      const who = e.owner === g.playerId ? t("you") : t("player_n", { n: e.owner });
      txt = `${t("building_info", { what: t(e.type), hp: Math.max(0, Math.round(e.hp)), max: e.max_hp })} · ${who}`;
      if (e.order && e.order !== "idle") txt += ` · ${t("ord_" + e.order)}`;
      if (s.buildings.has(e.id) && e.owner === g.playerId && e.type !== "hq" && !g.isSpectator && !s.gameOver) {
        sell.classList.remove("hidden");
        sell.dataset.building = String(e.id);
      }
    } else {
      const counts = {};
      for (const id of ids) { const u = s.units.get(id); if (u) counts[u.type] = (counts[u.type] || 0) + 1; }
      txt = `${t("selected", { n: ids.length })}: ` + Object.entries(counts).map(([k, v]) => `${v} ${t(k)}`).join(", ");
    }
    if (box.textContent !== txt) box.textContent = txt;
  }

  // ---------- lifecycle ----------
  onWelcome(m) {
    const g = this.g;
    document.body.classList.toggle("spectator", g.isSpectator);
    $("spectator-banner").classList.toggle("hidden", !g.isSpectator);
    if (m.difficulty) { $("difficulty-select").value = m.difficulty; $("overlay-difficulty").value = m.difficulty; }
    const base = `${location.origin}/?room=${encodeURIComponent(m.room)}`;
    $("invite-btn").dataset.href = `${base}&as=player`;
    $("spectate-btn").dataset.href = `${base}&as=spectator`;
    this.players = (m.players || []).map((p) => ({ ...p }));
    this.difficulty = m.difficulty || "normal";
    this.renderOpponent();
    this.gameOverShown = false;
    this.overlayDismissed = false;
    $("overlay").classList.add("hidden");
    this.updateSidebar();
    this.onSelection();
  }

  renderOpponent() {
    const g = this.g, e = $("opponent");
    if (!this.players || g.isSpectator) { e.textContent = ""; return; }
    const opp = this.players.find((p) => p.id !== g.playerId);
    if (!opp) { e.textContent = ""; return; }
    e.textContent = opp.kind === "ai" ? t("vs_ai", { level: t(this.difficulty) }) : t("vs_human", { who: t("player_n", { n: opp.id }) });
  }

  onState() {
    const now = performance.now();
    if (now - this.lastHud > 100) {
      this.lastHud = now;
      this.updateHud();
      this.updateSidebar();
      if (this.g.selection.size) this.onSelection();
    }
    const go = this.g.store.gameOver;
    if (go && !this.gameOverShown) this.showGameOver(go);
  }

  frame(now) {
    if (this.connState === "waiting") this.renderConnText();
    this.nl.tick(now);
  }

  onLanguage() {
    $("lang-select").value = getLang();
    this.queueSig = "";
    this.updateSidebar();
    this.updateHud();
    this.onSelection();
    this.renderConnText();
    this.setLatency(this.g.conn ? this.g.conn.latency : null);
    this.nl.onLanguage();
    this.advisor.onLanguage();
    this.renderOpponent();
    for (const [name, info] of Object.entries(this.buttons)) {
      info.b.querySelector(".bname").textContent = t(name);
      const cost = info.kind === "building" ? BUILDINGS[name].cost : UNITS[name].cost;
      info.b.querySelector(".bcost").textContent = `$${cost}`;
    }
    if (this.g.mode) this.setMode(this.g.mode);
    if (this.gameOverShown) this.showGameOver(this.g.store.gameOver, true);
  }

  showGameOver(go, refresh = false) {
    const g = this.g;
    this.gameOverShown = true;
    if (!refresh) this.setMode(null);
    const title = g.isSpectator ? t("winner_is", { n: go.winner }) : go.winner === g.playerId ? t("victory") : t("defeat");
    $("overlay-title").textContent = title;
    $("overlay-title").className = !g.isSpectator && go.winner === g.playerId ? "win" : "lose";
    const secs = Math.max(0, Math.floor(g.store.tick / 20));
    const p = g.store.player;
    // The server's tallies (whole game) when it sends them, else what this tab saw.
    const mine = go.stats && g.playerId != null ? go.stats[g.playerId] : null;
    const st = mine ? { unitsBuilt: mine.units_built, buildingsBuilt: mine.buildings_built,
      unitsLost: mine.units_lost, buildingsLost: mine.buildings_lost } : g.stats;
    const rows = [
      [t("stat_time"), `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`],
      [t("stat_units_built"), st.unitsBuilt], [t("stat_buildings_built"), st.buildingsBuilt],
      [t("stat_units_lost"), st.unitsLost], [t("stat_buildings_lost"), st.buildingsLost],
    ];
    if (p) rows.push([t("stat_credits"), Math.floor(p.credits)]);
    const box = $("overlay-stats");
    box.textContent = "";
    const tbl = el("table");
    for (const [k, v] of rows) tbl.append(el("tr", {}, el("td", { text: k }), el("td", { text: String(v) })));
    box.append(tbl);
    if (!this.overlayDismissed) $("overlay").classList.remove("hidden");
  }

  bindTopbar() {
    $("lang-select").addEventListener("change", (e) => setLang(e.target.value));
    $("help-btn").addEventListener("click", () => $("help-panel").classList.toggle("hidden"));
    $("help-panel").addEventListener("click", () => $("help-panel").classList.add("hidden"));
    const copy = (btn) => {
      const url = btn.dataset.href;
      if (!url) return;
      const done = () => this.toast(t("link_copied", { url }));
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, () => this.toast(url));
      else this.toast(url);
    };
    $("invite-btn").addEventListener("click", () => copy($("invite-btn")));
    $("spectate-btn").addEventListener("click", () => copy($("spectate-btn")));
    const newGame = async (difficulty) => {
      sessionStorage.removeItem("rts.room");
      sessionStorage.removeItem("rts.as");
      try {
        const r = await fetch("/api/rooms", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ difficulty }) });
        if (r.ok) {
          const j = await r.json();
          if (j.room) { location.href = `/?room=${encodeURIComponent(j.room)}`; return; }
        }
      } catch { /* fall back to a plain new page */ }
      location.href = "/";
    };
    $("new-game-btn").addEventListener("click", () => newGame($("difficulty-select").value));
    $("overlay-new-game").addEventListener("click", () => newGame($("overlay-difficulty").value));
    $("overlay-close").addEventListener("click", () => { this.overlayDismissed = true; $("overlay").classList.add("hidden"); });
  }
}

// ---------- orders in words ----------
class NLPanel {
  constructor(game, panels) {
    this.g = game;
    this.p = panels;
    this.entries = [];               // newest last
    this.byRef = new Map();
    this.byReq = new Map();
    this.lastTick = 0;
    this.tabId = Math.random().toString(36).slice(2, 8);
    $("nl-form").addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
  }

  submit(textArg) {
    const input = $("nl-input");
    const text = (textArg ?? input.value).trim();
    if (!text) return;
    input.value = "";
    const ref = `nl-${this.tabId}-${this.g.nextRef++}`;  // unique across tabs seated as the same player
    const entry = { ref, text, t0: performance.now(), status: "sent", requestId: null, result: null };
    this.entries.push(entry);
    this.byRef.set(ref, entry);
    const ok = this.g.conn.send({ type: "nl", text, lang: getLang(), ref });
    if (!ok) { entry.status = "failed"; entry.result = { status: "failed", message: t("disconnected"), actions: [] }; }
    this.render(entry);
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

  tick(now) {
    if (now - this.lastTick < 100) return;
    this.lastTick = now;
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
      x.addEventListener("click", () => this.g.conn.send({ type: "cancel_nl", request_id: e.requestId }));
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
      if (!acts.length && !r.message) n.append(el("div", { class: "nl-msg", text: t("nl_no_action") }));
      if (r.message) n.append(el("div", { class: "nl-msg", text: r.message }));
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

// ---------- advisor ----------
class AdvisorPanel {
  constructor(game, panels) {
    this.g = game;
    this.p = panels;
    this.current = null;
    $("advisor-btn").addEventListener("click", () => this.ask());
    setInterval(() => { if (!document.hidden) this.ask(true); }, 30000);
    setTimeout(() => this.ask(true), 4000);
  }
  async pollModel() {
    try {
      const r = await fetch("/healthz");
      if (r.ok) { const j = await r.json(); this.modelState = j.model && j.model.state; }
    } catch { /* offline: keep the last known state */ }
    const e = $("advisor-model");
    if (e) e.textContent = this.modelState ? `${t("source_llm")}: ${t("model_" + this.modelState)}` : "";
  }
  setWaiting(on) {
    this.waiting = on;
    $("advisor-panel").classList.toggle("waiting", on);
    clearTimeout(this.waitTimer);
    if (on) this.waitTimer = setTimeout(() => this.setWaiting(false), 25000);
  }
  ask(auto = false) {
    const g = this.g;
    this.pollModel();
    if (!g.conn.open || g.isSpectator) return;
    g.conn.send({ type: "analysis" });
    if (!auto || !this.current) {
      if (!this.current) $("advisor-text").textContent = t("advisor_waiting");
      this.setWaiting(true);
    }
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
    this.pollModel();
    if (this.current) setTimeout(() => this.ask(true), 300);  // advice again, in the new language
  }
}

// Entry point: wires the connection, state store, renderer, input and panels together.
import { GameState } from "./state.js";
import { Connection } from "./net.js";
import { Renderer } from "./render.js";
import { TILE } from "./rules.js";
import { setLang, getLang, normalizeLang, onLangChange, applyDom, t, reason } from "./i18n/index.js";
import { Input } from "./input.js";
import { Panels } from "./ui.js";

const ROOM_KEY = "rts.room";
const ROLE_KEY = "rts.as";
const LANG_KEY = "rts.lang";
const TOKEN_KEY = "rts.token.";

class Client {
  constructor() {
    this.store = new GameState();
    this.camera = { x: 0, y: 0 };
    this.selection = new Set();
    this.groups = {};
    this.mode = null;            // {kind:"place",type} | {kind:"attack_move"} | {kind:"superweapon"}
    this.ghost = null;
    this.dragBox = null;
    this.hoverId = null;
    this.renderPositions = new Map();
    this.nextRef = 1;
    this.pending = new Map();    // ref -> {action, t}
    this.room = null;
    this.playerId = null;
    this.role = "player";
    this.welcome = null;
    this.snapshotAsked = false;
    this.centeredOnce = false;
    this.lastStateAt = 0;
    this.stats = { unitsBuilt: 0, buildingsBuilt: 0, unitsLost: 0, buildingsLost: 0 };

    const params = new URLSearchParams(location.search);
    this.wantRole = params.get("as") === "spectator" ? "spectator" : "player";
    let room = params.get("room");
    if (!room) {
      // a reload of a page whose URL lost its room (should not happen: we keep it in the URL) -> sessionStorage
      const nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
      if (nav && nav.type === "reload") {
        room = sessionStorage.getItem(ROOM_KEY);
        if (sessionStorage.getItem(ROLE_KEY) === "spectator") this.wantRole = "spectator";
      }
    }
    this.wantRoom = room || null;

    const boot = window.__BOOT || {};
    const lang = normalizeLang(localStorage.getItem(LANG_KEY)) || normalizeLang(navigator.language) || normalizeLang(boot.lang) || "en";
    setLang(lang);

    this.canvas = document.getElementById("game-canvas");
    this.renderer = new Renderer(this.canvas, document.getElementById("minimap"), this);
    this.store.onTerrainChange = (idx) => this.renderer.onTerrainChange(idx);
    this.panels = new Panels(this);
    this.input = new Input(this);

    this.conn = new Connection({
      urlFn: () => this.wsUrl(),
      onMessage: (m) => this.onMessage(m),
      onStatus: (s, info) => this.panels.setConnection(s, info, this.conn),
    });

    onLangChange((l) => {
      localStorage.setItem(LANG_KEY, l);
      applyDom();
      this.panels.onLanguage();
      this.conn.send({ type: "set_language", lang: l });
    });
    applyDom();
    this.panels.onLanguage();

    const onResize = () => { this.renderer.resize(); this.clampCamera(); };
    window.addEventListener("resize", onResize);
    if (window.ResizeObserver) new ResizeObserver(onResize).observe(this.canvas.parentElement);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) { this.store.jumpToNewest(); this.renderer.resetClock(); this.renderer.effects = []; }
    });
    this.renderer.resize();
    this.conn.connect();
    this.lastFrame = performance.now();
    requestAnimationFrame((ts) => this.frame(ts));
    this.exposeDebugHook();
  }

  wsUrl() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = new URLSearchParams();
    const room = this.room || this.wantRoom;
    if (room) {
      q.set("room", room);
      const token = sessionStorage.getItem(TOKEN_KEY + room);  // seat token: back into the same side
      if (token && this.wantRole !== "spectator") q.set("token", token);
    }
    q.set("lang", getLang());
    q.set("as", this.role === "spectator" || this.wantRole === "spectator" ? "spectator" : "player");
    return `${proto}//${location.host}/ws?${q.toString()}`;
  }

  get isSpectator() { return this.role === "spectator" || (this.welcome && this.playerId === null); }
  get me() { return this.store.player; }
  get lowPower() { const p = this.store.player; return !!(p && p.power && p.power.used > p.power.produced); }

  // ---------- messages ----------
  onMessage(m) {
    const now = performance.now();
    switch (m.type) {
      case "welcome": return this.onWelcome(m);
      case "state": {
        const fx = this.store.applyFull(m, now);
        this.snapshotAsked = false;
        this.afterState(m.tick, fx, now);
        return;
      }
      case "delta": {
        const fx = this.store.applyDelta(m, now);
        if (fx === null) {
          if (!this.snapshotAsked) { this.conn.send({ type: "snapshot" }); this.snapshotAsked = true; }
          this.store.awaitingFull = true;
          return;
        }
        this.afterState(m.tick, fx, now);
        return;
      }
      case "event": return this.panels.onEvent(m);
      case "command_result": return this.onCommandResult(m);
      case "nl_ack": return this.panels.nl.onAck(m);
      case "nl_result": return this.panels.nl.onResult(m);
      case "analysis": return this.panels.advisor.onAnalysis(m);
      case "pong": return this.panels.setLatency(this.conn.latency);
      case "nl_cancelled": return this.panels.nl.onCancelled(m);
      case "error":
        if (this.panels.nl.onError(m)) return;
        if (m.code === "unknown_room") {
          // the room is gone (closed after its grace period): start a fresh game
          this.panels.feed(t("unknown_room"), "warn");
          sessionStorage.removeItem(ROOM_KEY);
          this.room = null; this.wantRoom = null;
          return;
        }
        return this.panels.feed(t("server_error", { why: m.error || "?" }), "bad");
      default: return;
    }
  }

  onWelcome(m) {
    const sameRoom = this.room === m.room && this.store.map;
    this.welcome = m;
    this.room = m.room;
    this.playerId = m.player ?? null;
    this.role = m.role || (m.player === null || m.player === undefined ? "spectator" : "player");
    sessionStorage.setItem(ROOM_KEY, m.room);
    sessionStorage.setItem(ROLE_KEY, this.role);
    if (m.token) sessionStorage.setItem(TOKEN_KEY + m.room, m.token);
    const q = new URLSearchParams(location.search);
    q.set("room", m.room);
    if (this.role === "spectator") q.set("as", "spectator"); else q.delete("as");
    history.replaceState(null, "", `${location.pathname}?${q.toString()}`);
    this.store.reset();
    if (!sameRoom) {
      this.store.setMap(m.map);
      this.renderer.buildTerrain();
      // minimap keeps the map's aspect ratio inside 256x192
      const mm = this.renderer.minimap, k = Math.min(256 / m.map.width, 192 / m.map.height);
      mm.width = Math.round(m.map.width * k); mm.height = Math.round(m.map.height * k);
      mm.style.width = mm.width + "px"; mm.style.height = mm.height + "px";
      this.centeredOnce = false;
      this.selection.clear();
      this.groups = {};
      this.stats = { unitsBuilt: 0, buildingsBuilt: 0, unitsLost: 0, buildingsLost: 0 };
    }
    this.snapshotAsked = false;
    if (m.lang && normalizeLang(m.lang) !== getLang()) this.conn.send({ type: "set_language", lang: getLang() });
    this.panels.onWelcome(m);
    this.renderer.resize();
    this.clampCamera();
  }

  afterState(tick, effects, now) {
    this.lastStateAt = now;
    this.renderer.noteTick(tick, now);
    if (!document.hidden && effects.length) this.renderer.addEffects(effects, now);
    for (const id of [...this.selection]) if (!this.store.units.has(id) && !this.store.buildings.has(id)) this.selection.delete(id);
    if (!this.centeredOnce) this.centerOnBase();
    if (tick % 100 === 0) {  // forget headings of units that are gone
      for (const id of this.renderer.headings.keys()) if (!this.store.units.has(id)) this.renderer.headings.delete(id);
    }
    this.panels.onState();
  }

  centerOnBase() {
    const s = this.store;
    let target = null;
    for (const b of s.buildings.values()) if (b.owner === this.playerId && (b.type === "hq" || !target)) target = b;
    if (!target) for (const u of s.units.values()) if (u.owner === this.playerId) { target = u; break; }
    if (!target && !this.isSpectator) return;
    const cx = target ? (target.x + (target.w || 0) / 2) : s.map.width / 2;
    const cy = target ? (target.y + (target.h || 0) / 2) : s.map.height / 2;
    this.centerCamera(cx, cy);
    this.centeredOnce = true;
  }

  // ---------- camera ----------
  centerCamera(tx, ty) {
    this.camera.x = tx * TILE - this.renderer.w / 2;
    this.camera.y = ty * TILE - this.renderer.h / 2;
    this.clampCamera();
  }
  clampCamera() {
    if (!this.store.map) return;
    const maxX = this.store.map.width * TILE - this.renderer.w, maxY = this.store.map.height * TILE - this.renderer.h;
    this.camera.x = Math.max(Math.min(0, maxX / 2), Math.min(Math.max(0, maxX), this.camera.x));
    this.camera.y = Math.max(Math.min(0, maxY / 2), Math.min(Math.max(0, maxY), this.camera.y));
    if (maxX < 0) this.camera.x = maxX / 2;
    if (maxY < 0) this.camera.y = maxY / 2;
  }
  worldToScreen(x, y) {
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + x * TILE - this.camera.x, y: r.top + y * TILE - this.camera.y };
  }
  screenToWorld(cx, cy) {
    const r = this.canvas.getBoundingClientRect();
    return { x: (cx - r.left + this.camera.x) / TILE, y: (cy - r.top + this.camera.y) / TILE };
  }

  // ---------- commands ----------
  command(action, meta = {}) {
    if (this.isSpectator) return false;
    const ref = this.nextRef++;
    this.pending.set(ref, { action, ...meta, t: performance.now() });
    if (this.pending.size > 200) this.pending.delete(this.pending.keys().next().value);
    return this.conn.send({ type: "command", action, ref });
  }

  onCommandResult(m) {
    const p = m.ref != null ? this.pending.get(m.ref) : null;
    if (m.ref != null) this.pending.delete(m.ref);
    if (m.ok) return;
    const why = reason(m.error, m.code);
    if (p && p.action.action === "cancel") this.panels.feed(t("cancel_unsupported", { why }), "bad");
    else this.panels.feed(t("cmd_refused", { why }), "bad");
  }

  ownSelectedUnits() {
    return [...this.selection].filter((id) => { const u = this.store.units.get(id); return u && u.owner === this.playerId; });
  }

  // ---------- frame ----------
  frame(ts) {
    const now = performance.now();
    const dt = Math.min(100, now - this.lastFrame);
    this.lastFrame = now;
    this.input.update(dt);
    try { this.renderer.draw(now); } catch (e) { console.warn("draw failed", e); }
    this.panels.frame(now);
    requestAnimationFrame((t2) => this.frame(t2));
  }

  exposeDebugHook() {
    const self = this;
    const hook = {
      get state() {
        const s = self.store;
        return {
          tick: s.tick, player: s.player, players: s.players, game_over: s.gameOver,
          units: [...s.units.values()].map((u) => ({ ...u })),
          buildings: [...s.buildings.values()].map((b) => ({ ...b, queue: (b.queue || []).map((q) => ({ ...q })) })),
        };
      },
      get selection() { return [...self.selection]; },
      get camera() { return { ...self.camera, w: self.renderer.w, h: self.renderer.h }; },
      get room() { return self.room; },
      get playerId() { return self.playerId; },
      get role() { return self.role; },
      get connected() { return !!self.conn.open; },
      get latency() { return self.conn.latency; },
      get lang() { return getLang(); },
      get mode() { return self.mode ? { ...self.mode } : null; },
      get map() { return self.store.map ? { width: self.store.map.width, height: self.store.map.height } : null; },
      get ghost() { return self.ghost ? { type: self.ghost.type, tx: self.ghost.tx, ty: self.ghost.ty, legal: self.ghost.legal } : null; },
      renderPosition: (id) => { const p = self.renderPositions.get(id); return p ? { x: p[0], y: p[1] } : null; },
      isExplored: (x, y) => self.store.isExplored(x, y),
      isVisible: (x, y) => self.store.isVisible(x, y),
      tileAt: (x, y) => self.store.tileAt(x, y),
      worldToScreen: (x, y) => self.worldToScreen(x, y),
      screenToWorld: (x, y) => self.screenToWorld(x, y),
      centerOn: (x, y) => self.centerCamera(x, y),
    };
    Object.defineProperty(window, "__game", { value: Object.freeze(hook), writable: false, configurable: false });
  }
}

window.addEventListener("DOMContentLoaded", () => { new Client(); });
if (document.readyState !== "loading") { /* module scripts are deferred: DOMContentLoaded still fires after */ }

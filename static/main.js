// Entry point: `GamePage` makes the parts of the page and wires them. Messages from the server go
// into the server-state store or to the panel they are for; the renderer draws the server state
// and the UI state each frame; input changes the UI state and sends intents.
import { ServerState } from "./server-state.js";
import { UiState } from "./ui-state.js";
import { Connection } from "./connection.js";
import { Intents } from "./intents.js";
import { RoomSession } from "./session.js";
import { Renderer } from "./render.js";
import { Input, centerOnBase } from "./input.js";
import { setLang, getLang, normalizeLang, onLangChange, applyDom, t, reason } from "./i18n/index.js";
import { TopBar } from "./panels/topbar.js";
import { Sidebar } from "./panels/sidebar.js";
import { SelectionInfo } from "./panels/selection-info.js";
import { OrdersPanel } from "./panels/orders.js";
import { PlansPanel } from "./panels/plans.js";
import { AdvisorPanel } from "./panels/advisor.js";
import { EventFeed } from "./panels/event-feed.js";
import { GameOverPanel } from "./panels/game-over.js";
import { feed, showModeHint } from "./panels/notices.js";
import { exposeDebugHook } from "./debug-hook.js";
import { SoundBoard, mountSoundSettings, soundEffects } from "./audio.js";
import { Guide } from "./guide.js";
import { TILE_PX } from "./sprites.js";

const LANG_KEY = "rts.lang";
const PANEL_REFRESH_MS = 100;   // HUD and sidebar follow states at most this often

class GamePage {
  constructor() {
    const boot = window.__BOOT || {};
    setLang(normalizeLang(localStorage.getItem(LANG_KEY)) || normalizeLang(navigator.language) || normalizeLang(boot.lang) || "en");

    const server = this.server = new ServerState();
    const ui = this.ui = new UiState();
    this.session = new RoomSession();
    this.snapshotAsked = false;
    this.lastPanelRefresh = 0;

    const canvas = document.getElementById("game-canvas"), minimap = document.getElementById("minimap");
    this.renderer = new Renderer(canvas, minimap, server, ui);
    server.onTerrainChange = (idx) => this.renderer.onTerrainChange(idx);
    this.connection = new Connection({
      urlFn: () => this.session.wsUrl(getLang()),
      onMessage: (m) => this.dispatch(m),
      onStatus: (status, info) => this.topBar.setConnection(status, info),
    });
    const intents = this.intents = new Intents(this.connection, server);
    const parts = { serverState: server, uiState: ui, intents, renderer: this.renderer };
    this.topBar = new TopBar(parts);
    this.sidebar = new Sidebar(parts);
    this.selectionInfo = new SelectionInfo(parts);
    this.orders = new OrdersPanel(parts);
    this.plans = new PlansPanel(parts);
    this.advisor = new AdvisorPanel(parts);
    this.eventFeed = new EventFeed(parts);
    this.gameOver = new GameOverPanel(parts);
    this.input = new Input({ ...parts, canvas, minimap });
    this.sound = new SoundBoard();
    mountSoundSettings(document.getElementById("viewport"), this.sound);
    this.guide = new Guide({
      serverState: server, parent: document.getElementById("viewport"),
      onWords: (words) => { const box = document.getElementById("nl-input"); box.value = words; box.focus(); },
    });

    ui.on("mode", () => { showModeHint(ui.mode); this.sidebar.update(); });
    ui.on("selection", () => this.selectionInfo.update());
    onLangChange((l) => {
      localStorage.setItem(LANG_KEY, l);
      applyDom();
      this.onLanguage();
      intents.setLanguage(l);
    });
    applyDom();
    this.onLanguage();

    const onResize = () => this.renderer.resize();
    window.addEventListener("resize", onResize);
    if (window.ResizeObserver) new ResizeObserver(onResize).observe(canvas.parentElement);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) { server.jumpToNewest(); this.renderer.onVisible(); }
    });
    this.renderer.resize();
    this.connection.connect();
    this.lastFrame = performance.now();
    requestAnimationFrame(() => this.frame());
    exposeDebugHook({ ...parts, connection: this.connection, input: this.input, sound: this.sound, guide: this.guide });
  }

  // ---------- messages ----------
  dispatch(m) {
    const now = performance.now();
    switch (m.type) {
      case "welcome": return this.onWelcome(m);
      case "state": {
        const fx = this.server.applyFull(m, now);
        this.snapshotAsked = false;
        return this.afterState(m.tick, fx, now);
      }
      case "delta": {
        const fx = this.server.applyDelta(m, now);
        if (fx === null) {  // not based on the tick we hold: ask a full state once, ignore deltas until then
          if (!this.snapshotAsked) this.snapshotAsked = this.intents.askSnapshot();
          this.server.awaitingFull = true;
          return;
        }
        return this.afterState(m.tick, fx, now);
      }
      case "event": return this.onEvent(m);
      case "command_result": return this.onCommandResult(m);
      case "nl_ack": return this.orders.onAck(m);
      case "nl_result": return this.orders.onResult(m);
      case "nl_cancelled": return this.orders.onCancelled(m);
      case "plan": return this.plans.onPlan(m);
      case "analysis": return this.advisor.onAnalysis(m);
      case "pong": return this.topBar.setLatency(this.connection.latency);
      case "error":
        if (this.orders.onError(m)) return;
        // closed after its grace period, or lost with the server that ran it (cluster mode):
        // the next connection starts a new game
        if (m.code === "unknown_room" || m.code === "room_lost") {
          feed(t(m.code), "warn");
          this.session.forgetRoom();
          return;
        }
        return feed(t("server_error", { why: m.error || "?" }), "bad");
      default: return;
    }
  }

  onWelcome(m) {
    const newRoom = this.server.applyWelcome(m);
    this.session.onWelcome(m, this.server.role);
    if (newRoom) {
      this.renderer.buildTerrain();
      this.ui.camera.setMap(m.map.width, m.map.height);
      this.ui.resetForRoom();
    }
    this.snapshotAsked = false;
    if (m.lang && normalizeLang(m.lang) !== getLang()) this.intents.setLanguage(getLang());
    this.topBar.onWelcome();
    if (m.restored) feed(t("game_restored"), "good");
    this.sidebar.onWelcome();
    this.plans.onWelcome(m);
    this.gameOver.onWelcome(newRoom);
    this.selectionInfo.update();
    this.renderer.resize();
  }

  afterState(tick, effects, now) {
    const s = this.server;
    this.renderer.noteTick(tick, now);
    if (!document.hidden && effects.length) {
      this.renderer.addEffects(effects, now);
      const cam = this.ui.camera;
      soundEffects(this.sound, effects, { x0: cam.x / TILE_PX, y0: cam.y / TILE_PX,
                                          x1: (cam.x + cam.w) / TILE_PX, y1: (cam.y + cam.h) / TILE_PX });
    }
    this.renderer.onState();
    this.ui.forgetGone((id) => s.units.has(id) || s.buildings.has(id));
    if (!this.ui.centeredOnce) centerOnBase(s, this.ui);
    if (now - this.lastPanelRefresh > PANEL_REFRESH_MS) {
      this.lastPanelRefresh = now;
      this.topBar.updateHud();
      this.sidebar.update();
      if (this.ui.selection.size) this.selectionInfo.update();
      this.guide.update();
    }
    this.gameOver.onState();
  }

  onEvent(m) {
    if (m.kind === "player_joined" && m.player != null) {
      this.server.noteJoined(m.player);
      this.topBar.renderOpponent();
    }
    this.gameOver.onEvent(m);
    this.eventFeed.onEvent(m);
    this.sound.event(m.kind);
  }

  onCommandResult(m) {
    const action = this.intents.settle(m.ref);
    if (m.ok) return;
    const why = reason(m.error, m.code);
    feed(action && action.action === "cancel" ? t("cancel_unsupported", { why }) : t("cmd_refused", { why }), "bad");
  }

  onLanguage() {
    this.topBar.onLanguage();
    this.sidebar.onLanguage();
    this.selectionInfo.update();
    this.orders.onLanguage();
    this.plans.onLanguage();
    this.advisor.onLanguage();
    showModeHint(this.ui.mode);
    this.gameOver.onLanguage();
    if (this.guide) this.guide.onLanguage();
  }

  // ---------- frame ----------
  frame() {
    const now = performance.now();
    const dt = Math.min(100, now - this.lastFrame);
    this.lastFrame = now;
    this.input.update(dt);
    try { this.renderer.draw(now); } catch (e) { console.warn("draw failed", e); }
    this.topBar.frame();
    this.orders.frame(now);
    requestAnimationFrame(() => this.frame());
  }
}

window.addEventListener("DOMContentLoaded", () => { new GamePage(); });

// `window.__game`: a frozen, read-only view for tests and debugging (docs/CLIENT.md "Test hook").
import { getLang } from "./i18n/index.js";

export function exposeDebugHook({ serverState: s, uiState: ui, connection, input, renderer, sound, guide }) {
  const hook = {
    get state() {
      return {
        tick: s.tick, player: s.player, players: s.players, game_over: s.gameOver,
        units: [...s.units.values()].map((u) => ({ ...u })),
        buildings: [...s.buildings.values()].map((b) => ({ ...b, queue: (b.queue || []).map((q) => ({ ...q })) })),
      };
    },
    get selection() { return [...ui.selection]; },
    get camera() { const c = ui.camera; return { x: c.x, y: c.y, w: c.w, h: c.h }; },
    get room() { return s.room; },
    get playerId() { return s.playerId; },
    get role() { return s.role; },
    get connected() { return !!connection.open; },
    get latency() { return connection.latency; },
    get lang() { return getLang(); },
    get mode() { return ui.mode ? { ...ui.mode } : null; },
    get map() { return s.map ? { width: s.map.width, height: s.map.height } : null; },
    get ghost() { const g = ui.ghost; return g ? { type: g.type, tx: g.tx, ty: g.ty, legal: g.legal } : null; },
    get tickRate() { return s.tickRate; },
    get sound() { return sound ? sound.stats() : null; },
    get effects() { return renderer.fx.counts(performance.now()); },
    get guide() { return guide ? { step: guide.step, closed: guide.closed } : null; },
    renderPosition: (id) => { const p = renderer.positionOf(id); return p ? { x: p[0], y: p[1] } : null; },
    isExplored: (x, y) => s.isExplored(x, y),
    isVisible: (x, y) => s.isVisible(x, y),
    tileAt: (x, y) => s.tileAt(x, y),
    worldToScreen: (x, y) => input.worldToScreen(x, y),
    screenToWorld: (x, y) => input.screenToWorld(x, y),
    centerOn: (x, y) => ui.camera.centerOn(x, y),
  };
  Object.defineProperty(window, "__game", { value: Object.freeze(hook), writable: false, configurable: false });
}

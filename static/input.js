// Mouse and keyboard: camera scrolling, selection, orders, placement, control groups, minimap.
import { TILE, BUILDINGS, PLACE_RADIUS } from "./rules.js";
import { unitRadius } from "./sprites.js";
import { t } from "./i18n/index.js";

const EDGE = 14;          // px from the canvas edge that scrolls
const SCROLL = 720;       // px per second
const r2 = (v) => Math.round(v * 100) / 100;

export class Input {
  constructor(game) {
    this.g = game;
    this.keys = new Set();
    this.mouse = null;      // {x, y} client coords while over the canvas
    this.down = null;       // left button press {x, y}
    this.lastGroupKey = { n: null, t: 0 };
    const c = game.canvas;
    c.addEventListener("mousedown", (e) => this.onDown(e));
    window.addEventListener("mousemove", (e) => this.onMove(e));
    window.addEventListener("mouseup", (e) => this.onUp(e));
    c.addEventListener("mouseleave", () => { this.mouse = null; this.g.hoverId = null; });
    c.addEventListener("dblclick", (e) => this.onDouble(e));
    c.addEventListener("contextmenu", (e) => { e.preventDefault(); this.onRight(e); });
    window.addEventListener("keydown", (e) => this.onKey(e, true));
    window.addEventListener("keyup", (e) => this.onKey(e, false));
    window.addEventListener("blur", () => { this.keys.clear(); this.mouse = null; });
    const mm = game.renderer.minimap;
    let mmDrag = false;
    const mmMove = (e) => {
      const r = mm.getBoundingClientRect();
      const s = game.store;
      if (!s.map) return;
      game.centerCamera((e.clientX - r.left) / r.width * s.map.width, (e.clientY - r.top) / r.height * s.map.height);
    };
    mm.addEventListener("mousedown", (e) => { if (e.button === 0) { mmDrag = true; mmMove(e); } });
    window.addEventListener("mousemove", (e) => { if (mmDrag) mmMove(e); });
    window.addEventListener("mouseup", () => { mmDrag = false; });
    mm.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      const r = mm.getBoundingClientRect(), s = game.store;
      if (!s.map) return;
      this.orderAt((e.clientX - r.left) / r.width * s.map.width, (e.clientY - r.top) / r.height * s.map.height, null);
    });
  }

  // ---------- continuous ----------
  update(dt) {
    const g = this.g;
    let dx = 0, dy = 0;
    const k = this.keys;
    const typing = isTyping();
    if (!typing) {
      const selOwn = g.ownSelectedUnits().length > 0;
      if (k.has("ArrowLeft") || (k.has("a") && !selOwn)) dx -= 1;
      if (k.has("ArrowRight") || k.has("d")) dx += 1;
      if (k.has("ArrowUp") || k.has("w")) dy -= 1;
      if (k.has("ArrowDown") || (k.has("s") && !selOwn)) dy += 1;
    }
    if (this.mouse && !this.down && document.hasFocus()) {
      const r = g.canvas.getBoundingClientRect();
      const mx = this.mouse.x - r.left, my = this.mouse.y - r.top;
      if (mx >= 0 && my >= 0 && mx <= r.width && my <= r.height) {
        if (mx < EDGE) dx -= 1; else if (mx > r.width - EDGE) dx += 1;
        if (my < EDGE) dy -= 1; else if (my > r.height - EDGE) dy += 1;
      }
    }
    if (dx || dy) {
      g.camera.x += dx * SCROLL * dt / 1000;
      g.camera.y += dy * SCROLL * dt / 1000;
      g.clampCamera();
    }
    if (this.mouse) this.updateHover();
  }

  updateHover() {
    const g = this.g;
    const w = g.screenToWorld(this.mouse.x, this.mouse.y);
    const e = this.pick(w.x, w.y);
    g.hoverId = e ? e.id : null;
    if (g.mode && g.mode.kind === "place") {
      const def = BUILDINGS[g.mode.type];
      const tx = Math.floor(w.x - def.size[0] / 2 + 0.5), ty = Math.floor(w.y - def.size[1] / 2 + 0.5);
      g.ghost = { type: g.mode.type, tx, ty, ...this.placement(g.mode.type, tx, ty) };
    }
    let cursor = "default";
    if (g.mode) cursor = "crosshair";
    else if (e && e.owner !== g.playerId && !g.isSpectator && g.ownSelectedUnits().length) cursor = "crosshair";
    else if (e) cursor = "pointer";
    g.canvas.style.cursor = cursor;
  }

  // ---------- picking ----------
  pick(wx, wy) {
    const g = this.g, s = g.store;
    let best = null, bd = Infinity;
    for (const u of s.units.values()) {
      const p = g.renderPositions.get(u.id) || [u.x, u.y];
      const d = Math.hypot(p[0] - wx, p[1] - wy) * TILE;
      const r = unitRadius(u.type) + 3;
      if (d < r && d < bd) { bd = d; best = u; }
    }
    if (best) return best;
    for (const b of s.buildings.values()) {
      if (wx >= b.x && wy >= b.y && wx < b.x + (b.w || 1) && wy < b.y + (b.h || 1)) return b;
    }
    return null;
  }

  unitsInScreenRect(x0, y0, x1, y1) {
    const g = this.g, out = [];
    const lx = Math.min(x0, x1), hx = Math.max(x0, x1), ly = Math.min(y0, y1), hy = Math.max(y0, y1);
    for (const u of g.store.units.values()) {
      if (u.owner !== g.playerId && !g.isSpectator) continue;
      const p = g.renderPositions.get(u.id) || [u.x, u.y];
      const sp = g.worldToScreen(p[0], p[1]);
      if (sp.x >= lx && sp.x <= hx && sp.y >= ly && sp.y <= hy) out.push(u.id);
    }
    return out;
  }

  // ---------- placement check (client side; the server decides) ----------
  placement(type, tx, ty) {
    // mirrors the server's rule: inside the map, no water/ore, explored, no building, no ground
    // unit standing there, within PLACE_RADIUS tiles (gap) of an own building
    const g = this.g, s = g.store;
    const [w, h] = BUILDINGS[type].size;
    const W = s.map.width;
    const occupied = new Set();
    for (const b of s.buildings.values()) for (let y = b.y; y < b.y + (b.h || 1); y++) for (let x = b.x; x < b.x + (b.w || 1); x++) occupied.add(y * W + x);
    const cells = [];
    let legal = true;
    for (let y = ty; y < ty + h; y++) for (let x = tx; x < tx + w; x++) {
      const tile = s.tileAt(x, y);
      const ok = tile !== null && tile === "." && s.isExplored(x, y) && !occupied.has(y * W + x);
      cells.push(ok);
      if (!ok) legal = false;
    }
    for (const u of s.units.values()) {
      if (u.type === "helicopter") continue;
      if (tx - 0.3 <= u.x && u.x < tx + w + 0.3 && ty - 0.3 <= u.y && u.y < ty + h + 0.3) {
        legal = false;
        const cx = Math.min(w - 1, Math.max(0, Math.floor(u.x) - tx)), cy = Math.min(h - 1, Math.max(0, Math.floor(u.y) - ty));
        cells[cy * w + cx] = false;
      }
    }
    let near = false;
    for (const b of s.buildings.values()) {
      if (b.owner !== g.playerId || b.stale) continue;
      const gx = Math.max(b.x - (tx + w), tx - (b.x + (b.w || 1)), 0);
      const gy = Math.max(b.y - (ty + h), ty - (b.y + (b.h || 1)), 0);
      if (Math.max(gx, gy) <= PLACE_RADIUS) { near = true; break; }
    }
    return { legal: legal && near, cells: near ? cells : cells.map(() => false) };
  }

  // ---------- mouse ----------
  onDown(e) {
    const g = this.g;
    if (e.button !== 0) return;
    e.preventDefault();
    g.canvas.focus?.();
    if (document.activeElement && document.activeElement !== document.body && isTyping()) document.activeElement.blur();
    const w = g.screenToWorld(e.clientX, e.clientY);
    if (g.mode) {
      const m = g.mode;
      if (m.kind === "place") {
        const def = BUILDINGS[m.type];
        const tx = Math.floor(w.x - def.size[0] / 2 + 0.5), ty = Math.floor(w.y - def.size[1] / 2 + 0.5);
        const chk = this.placement(m.type, tx, ty);
        if (!chk.legal) { g.panels.toast(t("illegal_spot"), "bad"); return; }
        g.command({ action: "build_building", building_type: m.type, position: { x: tx, y: ty } });
        if (!e.shiftKey) g.panels.setMode(null);
        return;
      }
      if (m.kind === "attack_move") {
        const ids = g.ownSelectedUnits();
        if (ids.length) {
          g.command({ action: "attack", units: { ids }, target: { x: r2(w.x), y: r2(w.y) } });
          g.renderer.addMarker(w.x, w.y, "attack", performance.now());
        }
        g.panels.setMode(null);
        return;
      }
      if (m.kind === "superweapon") {
        if (!g.store.isExplored(Math.floor(w.x), Math.floor(w.y))) { g.panels.toast(t("sw_unexplored"), "bad"); return; }
        g.command({ action: "launch_superweapon", target: { x: Math.floor(w.x), y: Math.floor(w.y) } });
        g.panels.setMode(null);
        return;
      }
    }
    this.down = { x: e.clientX, y: e.clientY, shift: e.shiftKey };
    g.dragBox = null;
  }

  onMove(e) {
    const g = this.g;
    const r = g.canvas.getBoundingClientRect();
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    const overCanvas = inside && (e.target === g.canvas);
    this.mouse = overCanvas || this.down ? { x: e.clientX, y: e.clientY } : null;
    if (this.down) {
      const dx = e.clientX - this.down.x, dy = e.clientY - this.down.y;
      if (g.dragBox || dx * dx + dy * dy > 36) {
        const cx = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
        g.dragBox = { x0: this.down.x - r.left, y0: this.down.y - r.top, x1: cx(e.clientX, r.left, r.right) - r.left, y1: cx(e.clientY, r.top, r.bottom) - r.top };
      }
    }
  }

  onUp(e) {
    const g = this.g;
    if (e.button !== 0 || !this.down) return;
    const d = this.down;
    this.down = null;
    if (g.dragBox) {
      const r = g.canvas.getBoundingClientRect();
      const b = g.dragBox;
      g.dragBox = null;
      let ids = this.unitsInScreenRect(b.x0 + r.left, b.y0 + r.top, b.x1 + r.left, b.y1 + r.top);
      // like Red Alert: a box over an army leaves the harvesters alone
      const combat = ids.filter((id) => g.store.units.get(id).type !== "harvester");
      if (combat.length) ids = combat;
      if (!d.shift) g.selection.clear();
      for (const id of ids) g.selection.add(id);
      g.panels.onSelection();
      return;
    }
    const w = g.screenToWorld(e.clientX, e.clientY);
    const ent = this.pick(w.x, w.y);
    if (d.shift && ent && ent.owner === g.playerId && g.store.units.has(ent.id)) {
      if (g.selection.has(ent.id)) g.selection.delete(ent.id); else g.selection.add(ent.id);
    } else {
      g.selection.clear();
      if (ent && !ent.stale) g.selection.add(ent.id);
    }
    g.panels.onSelection();
  }

  onDouble(e) {
    const g = this.g;
    const w = g.screenToWorld(e.clientX, e.clientY);
    const ent = this.pick(w.x, w.y);
    if (!ent || !g.store.units.has(ent.id)) return;
    const r = g.canvas.getBoundingClientRect();
    const ids = this.unitsInScreenRect(r.left, r.top, r.right, r.bottom)
      .filter((id) => { const u = g.store.units.get(id); return u.type === ent.type && u.owner === ent.owner; });
    if (!e.shiftKey) g.selection.clear();
    for (const id of ids) g.selection.add(id);
    g.panels.onSelection();
  }

  onRight(e) {
    const g = this.g;
    if (g.mode) { g.panels.setMode(null); return; }
    const w = g.screenToWorld(e.clientX, e.clientY);
    this.orderAt(w.x, w.y, this.pick(w.x, w.y));
  }

  orderAt(wx, wy, ent) {
    const g = this.g;
    const ids = g.ownSelectedUnits();
    if (!ids.length || g.isSpectator) return;
    const now = performance.now();
    if (ent && ent.owner !== g.playerId) {
      if (ent.stale) g.command({ action: "attack", units: { ids }, target: { x: r2(ent.x + (ent.w || 1) / 2), y: r2(ent.y + (ent.h || 1) / 2) } });
      else g.command({ action: "attack", units: { ids }, target: { entity: ent.id } });
      g.renderer.addMarker(wx, wy, "attack", now);
      return;
    }
    const tile = g.store.tileAt(Math.floor(wx), Math.floor(wy));
    const allHarv = ids.every((id) => g.store.units.get(id).type === "harvester");
    if (allHarv && (tile === "o" || tile === "*")) {
      g.command({ action: "harvest", units: { ids } });
    } else {
      g.command({ action: "move", units: { ids }, target: { x: r2(wx), y: r2(wy) } });
    }
    g.renderer.addMarker(wx, wy, "move", now);
  }

  // ---------- keyboard ----------
  onKey(e, down) {
    const g = this.g;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (!down) { this.keys.delete(key); return; }
    if (isTyping()) {
      if (e.key === "Escape") document.activeElement.blur();
      return;
    }
    if (e.key === "Escape") {
      if (g.mode) g.panels.setMode(null);
      else { g.selection.clear(); g.panels.onSelection(); }
      return;
    }
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (digit) {
      const n = digit[1];
      if (e.ctrlKey || e.metaKey || e.altKey) {
        e.preventDefault();
        g.groups[n] = g.ownSelectedUnits();
        g.panels.toast(t("group_set", { n, count: g.groups[n].length }));
      } else if (g.groups[n]) {
        const ids = g.groups[n].filter((id) => g.store.units.has(id));
        g.selection = new Set(ids);
        const now = performance.now();
        if (this.lastGroupKey.n === n && now - this.lastGroupKey.t < 400 && ids.length) {
          const u = g.store.units.get(ids[0]);
          g.centerCamera(u.x, u.y);
        }
        this.lastGroupKey = { n, t: now };
        g.panels.onSelection();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const own = g.ownSelectedUnits();
    if (key === "a" && own.length && !g.isSpectator) { g.panels.setMode({ kind: "attack_move" }); return; }
    if (key === "s" && own.length && !g.isSpectator) { g.command({ action: "stop", units: { ids: own } }); return; }
    if (key === "h" && !e.repeat) { g.centerOnBase(); return; }
    if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(key)) e.preventDefault();
    this.keys.add(key);
  }
}

function isTyping() {
  const a = document.activeElement;
  return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT" || a.isContentEditable);
}

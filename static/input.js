// Mouse and keyboard: camera scrolling, selection, control groups, placement check, minimap.
// Choices go into the UI state; orders go out as intents (intents.js), never as raw messages.
import { unitRadius, TILE_PX as TILE } from "./sprites.js";
import { t } from "./i18n/index.js";
import { toast } from "./panels/notices.js";

const EDGE = 14;          // px from the canvas edge that scrolls
const SCROLL = 720;       // px per second
const r2 = (v) => Math.round(v * 100) / 100;

/** Centre the camera on the own HQ (else any own building or unit; spectators: the map's middle). */
export function centerOnBase(server, ui) {
  let target = null;
  for (const b of server.buildings.values()) if (b.owner === server.playerId && (b.type === "hq" || !target)) target = b;
  if (!target) for (const u of server.units.values()) if (u.owner === server.playerId) { target = u; break; }
  if (!target && !server.isSpectator) return;
  const cx = target ? (target.x + (target.w || 0) / 2) : server.map.width / 2;
  const cy = target ? (target.y + (target.h || 0) / 2) : server.map.height / 2;
  ui.camera.centerOn(cx, cy);
  ui.centeredOnce = true;
}

export class Input {
  constructor({ canvas, minimap, serverState, uiState, intents, renderer }) {
    this.canvas = canvas;
    this.server = serverState;
    this.ui = uiState;
    this.intents = intents;
    this.renderer = renderer;
    this.keys = new Set();
    this.mouse = null;      // {x, y} client coords while over the canvas
    this.down = null;       // left button press {x, y}
    this.lastGroupKey = { n: null, t: 0 };
    const c = canvas;
    c.addEventListener("mousedown", (e) => this.onDown(e));
    window.addEventListener("mousemove", (e) => this.onMove(e));
    window.addEventListener("mouseup", (e) => this.onUp(e));
    c.addEventListener("mouseleave", () => { this.mouse = null; this.ui.hoverId = null; });
    c.addEventListener("dblclick", (e) => this.onDouble(e));
    c.addEventListener("contextmenu", (e) => { e.preventDefault(); this.onRight(e); });
    window.addEventListener("keydown", (e) => this.onKey(e, true));
    window.addEventListener("keyup", (e) => this.onKey(e, false));
    window.addEventListener("blur", () => { this.keys.clear(); this.mouse = null; });
    const mm = minimap;
    let mmDrag = false;
    const mmMove = (e) => {
      const r = mm.getBoundingClientRect();
      const s = this.server;
      if (!s.map) return;
      this.ui.camera.centerOn((e.clientX - r.left) / r.width * s.map.width, (e.clientY - r.top) / r.height * s.map.height);
    };
    mm.addEventListener("mousedown", (e) => { if (e.button === 0) { mmDrag = true; mmMove(e); } });
    window.addEventListener("mousemove", (e) => { if (mmDrag) mmMove(e); });
    window.addEventListener("mouseup", () => { mmDrag = false; });
    mm.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      const r = mm.getBoundingClientRect(), s = this.server;
      if (!s.map) return;
      this.orderAt((e.clientX - r.left) / r.width * s.map.width, (e.clientY - r.top) / r.height * s.map.height, null);
    });
  }

  ownSelected() { return this.server.ownUnitIds([...this.ui.selection]); }
  worldToScreen(x, y) { return this.ui.camera.toScreen(x, y, this.canvas.getBoundingClientRect()); }
  screenToWorld(cx, cy) { return this.ui.camera.toWorld(cx, cy, this.canvas.getBoundingClientRect()); }

  // ---------- continuous ----------
  update(dt) {
    let dx = 0, dy = 0;
    const k = this.keys;
    const typing = isTyping();
    if (!typing) {
      const selOwn = this.ownSelected().length > 0;
      if (k.has("ArrowLeft") || (k.has("a") && !selOwn)) dx -= 1;
      if (k.has("ArrowRight") || k.has("d")) dx += 1;
      if (k.has("ArrowUp") || k.has("w")) dy -= 1;
      if (k.has("ArrowDown") || (k.has("s") && !selOwn)) dy += 1;
    }
    if (this.mouse && !this.down && document.hasFocus()) {
      const r = this.canvas.getBoundingClientRect();
      const mx = this.mouse.x - r.left, my = this.mouse.y - r.top;
      if (mx >= 0 && my >= 0 && mx <= r.width && my <= r.height) {
        if (mx < EDGE) dx -= 1; else if (mx > r.width - EDGE) dx += 1;
        if (my < EDGE) dy -= 1; else if (my > r.height - EDGE) dy += 1;
      }
    }
    if (dx || dy) this.ui.camera.scroll(dx * SCROLL * dt / 1000, dy * SCROLL * dt / 1000);
    if (this.mouse) this.updateHover();
  }

  updateHover() {
    const ui = this.ui, s = this.server;
    const w = this.screenToWorld(this.mouse.x, this.mouse.y);
    const e = this.pick(w.x, w.y);
    ui.hoverId = e ? e.id : null;
    if (ui.mode && ui.mode.kind === "place") {
      const { tx, ty } = this.placeCorner(ui.mode.type, w);
      ui.ghost = { type: ui.mode.type, tx, ty, ...this.placement(ui.mode.type, tx, ty) };
    }
    let cursor = "default";
    if (ui.mode) cursor = "crosshair";
    else if (e && e.owner !== s.playerId && !s.isSpectator && this.ownSelected().length) cursor = "crosshair";
    else if (e) cursor = "pointer";
    this.canvas.style.cursor = cursor;
  }

  /** Top-left tile of a building of this type centred under the world point `w`. */
  placeCorner(type, w) {
    const [bw, bh] = this.server.buildingSize(type);
    return { tx: Math.floor(w.x - bw / 2 + 0.5), ty: Math.floor(w.y - bh / 2 + 0.5) };
  }

  // ---------- picking ----------
  pick(wx, wy) {
    const s = this.server;
    let best = null, bd = Infinity;
    for (const u of s.units.values()) {
      const p = this.renderer.positionOf(u.id) || [u.x, u.y];
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
    const s = this.server, out = [];
    const lx = Math.min(x0, x1), hx = Math.max(x0, x1), ly = Math.min(y0, y1), hy = Math.max(y0, y1);
    for (const u of s.units.values()) {
      if (u.owner !== s.playerId && !s.isSpectator) continue;
      const p = this.renderer.positionOf(u.id) || [u.x, u.y];
      const sp = this.worldToScreen(p[0], p[1]);
      if (sp.x >= lx && sp.x <= hx && sp.y >= ly && sp.y <= hy) out.push(u.id);
    }
    return out;
  }

  // ---------- placement check (client side; the server decides) ----------
  placement(type, tx, ty) {
    // mirrors the server's rule: inside the map, no water/ore, explored, no building, no ground
    // unit standing there, within the rules' build_radius tiles (gap) of an own building
    const s = this.server;
    const [w, h] = s.buildingSize(type);
    const radius = s.rules.construction.build_radius;
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
      if (b.owner !== s.playerId || b.stale) continue;
      const gx = Math.max(b.x - (tx + w), tx - (b.x + (b.w || 1)), 0);
      const gy = Math.max(b.y - (ty + h), ty - (b.y + (b.h || 1)), 0);
      if (Math.max(gx, gy) <= radius) { near = true; break; }
    }
    return { legal: legal && near, cells: near ? cells : cells.map(() => false) };
  }

  // ---------- mouse ----------
  onDown(e) {
    const ui = this.ui, s = this.server;
    if (e.button !== 0) return;
    e.preventDefault();
    this.canvas.focus?.();
    if (document.activeElement && document.activeElement !== document.body && isTyping()) document.activeElement.blur();
    const w = this.screenToWorld(e.clientX, e.clientY);
    if (ui.mode) {
      const m = ui.mode;
      if (m.kind === "place") {
        const { tx, ty } = this.placeCorner(m.type, w);
        const chk = this.placement(m.type, tx, ty);
        if (!chk.legal) { toast(t("illegal_spot"), "bad"); return; }
        this.intents.buildBuilding(m.type, tx, ty);
        if (!e.shiftKey) ui.setMode(null);
        return;
      }
      if (m.kind === "attack_move") {
        const ids = this.ownSelected();
        if (ids.length) {
          this.intents.attackPosition(ids, r2(w.x), r2(w.y));
          this.renderer.addMarker(w.x, w.y, "attack", performance.now());
        }
        ui.setMode(null);
        return;
      }
      if (m.kind === "superweapon") {
        if (!s.isExplored(Math.floor(w.x), Math.floor(w.y))) { toast(t("sw_unexplored"), "bad"); return; }
        this.intents.launchSuperweapon(Math.floor(w.x), Math.floor(w.y));
        ui.setMode(null);
        return;
      }
    }
    this.down = { x: e.clientX, y: e.clientY, shift: e.shiftKey };
    ui.dragBox = null;
  }

  onMove(e) {
    const ui = this.ui;
    const r = this.canvas.getBoundingClientRect();
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    const overCanvas = inside && (e.target === this.canvas);
    this.mouse = overCanvas || this.down ? { x: e.clientX, y: e.clientY } : null;
    if (this.down) {
      const dx = e.clientX - this.down.x, dy = e.clientY - this.down.y;
      if (ui.dragBox || dx * dx + dy * dy > 36) {
        const cx = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
        ui.dragBox = { x0: this.down.x - r.left, y0: this.down.y - r.top, x1: cx(e.clientX, r.left, r.right) - r.left, y1: cx(e.clientY, r.top, r.bottom) - r.top };
      }
    }
  }

  onUp(e) {
    const ui = this.ui, s = this.server;
    if (e.button !== 0 || !this.down) return;
    const d = this.down;
    this.down = null;
    if (ui.dragBox) {
      const r = this.canvas.getBoundingClientRect();
      const b = ui.dragBox;
      ui.dragBox = null;
      let ids = this.unitsInScreenRect(b.x0 + r.left, b.y0 + r.top, b.x1 + r.left, b.y1 + r.top);
      // like Red Alert: a box over an army leaves the harvesters alone
      const combat = ids.filter((id) => s.units.get(id).type !== "harvester");
      if (combat.length) ids = combat;
      ui.select(ids, { add: d.shift });
      return;
    }
    const w = this.screenToWorld(e.clientX, e.clientY);
    const ent = this.pick(w.x, w.y);
    if (d.shift && ent && ent.owner === s.playerId && s.units.has(ent.id)) ui.toggle(ent.id);
    else ui.select(ent && !ent.stale ? [ent.id] : []);
  }

  onDouble(e) {
    const s = this.server;
    const w = this.screenToWorld(e.clientX, e.clientY);
    const ent = this.pick(w.x, w.y);
    if (!ent || !s.units.has(ent.id)) return;
    const r = this.canvas.getBoundingClientRect();
    const ids = this.unitsInScreenRect(r.left, r.top, r.right, r.bottom)
      .filter((id) => { const u = s.units.get(id); return u.type === ent.type && u.owner === ent.owner; });
    this.ui.select(ids, { add: e.shiftKey });
  }

  onRight(e) {
    if (this.ui.mode) { this.ui.setMode(null); return; }
    const w = this.screenToWorld(e.clientX, e.clientY);
    this.orderAt(w.x, w.y, this.pick(w.x, w.y));
  }

  /** The right-click order at a world point: attack what is there, harvest ore, else move. */
  orderAt(wx, wy, ent) {
    const s = this.server;
    const ids = this.ownSelected();
    if (!ids.length || s.isSpectator) return;
    const now = performance.now();
    if (ent && ent.owner !== s.playerId) {
      if (ent.stale) this.intents.attackPosition(ids, r2(ent.x + (ent.w || 1) / 2), r2(ent.y + (ent.h || 1) / 2));
      else this.intents.attackEntity(ids, ent.id);
      this.renderer.addMarker(wx, wy, "attack", now);
      return;
    }
    const tile = s.tileAt(Math.floor(wx), Math.floor(wy));
    const allHarv = ids.every((id) => s.units.get(id).type === "harvester");
    if (allHarv && (tile === "o" || tile === "*")) this.intents.harvest(ids);
    else this.intents.move(ids, r2(wx), r2(wy));
    this.renderer.addMarker(wx, wy, "move", now);
  }

  // ---------- keyboard ----------
  onKey(e, down) {
    const ui = this.ui, s = this.server;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (!down) { this.keys.delete(key); return; }
    if (isTyping()) {
      if (e.key === "Escape") document.activeElement.blur();
      return;
    }
    if (e.key === "Escape") {
      if (ui.mode) ui.setMode(null);
      else ui.clearSelection();
      return;
    }
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (digit) {
      const n = digit[1];
      if (e.ctrlKey || e.metaKey || e.altKey) {
        e.preventDefault();
        ui.groups[n] = this.ownSelected();
        toast(t("group_set", { n, count: ui.groups[n].length }));
      } else if (ui.groups[n]) {
        const ids = ui.groups[n].filter((id) => s.units.has(id));
        const now = performance.now();
        if (this.lastGroupKey.n === n && now - this.lastGroupKey.t < 400 && ids.length) {
          const u = s.units.get(ids[0]);
          ui.camera.centerOn(u.x, u.y);
        }
        this.lastGroupKey = { n, t: now };
        ui.select(ids);
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const own = this.ownSelected();
    if (key === "a" && own.length && !s.isSpectator) { ui.setMode({ kind: "attack_move" }); return; }
    if (key === "s" && own.length && !s.isSpectator) { this.intents.stop(own); return; }
    if (key === "h" && !e.repeat) { centerOnBase(s, ui); return; }
    if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(key)) e.preventDefault();
    this.keys.add(key);
  }
}

function isTyping() {
  const a = document.activeElement;
  return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT" || a.isContentEditable);
}

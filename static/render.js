// Canvas renderer: terrain (pre-rendered), buildings, interpolated units, effects, fog, overlays,
// minimap. It reads the server state and the UI state and writes neither; what it keeps is its
// own: canvases, effects and markers in flight, unit headings, the tick clock, drawn positions.
import { drawUnit, drawBuilding, ownerColor, unitRadius, TILE_PX as TILE } from "./sprites.js";
import { BattleEffects, drawDamage } from "./render-effects.js";

const INTERP_DELAY_MS = 100;
const ORE_DRAWN_FULL = 300;   // ore drawn with all its crystals when the rules table is missing (a look, not a rule)

function hash(x, y, s = 0) {
  let h = (x * 374761393 + y * 668265263 + s * 1442695041) | 0;
  h = (h ^ (h >>> 13)) * 1274126177;
  h = h ^ (h >>> 16);
  return ((h >>> 0) % 10000) / 10000;
}

export class Renderer {
  constructor(canvas, minimap, serverState, uiState) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.minimap = minimap;
    this.mctx = minimap.getContext("2d");
    this.server = serverState;
    this.ui = uiState;
    this.positions = new Map();     // unit id -> [x, y] as last drawn (interpolated)
    this.terrain = null;            // world-size canvas
    this.terrainSmall = null;       // 1 px per tile
    this.fog = null;                // 1 px per tile
    this.fogKey = null;
    this.effects = [];              // superweapon strikes (shots and explosions: this.fx)
    this.fx = new BattleEffects();
    this.markers = [];              // move/attack order markers
    this.pings = [];                // minimap alerts
    this.headings = new Map();      // unit id -> [angle, lastX, lastY]
    this.clockOffset = null;        // local ms - tick * ms per tick
    this.lastMinimap = 0;
    this.shake = 0;
    this.flash = 0;
    this.dpr = 1;
    this.w = 0; this.h = 0;
  }

  resize() {
    const r = this.canvas.parentElement.getBoundingClientRect();
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    this.w = Math.max(1, Math.floor(r.width));
    this.h = Math.max(1, Math.floor(r.height));
    this.canvas.width = Math.floor(this.w * this.dpr);
    this.canvas.height = Math.floor(this.h * this.dpr);
    this.canvas.style.width = this.w + "px";
    this.canvas.style.height = this.h + "px";
    this.ui.camera.setView(this.w, this.h);
  }

  // ---------- terrain ----------
  /** A new map: terrain canvases, fog, and the minimap sized to the map's aspect ratio inside 256x192. */
  buildTerrain() {
    const s = this.server;
    const { width, height } = s.map;
    const mm = this.minimap, k = Math.min(256 / width, 192 / height);
    mm.width = Math.round(width * k); mm.height = Math.round(height * k);
    mm.style.width = mm.width + "px"; mm.style.height = mm.height + "px";
    this.headings.clear();
    this.terrain = document.createElement("canvas");
    this.terrain.width = width * TILE;
    this.terrain.height = height * TILE;
    this.terrainSmall = document.createElement("canvas");
    this.terrainSmall.width = width;
    this.terrainSmall.height = height;
    this.fog = document.createElement("canvas");
    this.fog.width = width; this.fog.height = height;
    this.fogKey = null;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) this.drawTile(x, y);
  }

  drawTile(x, y) {
    const s = this.server;
    const ctx = this.terrain.getContext("2d");
    const c = s.tileAt(x, y);
    const X = x * TILE, Y = y * TILE;
    const r = hash(x, y);
    const minedOut = (s.tiles[y * s.map.width + x] === "o" || s.tiles[y * s.map.width + x] === "*") && c === ".";
    // base grass everywhere (water drawn over)
    const g = 80 + Math.floor(r * 18);
    ctx.fillStyle = minedOut ? `rgb(${104 + r * 10},${96 + r * 10},${64})` : `rgb(${46 + r * 10},${g + 18},${40 + r * 8})`;
    ctx.fillRect(X, Y, TILE, TILE);
    if (c === "." && !minedOut) {
      ctx.fillStyle = "rgba(20,60,20,0.35)";
      for (let i = 0; i < 5; i++) {
        const px = X + hash(x, y, i + 1) * TILE, py = Y + hash(x, y, i + 9) * TILE;
        ctx.fillRect(px, py, 2, 3);
      }
      ctx.fillStyle = "rgba(160,200,110,0.25)";
      for (let i = 0; i < 3; i++) ctx.fillRect(X + hash(x, y, i + 20) * TILE, Y + hash(x, y, i + 30) * TILE, 2, 2);
    } else if (c === "~") {
      const deep = 0.8 + r * 0.2;
      ctx.fillStyle = `rgb(${Math.floor(28 * deep)},${Math.floor(92 * deep)},${Math.floor(150 * deep)})`;
      ctx.fillRect(X, Y, TILE, TILE);
      // shore: lighter band next to land
      const land = (dx, dy) => { const t = s.tileAt(x + dx, y + dy); return t !== null && t !== "~"; };
      ctx.fillStyle = "rgba(200,220,160,0.55)";
      if (land(0, -1)) ctx.fillRect(X, Y, TILE, 4);
      if (land(0, 1)) ctx.fillRect(X, Y + TILE - 4, TILE, 4);
      if (land(-1, 0)) ctx.fillRect(X, Y, 4, TILE);
      if (land(1, 0)) ctx.fillRect(X + TILE - 4, Y, 4, TILE);
      ctx.strokeStyle = "rgba(180,220,255,0.35)"; ctx.lineWidth = 1.5;
      for (let i = 0; i < 2; i++) {
        const wx = X + 4 + hash(x, y, i + 40) * 18, wy = Y + 6 + hash(x, y, i + 50) * 20;
        ctx.beginPath(); ctx.moveTo(wx, wy); ctx.quadraticCurveTo(wx + 4, wy - 3, wx + 8, wy); ctx.stroke();
      }
    } else if (c === "o" || c === "*") {
      this._drawOre(ctx, x, y, X, Y, c === "*");
    }
    const sctx = this.terrainSmall.getContext("2d");
    sctx.fillStyle = c === "~" ? "#1d4e89" : c === "o" ? "#b8860b" : c === "*" ? "#7c3aed" : minedOut ? "#6b6140" : "#3f6b35";
    sctx.fillRect(x, y, 1, 1);
  }

  /** An ore or gem tile: a patch of bare soil with mineral nuggets (ore) or cut crystals (gems); fewer as it is mined. */
  _drawOre(ctx, x, y, X, Y, gems) {
    const s = this.server;
    ctx.fillStyle = "rgba(92,70,46,0.75)";
    ctx.beginPath(); ctx.ellipse(X + TILE / 2, Y + TILE / 2 + 1, TILE * 0.52, TILE * 0.44, hash(x, y, 99) * 0.6, 0, Math.PI * 2); ctx.fill();
    ctx.fillStyle = "rgba(50,38,26,0.6)";
    for (let i = 0; i < 5; i++) ctx.fillRect(X + 3 + hash(x, y, i + 90) * (TILE - 6), Y + 3 + hash(x, y, i + 95) * (TILE - 6), 2, 2);
    const amount = s.resources[y * s.map.width + x];
    const eco = s.rules && s.rules.economy;
    const full = (eco && (gems ? eco.gems_per_tile : eco.ore_per_tile)) || ORE_DRAWN_FULL;
    const n = amount === undefined ? 4 : Math.max(1, Math.round(4 * Math.min(1, amount / full)));
    for (let i = 0; i < n; i++) {
      const cx = X + 8 + hash(x, y, i + 60) * (TILE - 16), cy = Y + 9 + hash(x, y, i + 70) * (TILE - 16);
      const r = 4 + hash(x, y, i + 80) * 2.5;
      if (gems) this._gem(ctx, cx, cy, r + 0.5, hash(x, y, i + 85));
      else this._nugget(ctx, cx, cy, r, hash(x, y, i + 85));
    }
  }

  /** A gold ore nugget: a lumpy rock with a lit top facet, a shaded side and a glint. */
  _nugget(ctx, cx, cy, r, seed) {
    const pts = [];
    for (let k = 0; k < 6; k++) {
      const a = (k / 6) * Math.PI * 2 + seed;
      const rr = r * (0.75 + 0.25 * hash(k, Math.floor(seed * 1000), 7));
      pts.push([cx + Math.cos(a) * rr, cy + Math.sin(a) * rr * 0.8]);
    }
    ctx.fillStyle = "rgba(0,0,0,0.35)";
    ctx.beginPath(); ctx.ellipse(cx + 1, cy + r * 0.7, r, r * 0.35, 0, 0, Math.PI * 2); ctx.fill();
    ctx.fillStyle = "#7a6216";
    ctx.beginPath(); pts.forEach(([px, py], k) => (k ? ctx.lineTo(px, py + 2) : ctx.moveTo(px, py + 2))); ctx.closePath(); ctx.fill();
    ctx.fillStyle = "#d4b62c";
    ctx.beginPath(); pts.forEach(([px, py], k) => (k ? ctx.lineTo(px, py) : ctx.moveTo(px, py))); ctx.closePath(); ctx.fill();
    ctx.fillStyle = "#f7ea8e";   // lit facet
    ctx.beginPath(); ctx.moveTo(pts[3][0], pts[3][1]); ctx.lineTo(pts[4][0], pts[4][1]); ctx.lineTo(pts[5][0], pts[5][1]); ctx.lineTo(cx, cy); ctx.closePath(); ctx.fill();
    ctx.strokeStyle = "#3f3206"; ctx.lineWidth = 1;
    ctx.beginPath(); pts.forEach(([px, py], k) => (k ? ctx.lineTo(px, py) : ctx.moveTo(px, py))); ctx.closePath(); ctx.stroke();
    ctx.fillStyle = "#fff8dc"; ctx.fillRect(cx - r * 0.35, cy - r * 0.45, 1.5, 1.5);
  }

  /** A gem: a cut crystal (table, crown facets and a pointed pavilion), blue-violet, with a sparkle. */
  _gem(ctx, cx, cy, r, seed) {
    const w = r, top = cy - r * 0.55, mid = cy - r * 0.1, tip = cy + r * 0.9;
    ctx.fillStyle = "rgba(0,0,0,0.35)";
    ctx.beginPath(); ctx.ellipse(cx + 1, tip, r * 0.8, r * 0.3, 0, 0, Math.PI * 2); ctx.fill();
    ctx.fillStyle = "#3730a3";   // pavilion
    ctx.beginPath(); ctx.moveTo(cx - w, mid); ctx.lineTo(cx + w, mid); ctx.lineTo(cx, tip); ctx.closePath(); ctx.fill();
    ctx.fillStyle = "#6366f1";
    ctx.beginPath(); ctx.moveTo(cx, mid); ctx.lineTo(cx + w, mid); ctx.lineTo(cx, tip); ctx.closePath(); ctx.fill();
    ctx.fillStyle = "#a5b4fc";   // crown
    ctx.beginPath(); ctx.moveTo(cx - w, mid); ctx.lineTo(cx - w * 0.55, top); ctx.lineTo(cx + w * 0.55, top); ctx.lineTo(cx + w, mid); ctx.closePath(); ctx.fill();
    ctx.fillStyle = "#e0e7ff";   // table
    ctx.beginPath(); ctx.moveTo(cx - w * 0.4, top + 0.5); ctx.lineTo(cx + w * 0.4, top + 0.5); ctx.lineTo(cx + w * 0.25, mid - 1); ctx.lineTo(cx - w * 0.25, mid - 1); ctx.closePath(); ctx.fill();
    ctx.strokeStyle = "#1e1b4b"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(cx - w, mid); ctx.lineTo(cx - w * 0.55, top); ctx.lineTo(cx + w * 0.55, top); ctx.lineTo(cx + w, mid); ctx.lineTo(cx, tip); ctx.closePath(); ctx.stroke();
    if (seed > 0.5) {   // sparkle
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.beginPath(); ctx.moveTo(cx + w * 0.5, top - 3); ctx.lineTo(cx + w * 0.5, top + 3); ctx.moveTo(cx + w * 0.5 - 3, top); ctx.lineTo(cx + w * 0.5 + 3, top); ctx.stroke();
    }
  }

  onTerrainChange(indices) {
    if (!this.terrain) return;
    const w = this.server.map.width;
    for (const i of indices) this.drawTile(i % w, Math.floor(i / w));
  }

  updateFog() {
    const s = this.server;
    if (s.isSpectator) { this.fogKey = "spectator"; return; }
    const key = [s.explored, s.visible];
    if (this.fogKey && this.fogKey[0] === key[0] && this.fogKey[1] === key[1]) return;
    this.fogKey = key;
    const { width, height } = s.map;
    const fctx = this.fog.getContext("2d");
    const img = fctx.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const a = !s.explored[i] ? 255 : !s.visible[i] ? 120 : 0;
      img.data[i * 4] = 4; img.data[i * 4 + 1] = 6; img.data[i * 4 + 2] = 12; img.data[i * 4 + 3] = a;
    }
    fctx.putImageData(img, 0, 0);
  }

  // ---------- timeline / interpolation ----------
  noteTick(tick, now) {
    const off = now - tick * this.server.tickMs;
    if (this.clockOffset === null || off < this.clockOffset) this.clockOffset = off;
    else this.clockOffset += Math.min(2, off - this.clockOffset) * 0.02 + 0.02; // slow drift towards later arrivals
    // never lag more than ~300 ms behind the newest message
    if (off - this.clockOffset > 300) this.clockOffset = off - 300;
  }

  /** Back from a hidden tab: restart the clock and drop effects that arrived meanwhile. */
  onVisible() { this.clockOffset = null; this.effects = []; this.fx.clear(); }

  interpolated(now) {
    const hist = this.server.history;
    const out = new Map();
    if (!hist.length) return out;
    const latest = hist[hist.length - 1];
    if (this.clockOffset === null || hist.length < 2) { for (const [id, p] of latest.pos) out.set(id, p); return out; }
    const rt = (now - this.clockOffset - INTERP_DELAY_MS) / this.server.tickMs;
    let a = hist[0], b = latest;
    if (rt >= latest.tick) { a = b = latest; }
    else if (rt <= hist[0].tick) { a = b = hist[0]; }
    else {
      for (let i = 0; i < hist.length - 1; i++) {
        if (hist[i].tick <= rt && rt <= hist[i + 1].tick) { a = hist[i]; b = hist[i + 1]; break; }
      }
    }
    const f = b.tick === a.tick ? 1 : (rt - a.tick) / (b.tick - a.tick);
    for (const [id, pb] of latest.pos) {
      const p1 = b.pos.get(id), p0 = a.pos.get(id);
      if (p0 && p1) out.set(id, [p0[0] + (p1[0] - p0[0]) * f, p0[1] + (p1[1] - p0[1]) * f]);
      else out.set(id, p1 || pb);
    }
    return out;
  }

  // ---------- effects ----------
  addEffects(list, now) {
    this.fx.add(list, now, this.server.tickMs);
    for (const e of list) {
      if (e.kind === "strike") {
        this.effects.push({ ...e, t0: now, dur: 2200 });
        this.shake = 600; this.flash = 1;
      }
    }
    if (this.effects.length > 400) this.effects.splice(0, this.effects.length - 400);
  }

  addMarker(x, y, kind, now) { this.markers.push({ x, y, kind, t0: now }); }

  /** A pulsing ring on the minimap (e.g. where we are under attack). */
  addPing(x, y, color = "#f87171") { this.pings.push({ x, y, color, t0: performance.now() }); }

  /** After each state: forget the headings of units that are gone. */
  onState() {
    this.fx.noteState(this.server, this.positions, performance.now());
    if (this.headings.size <= this.server.units.size + 50) return;
    for (const id of this.headings.keys()) if (!this.server.units.has(id)) this.headings.delete(id);
  }

  /** The unit's position as last drawn, or null. */
  positionOf(id) { return this.positions.get(id) || null; }

  // ---------- frame ----------
  draw(now) {
    const ui = this.ui, s = this.server, ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = "#05070c";
    ctx.fillRect(0, 0, this.w, this.h);
    if (!this.terrain || !s.map) { this._drawWaiting(ctx, now); return; }
    this.updateFog();
    const cam = ui.camera;
    let sx = 0, sy = 0;
    if (this.shake > 0) { sx = (Math.random() - 0.5) * 10 * (this.shake / 600); sy = (Math.random() - 0.5) * 10 * (this.shake / 600); this.shake -= 16; }
    ctx.save();
    ctx.translate(-Math.round(cam.x) + sx, -Math.round(cam.y) + sy);
    // terrain (only the part on screen)
    const vx = Math.max(0, Math.floor(cam.x)), vy = Math.max(0, Math.floor(cam.y));
    const vw = Math.min(this.terrain.width - vx, this.w + 2), vh = Math.min(this.terrain.height - vy, this.h + 2);
    if (vw > 0 && vh > 0) ctx.drawImage(this.terrain, vx, vy, vw, vh, vx, vy, vw, vh);

    const pos = this.interpolated(now);
    this.positions = pos;
    this.fx.drawGround(ctx, now);
    const inView = (x, y, m = 64) => x > cam.x - m && y > cam.y - m && x < cam.x + this.w + m && y < cam.y + this.h + m;

    // buildings
    const blds = [...s.buildings.values()].sort((a, b) => a.y - b.y);
    for (const b of blds) {
      const X = b.x * TILE, Y = b.y * TILE;
      const size = s.buildingSize(b.type), w = b.w || size[0], h = b.h || size[1];
      if (!inView(X + w * TILE / 2, Y + h * TILE / 2, 140)) continue;
      ctx.save(); ctx.translate(X, Y);
      const built = b.built ?? 1;
      if (built < 1) {
        ctx.globalAlpha = 0.45 + 0.4 * built;
        drawBuilding(ctx, b.type, b.owner, w, h, now, { built, stale: b.stale });
        ctx.globalAlpha = 1;
        // scaffolding
        ctx.strokeStyle = b.stale ? "rgba(156,163,175,0.7)" : "rgba(250,204,21,0.85)"; ctx.lineWidth = 1.5; ctx.setLineDash([5, 4]);
        ctx.strokeRect(2, 2, w * TILE - 4, h * TILE - 4); ctx.setLineDash([]);
        if (!b.stale) {  // a remembered site's progress is out of date: no bar
          ctx.fillStyle = "rgba(0,0,0,0.6)"; ctx.fillRect(4, h * TILE / 2 - 4, w * TILE - 8, 8);
          ctx.fillStyle = "#facc15"; ctx.fillRect(5, h * TILE / 2 - 3, (w * TILE - 10) * built, 6);
        }
      } else {
        let aim;
        if (b.type === "defense_turret") aim = this._aimFor(b.id, X + 16, Y + 16, now);
        drawBuilding(ctx, b.type, b.owner, w, h, now, { stale: b.stale, built, aim });
        drawDamage(ctx, b.id, w, h, b.hp / b.max_hp, now);
      }
      ctx.restore();
    }

    // units (ground first, helicopters on top)
    const units = [...s.units.values()].sort((a, b) => (a.type === "helicopter") - (b.type === "helicopter") || a.y - b.y);
    for (const u of units) {
      const p = pos.get(u.id) || [u.x, u.y];
      const X = p[0] * TILE, Y = p[1] * TILE;
      if (!inView(X, Y)) continue;
      const ang = this._heading(u.id, p);
      let turret = ang;
      if (u.target != null) {
        const tgt = s.units.get(u.target) || s.buildings.get(u.target);
        if (tgt) {
          const tp = pos.get(tgt.id) || [tgt.x + (tgt.w || 0) / 2, tgt.y + (tgt.h || 0) / 2];
          turret = Math.atan2(tp[1] - p[1], tp[0] - p[0]);
        }
      }
      ctx.save(); ctx.translate(X, Y);
      if (u.type === "infantry") ctx.scale(1.25, 1.25);
      drawUnit(ctx, u.type, u.owner, ang, now, turret);
      ctx.restore();
    }

    // effects under fog (they happen in visible areas); the superweapon strike is drawn above it
    this.fx.drawAir(ctx, now, (id) => pos.get(id) || null);

    // fog
    if (!s.isSpectator) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.fog, 0, 0, s.map.width * TILE, s.map.height * TILE);
      // hard black outside the map
    }

    // selection marks and health bars
    for (const b of blds) {
      if (b.stale) continue;
      const w = b.w || 2, h = b.h || 2;
      const X = b.x * TILE, Y = b.y * TILE;
      if (!inView(X, Y, 140)) continue;
      const sel = ui.selection.has(b.id);
      if (sel) this._corners(ctx, X, Y, w * TILE, h * TILE, "#fde047");
      if (sel || b.hp < b.max_hp || ui.hoverId === b.id) this._hpBar(ctx, X + 4, Y - 6, w * TILE - 8, b.hp / b.max_hp);
    }
    for (const u of units) {
      const p = pos.get(u.id) || [u.x, u.y];
      const X = p[0] * TILE, Y = p[1] * TILE;
      if (!inView(X, Y)) continue;
      const r = unitRadius(u.type);
      const sel = ui.selection.has(u.id);
      if (sel) {
        ctx.strokeStyle = "#fde047"; ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.ellipse(X, Y + 2, r + 2, (r + 2) * 0.7, 0, 0, Math.PI * 2); ctx.stroke();
      }
      if (sel || u.hp < u.max_hp || ui.hoverId === u.id) this._hpBar(ctx, X - r, Y - r - 7, r * 2, u.hp / u.max_hp);
      if (u.type === "harvester" && u.cargo > 0 && (sel || ui.hoverId === u.id)) {
        const full = s.rules.economy.harvest_capacity;
        ctx.fillStyle = "#fbbf24"; ctx.fillRect(X - r, Y - r - 3, r * 2 * Math.min(1, u.cargo / full), 2);
      }
    }

    // order markers
    this.markers = this.markers.filter((m) => now - m.t0 < 600);
    for (const m of this.markers) {
      const k = (now - m.t0) / 600;
      ctx.strokeStyle = m.kind === "attack" ? `rgba(248,113,113,${1 - k})` : `rgba(134,239,172,${1 - k})`;
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.ellipse(m.x * TILE, m.y * TILE, 12 * (1 - k) + 3, (12 * (1 - k) + 3) * 0.6, 0, 0, Math.PI * 2); ctx.stroke();
    }

    this._drawEffects(ctx, now);
    this._drawGhost(ctx);
    ctx.restore();

    // drag box (screen space)
    const box = ui.dragBox;
    if (box) {
      const x = Math.min(box.x0, box.x1), y = Math.min(box.y0, box.y1);
      ctx.fillStyle = "rgba(134,239,172,0.12)"; ctx.fillRect(x, y, Math.abs(box.x1 - box.x0), Math.abs(box.y1 - box.y0));
      ctx.strokeStyle = "#86efac"; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, Math.abs(box.x1 - box.x0), Math.abs(box.y1 - box.y0));
    }
    if (this.flash > 0) {
      ctx.fillStyle = `rgba(255,250,230,${this.flash * 0.7})`; ctx.fillRect(0, 0, this.w, this.h);
      this.flash = Math.max(0, this.flash - 0.03);
    }
    if (s.lowPower) {
      ctx.strokeStyle = `rgba(239,68,68,${0.35 + 0.25 * Math.sin(now / 250)})`; ctx.lineWidth = 4; ctx.strokeRect(2, 2, this.w - 4, this.h - 4);
    }
    if (now - this.lastMinimap > 100) { this.drawMinimap(pos); this.lastMinimap = now; }
  }

  _drawWaiting(ctx, now) {
    ctx.fillStyle = "#94a3b8"; ctx.font = "16px sans-serif"; ctx.textAlign = "center";
    ctx.fillText("…", this.w / 2, this.h / 2 + Math.sin(now / 200) * 3);
  }

  _aimFor(id, X, Y, now) {
    // turret aims at the nearest visible enemy unit within its range (cosmetic; the server shoots)
    const s = this.server, me = s.buildings.get(id);
    const range = s.rules.buildings[me.type].range;
    let best = null, bd = range * range;
    for (const u of s.units.values()) {
      if (u.owner === me.owner) continue;
      const d = (u.x - me.x - 0.5) ** 2 + (u.y - me.y - 0.5) ** 2;
      if (d < bd) { bd = d; best = u; }
    }
    if (!best) return -Math.PI / 4 + Math.sin(now / 1500 + id) * 0.6;
    return Math.atan2(best.y * TILE - Y, best.x * TILE - X);
  }

  _heading(id, p) {
    let h = this.headings.get(id);
    if (!h) { h = [id % 2 ? Math.PI : 0, p[0], p[1]]; this.headings.set(id, h); return h[0]; }
    const dx = p[0] - h[1], dy = p[1] - h[2];
    if (dx * dx + dy * dy > 0.0004) {
      const target = Math.atan2(dy, dx);
      let diff = target - h[0];
      while (diff > Math.PI) diff -= Math.PI * 2;
      while (diff < -Math.PI) diff += Math.PI * 2;
      h[0] += diff * 0.35;
      h[1] = p[0]; h[2] = p[1];
    }
    return h[0];
  }

  /** A health bar: its length says the health (colour only repeats it), quarter marks for reading it at a glance. */
  _hpBar(ctx, x, y, w, f) {
    f = Math.max(0, Math.min(1, f || 0));
    ctx.fillStyle = "rgba(0,0,0,0.8)"; ctx.fillRect(x - 1, y - 1, w + 2, 6);
    ctx.fillStyle = "rgba(255,255,255,0.12)"; ctx.fillRect(x, y, w, 4);
    ctx.fillStyle = f > 0.6 ? "#22c55e" : f > 0.3 ? "#eab308" : "#ef4444";
    ctx.fillRect(x, y, w * f, 4);
    if (w >= 20) {
      ctx.fillStyle = "rgba(0,0,0,0.55)";
      for (let q = 1; q < 4; q++) ctx.fillRect(Math.round(x + (w * q) / 4), y, 1, 4);
    }
  }

  _corners(ctx, x, y, w, h, color) {
    const l = 8;
    ctx.strokeStyle = color; ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y + l); ctx.lineTo(x, y); ctx.lineTo(x + l, y);
    ctx.moveTo(x + w - l, y); ctx.lineTo(x + w, y); ctx.lineTo(x + w, y + l);
    ctx.moveTo(x + w, y + h - l); ctx.lineTo(x + w, y + h); ctx.lineTo(x + w - l, y + h);
    ctx.moveTo(x + l, y + h); ctx.lineTo(x, y + h); ctx.lineTo(x, y + h - l);
    ctx.stroke();
  }

  _drawEffects(ctx, now) {
    const keep = [];
    for (const e of this.effects) {
      const k = (now - e.t0) / e.dur;
      if (k >= 1) continue;
      keep.push(e);
      const X = e.x * TILE, Y = e.y * TILE;
      if (e.kind === "strike") {
        const R = this.server.rules.superweapon.radius * TILE;
        if (k < 0.25) { // falling beam
          const kk = k / 0.25;
          ctx.fillStyle = `rgba(255,255,255,${0.9})`;
          ctx.fillRect(X - 6, Y - 600 * (1 - kk) - 60, 12, 60 + 600 * (1 - kk) - (1 - kk) * 540);
          ctx.strokeStyle = "rgba(250,204,21,0.9)"; ctx.lineWidth = 3; ctx.setLineDash([6, 6]);
          ctx.beginPath(); ctx.arc(X, Y, R, 0, Math.PI * 2); ctx.stroke(); ctx.setLineDash([]);
        } else {
          const kk = (k - 0.25) / 0.75;
          const grd = ctx.createRadialGradient(X, Y, 0, X, Y, R * (0.6 + kk));
          grd.addColorStop(0, `rgba(255,255,230,${1 - kk})`);
          grd.addColorStop(0.4, `rgba(255,150,40,${0.9 * (1 - kk)})`);
          grd.addColorStop(1, "rgba(120,20,0,0)");
          ctx.fillStyle = grd; ctx.beginPath(); ctx.arc(X, Y, R * (0.6 + kk), 0, Math.PI * 2); ctx.fill();
          ctx.strokeStyle = `rgba(255,255,255,${0.8 * (1 - kk)})`; ctx.lineWidth = 4;
          ctx.beginPath(); ctx.arc(X, Y, R * (0.3 + kk * 1.4), 0, Math.PI * 2); ctx.stroke();
        }
      }
    }
    this.effects = keep;
  }

  _drawGhost(ctx) {
    const gh = this.ui.ghost;
    if (!gh) return;
    const [w, h] = this.server.buildingSize(gh.type);
    const X = gh.tx * TILE, Y = gh.ty * TILE;
    ctx.save();
    ctx.globalAlpha = 0.55;
    ctx.translate(X, Y);
    drawBuilding(ctx, gh.type, this.server.playerId ?? 0, w, h, 0, { built: 1 });
    ctx.restore();
    for (let dy = 0; dy < h; dy++) for (let dx = 0; dx < w; dx++) {
      const ok = gh.cells ? gh.cells[dy * w + dx] : gh.legal;
      ctx.fillStyle = ok ? "rgba(34,197,94,0.35)" : "rgba(239,68,68,0.45)";
      ctx.fillRect(X + dx * TILE + 1, Y + dy * TILE + 1, TILE - 2, TILE - 2);
    }
    ctx.strokeStyle = gh.legal ? "#22c55e" : "#ef4444"; ctx.lineWidth = 2;
    ctx.strokeRect(X, Y, w * TILE, h * TILE);
  }

  // ---------- minimap ----------
  drawMinimap(pos) {
    const s = this.server, cam = this.ui.camera, m = this.mctx;
    const mw = this.minimap.width, mh = this.minimap.height;
    m.fillStyle = "#000"; m.fillRect(0, 0, mw, mh);
    if (!this.terrainSmall) return;
    const sx = mw / s.map.width, sy = mh / s.map.height;
    m.imageSmoothingEnabled = false;
    m.drawImage(this.terrainSmall, 0, 0, mw, mh);
    for (const b of s.buildings.values()) {
      m.fillStyle = b.stale ? "#9ca3af" : ownerColor(b.owner);
      m.fillRect(b.x * sx, b.y * sy, (b.w || 2) * sx, (b.h || 2) * sy);
    }
    for (const u of s.units.values()) {
      const p = (pos && pos.get(u.id)) || [u.x, u.y];
      m.fillStyle = ownerColor(u.owner);
      m.fillRect(p[0] * sx - 1.5, p[1] * sy - 1.5, 3, 3);
    }
    if (!s.isSpectator && this.fog) { m.imageSmoothingEnabled = true; m.drawImage(this.fog, 0, 0, mw, mh); }
    // effects pings
    for (const e of this.effects) {
      if (e.kind === "strike") { m.strokeStyle = "#fde047"; m.beginPath(); m.arc(e.x * sx, e.y * sy, 3 * sx, 0, Math.PI * 2); m.stroke(); }
    }
    const now = performance.now();
    this.pings = this.pings.filter((p) => now - p.t0 < 3000);
    for (const p of this.pings) {
      const k = ((now - p.t0) % 1000) / 1000;
      m.strokeStyle = p.color; m.globalAlpha = 1 - k; m.lineWidth = 2;
      m.beginPath(); m.arc(p.x * sx, p.y * sy, 3 + k * 12, 0, Math.PI * 2); m.stroke();
      m.globalAlpha = 1;
    }
    m.strokeStyle = "#f8fafc"; m.lineWidth = 1;
    m.strokeRect(cam.x / TILE * sx + 0.5, cam.y / TILE * sy + 0.5, this.w / TILE * sx, this.h / TILE * sy);
  }
}

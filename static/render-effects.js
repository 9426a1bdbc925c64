// Battle effects drawn by the renderer: shots in flight by weapon, muzzle flashes, impacts,
// explosions with smoke and debris, scorch marks, wrecks of destroyed units and buildings, and the
// look of a damaged building. The server sends each shot once, when it is fired (WIRE.md: `shot`
// with `weapon`, `to` and `ticks` of flight); the flight is animated here from those, and
// artillery landings and deaths arrive as `explosion` effects.
import { TILE_PX as TILE, ownerColor } from "./sprites.js";

const MAX_SHOTS = 300;        // shots drawn at once (oldest dropped first in a huge battle)
const SCORCH_MS = 15000;
const WRECK_MS = 25000;
const RUBBLE_MS = 40000;
const WRECK_MATCH_MS = 600;   // a unit that vanished this soon after an explosion at its place died

// how each weapon looks in flight (colours are looks, not rules)
const LOOK = {
  bullet: { color: "rgba(255,236,150,0.95)", width: 1.6, trail: 0.35, flash: 4, impact: "spark" },
  shell: { color: "#fdba74", width: 3, trail: 0.18, flash: 7, impact: "burst" },
  artillery: { color: "#fde68a", width: 4, trail: 0, flash: 9, impact: null },
  missile: { color: "#e5e7eb", width: 3, trail: 0, flash: 6, impact: "burst" },
};

function rnd(seed) {
  let x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

export class BattleEffects {
  constructor() {
    this.shots = [];       // {x,y,tx,ty,to,weapon,t0,dur,arc}
    this.blasts = [];      // explosions and impacts: {x,y,t0,dur,size,kind}
    this.smoke = [];       // drifting puffs: {x,y,t0,dur,r}
    this.scorch = [];      // marks on the ground: {x,y,t0,r}
    this.wrecks = [];      // {x,y,type,owner,angle,t0}
    this.rubble = [];      // {x,y,w,h,t0}
    this.lastUnits = new Map();     // id -> {x,y,type,owner}
    this.lastBuildings = new Map(); // id -> {x,y,w,h}
    this.stats = { shots: 0, explosions: 0, wrecks: 0 };
  }

  /** This tick's effects: shots start flying, explosions go off. `tickMs`: ms per game tick. */
  add(list, now, tickMs) {
    for (const e of list) {
      if (e.kind === "shot") {
        const weapon = LOOK[e.weapon] ? e.weapon : "bullet";
        const ticks = e.ticks || 1;
        const dist = Math.hypot(e.tx - e.x, e.ty - e.y);
        this.shots.push({ x: e.x, y: e.y, tx: e.tx, ty: e.ty, to: e.to ?? null, weapon, t0: now,
                          dur: Math.max(60, ticks * tickMs), arc: weapon === "artillery" ? Math.min(90, 18 + dist * 9) : 0,
                          hidden: e.from == null && e.x === e.tx && e.y === e.ty, seed: (e.x * 31 + e.ty * 17 + now) % 1000 });
        this.stats.shots++;
      } else if (e.kind === "explosion") {
        const big = e.weapon === "artillery" ? 1.1 : 1;
        this.blasts.push({ x: e.x, y: e.y, t0: now, dur: 750, size: big, kind: "explosion" });
        this.scorch.push({ x: e.x, y: e.y, t0: now, r: 10 + 6 * big });
        for (let i = 0; i < 5; i++) this.smoke.push({ x: e.x + (rnd(now + i) - 0.5) * 0.6, y: e.y + (rnd(now + i * 7) - 0.5) * 0.6, t0: now + i * 90, dur: 1800, r: 6 + rnd(i + now) * 5 });
        this.stats.explosions++;
      }
    }
    if (this.shots.length > MAX_SHOTS) this.shots.splice(0, this.shots.length - MAX_SHOTS);
    if (this.smoke.length > 400) this.smoke.splice(0, this.smoke.length - 400);
    if (this.scorch.length > 200) this.scorch.splice(0, this.scorch.length - 200);
  }

  /** After each state: units and buildings that vanished right after an explosion there leave a wreck. */
  noteState(server, positions, now) {
    const recent = this.blasts.filter((b) => b.kind === "explosion" && now - b.t0 < WRECK_MATCH_MS);
    for (const [id, u] of this.lastUnits) {
      if (server.units.has(id)) continue;
      if (u.type !== "infantry" && recent.some((b) => Math.hypot(b.x - u.x, b.y - u.y) < 1.0)) {
        this.wrecks.push({ ...u, t0: now, angle: rnd(id) * Math.PI * 2 });
        this.stats.wrecks++;
      }
    }
    for (const [id, b] of this.lastBuildings) {
      if (server.buildings.has(id)) continue;
      if (recent.some((e) => Math.hypot(e.x - (b.x + b.w / 2), e.y - (b.y + b.h / 2)) < 1.5)) this.rubble.push({ ...b, t0: now });
    }
    this.lastUnits = new Map();
    for (const u of server.units.values()) {
      const p = positions.get(u.id) || [u.x, u.y];
      this.lastUnits.set(u.id, { x: p[0], y: p[1], type: u.type, owner: u.owner });
    }
    this.lastBuildings = new Map();
    for (const b of server.buildings.values()) if (!b.stale) this.lastBuildings.set(b.id, { x: b.x, y: b.y, w: b.w || 2, h: b.h || 2 });
    if (this.wrecks.length > 120) this.wrecks.splice(0, this.wrecks.length - 120);
  }

  /** Back from a hidden tab: drop what was in flight. */
  clear() { this.shots = []; this.blasts = []; this.smoke = []; }

  /**
   * For tests and the debug hook: shots in flight, explosions burning and wrecks lying now
   * (`inFlight`, `burning`, `lying`), and totals since the page loaded (`shots`, `explosions`, `wrecks`).
   */
  counts(now) {
    return { inFlight: this.shots.filter((s) => now - s.t0 < s.dur && now >= s.t0).length,
             burning: this.blasts.filter((b) => b.kind === "explosion" && now - b.t0 < b.dur && now >= b.t0).length,
             lying: this.wrecks.length, ...this.stats };
  }

  // ---------- drawing ----------
  /** Scorch marks, rubble and wrecks: on the ground, under the units. */
  drawGround(ctx, now) {
    this.scorch = this.scorch.filter((s) => now - s.t0 < SCORCH_MS);
    for (const s of this.scorch) {
      const a = 0.45 * (1 - (now - s.t0) / SCORCH_MS);
      const g = ctx.createRadialGradient(s.x * TILE, s.y * TILE, 1, s.x * TILE, s.y * TILE, s.r);
      g.addColorStop(0, `rgba(20,16,12,${a})`); g.addColorStop(1, "rgba(20,16,12,0)");
      ctx.fillStyle = g; ctx.beginPath(); ctx.arc(s.x * TILE, s.y * TILE, s.r, 0, Math.PI * 2); ctx.fill();
    }
    this.rubble = this.rubble.filter((r) => now - r.t0 < RUBBLE_MS);
    for (const r of this.rubble) {
      const a = Math.min(1, 2 * (1 - (now - r.t0) / RUBBLE_MS));
      ctx.globalAlpha = a;
      ctx.fillStyle = "#3f3f46"; ctx.fillRect(r.x * TILE + 3, r.y * TILE + 3, r.w * TILE - 6, r.h * TILE - 6);
      for (let i = 0; i < r.w * r.h * 4; i++) {
        const bx = r.x * TILE + 4 + rnd(r.x * 13 + i) * (r.w * TILE - 12), by = r.y * TILE + 4 + rnd(r.y * 7 + i * 3) * (r.h * TILE - 12);
        ctx.fillStyle = i % 3 ? "#71717a" : "#27272a"; ctx.fillRect(bx, by, 4 + rnd(i) * 5, 3 + rnd(i + 9) * 4);
      }
      ctx.globalAlpha = 1;
    }
    this.wrecks = this.wrecks.filter((w) => now - w.t0 < WRECK_MS);
    for (const w of this.wrecks) this._wreck(ctx, w, now);
  }

  _wreck(ctx, w, now) {
    const age = (now - w.t0) / WRECK_MS;
    ctx.save();
    ctx.translate(w.x * TILE, w.y * TILE);
    ctx.globalAlpha = Math.min(1, 3 * (1 - age));
    ctx.rotate(w.angle);
    const big = w.type === "harvester" ? 1.15 : w.type === "helicopter" ? 0.9 : 1;
    ctx.fillStyle = "#1c1917"; ctx.beginPath(); ctx.ellipse(0, 0, 13 * big, 9 * big, 0, 0, Math.PI * 2); ctx.fill();
    ctx.fillStyle = "#44403c"; ctx.fillRect(-9 * big, -6 * big, 18 * big, 12 * big);
    ctx.fillStyle = ownerColor(w.owner); ctx.globalAlpha *= 0.35; ctx.fillRect(-6 * big, -4 * big, 8 * big, 8 * big);
    ctx.globalAlpha = Math.min(1, 3 * (1 - age));
    ctx.strokeStyle = "#0c0a09"; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(-4, -2); ctx.lineTo(12 * big, 4); ctx.stroke();
    ctx.restore();
    // a thin smoke column while it is fresh
    if (age < 0.5) {
      for (let i = 0; i < 3; i++) {
        const k = ((now / 1400 + i / 3 + rnd(w.x)) % 1);
        ctx.fillStyle = `rgba(60,60,60,${0.35 * (1 - k) * (1 - age * 2)})`;
        ctx.beginPath(); ctx.arc(w.x * TILE + k * 6, w.y * TILE - k * 26, 3 + k * 6, 0, Math.PI * 2); ctx.fill();
      }
    }
  }

  /** Shots in flight, muzzle flashes, impacts, explosions and smoke: above the units. */
  drawAir(ctx, now, positionOf) {
    const keep = [];
    for (const s of this.shots) {
      const k = (now - s.t0) / s.dur;
      if (k >= 1) {
        // landed: a homing shot bursts on its target
        const look = LOOK[s.weapon];
        if (look.impact && k < 1.5) {
          const end = this._end(s, positionOf);
          this.blasts.push({ x: end[0], y: end[1], t0: now, dur: look.impact === "spark" ? 160 : 320, size: look.impact === "spark" ? 0.3 : 0.55, kind: look.impact });
          if (look.impact === "burst") this.smoke.push({ x: end[0], y: end[1], t0: now, dur: 900, r: 4 });
        }
        continue;
      }
      keep.push(s);
      if (k < 0) continue;
      this._shot(ctx, s, k, now, positionOf);
    }
    this.shots = keep;
    const liveBlasts = [];
    for (const b of this.blasts) {
      const k = (now - b.t0) / b.dur;
      if (k >= 1) continue;
      liveBlasts.push(b);
      if (k < 0) continue;
      this._blast(ctx, b, k);
    }
    this.blasts = liveBlasts;
    this.smoke = this.smoke.filter((p) => now - p.t0 < p.dur);
    for (const p of this.smoke) {
      const k = (now - p.t0) / p.dur;
      if (k < 0) continue;
      ctx.fillStyle = `rgba(70,70,74,${0.38 * (1 - k)})`;
      ctx.beginPath(); ctx.arc(p.x * TILE + k * 8, p.y * TILE - k * 22, p.r * (0.6 + k), 0, Math.PI * 2); ctx.fill();
    }
  }

  _end(s, positionOf) {
    if (s.to != null && s.weapon !== "artillery") {
      const p = positionOf(s.to);
      if (p) return p;
    }
    return [s.tx, s.ty];
  }

  _shot(ctx, s, k, now, positionOf) {
    const look = LOOK[s.weapon];
    const [ex, ey] = this._end(s, positionOf);
    const X0 = s.x * TILE, Y0 = s.y * TILE, X1 = ex * TILE, Y1 = ey * TILE;
    const at = (f) => [X0 + (X1 - X0) * f, Y0 + (Y1 - Y0) * f - (s.arc ? Math.sin(f * Math.PI) * s.arc : 0)];
    const [px, py] = at(k);
    const ang = Math.atan2(Y1 - Y0, X1 - X0);
    if (!s.hidden && k < 0.3) {   // muzzle flash at the shooter
      const f = 1 - k / 0.3;
      ctx.fillStyle = `rgba(255,226,120,${0.95 * f})`;
      ctx.beginPath(); ctx.arc(X0 + Math.cos(ang) * 10, Y0 + Math.sin(ang) * 10, look.flash * (0.5 + f * 0.6), 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = `rgba(255,255,255,${0.8 * f})`;
      ctx.beginPath(); ctx.arc(X0 + Math.cos(ang) * 10, Y0 + Math.sin(ang) * 10, look.flash * 0.35, 0, Math.PI * 2); ctx.fill();
    }
    if (s.hidden) return;
    if (s.weapon === "artillery") {
      // shadow on the ground tells where it will land; the shell climbs and falls
      const gx = X0 + (X1 - X0) * k, gy = Y0 + (Y1 - Y0) * k;
      ctx.fillStyle = "rgba(0,0,0,0.3)"; ctx.beginPath(); ctx.ellipse(gx, gy, 4, 2, 0, 0, Math.PI * 2); ctx.fill();
      for (let i = 1; i <= 4; i++) {   // short glowing trail
        const [qx, qy] = at(Math.max(0, k - i * 0.025));
        ctx.fillStyle = `rgba(253,186,116,${0.5 - i * 0.1})`; ctx.beginPath(); ctx.arc(qx, qy, 3.5 - i * 0.5, 0, Math.PI * 2); ctx.fill();
      }
      ctx.fillStyle = look.color; ctx.beginPath(); ctx.arc(px, py, 3.5, 0, Math.PI * 2); ctx.fill();
      ctx.strokeStyle = "#78350f"; ctx.lineWidth = 1; ctx.stroke();
      return;
    }
    if (s.weapon === "missile") {
      const wob = Math.sin(k * 18 + s.seed) * 2;
      const mx = px - Math.sin(ang) * wob, my = py + Math.cos(ang) * wob;
      if (Math.floor(now / 40) % 2 === 0) this.smoke.push({ x: mx / TILE, y: my / TILE, t0: now, dur: 600, r: 2.5 });
      ctx.save(); ctx.translate(mx, my); ctx.rotate(ang);
      ctx.fillStyle = "#f97316"; ctx.beginPath(); ctx.arc(-6, 0, 2.5 + Math.random() * 1.5, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = look.color; ctx.fillRect(-5, -1.5, 9, 3);
      ctx.fillStyle = "#ef4444"; ctx.fillRect(3, -1.5, 2, 3);
      ctx.restore();
      return;
    }
    // bullets and tank shells: a tracer with a bright head
    const [qx, qy] = at(Math.max(0, k - look.trail));
    ctx.strokeStyle = look.color; ctx.lineWidth = look.width; ctx.lineCap = "round";
    ctx.beginPath(); ctx.moveTo(qx, qy); ctx.lineTo(px, py); ctx.stroke();
    if (s.weapon === "shell") { ctx.fillStyle = "#fff7ed"; ctx.beginPath(); ctx.arc(px, py, 2.2, 0, Math.PI * 2); ctx.fill(); }
    ctx.lineCap = "butt";
  }

  _blast(ctx, b, k) {
    const X = b.x * TILE, Y = b.y * TILE;
    if (b.kind === "spark") {
      ctx.strokeStyle = `rgba(255,240,170,${1 - k})`; ctx.lineWidth = 1.2;
      for (let i = 0; i < 4; i++) {
        const a = i * 1.7 + b.x * 3;
        ctx.beginPath(); ctx.moveTo(X, Y); ctx.lineTo(X + Math.cos(a) * (3 + 6 * k), Y + Math.sin(a) * (3 + 6 * k)); ctx.stroke();
      }
      return;
    }
    const R = (b.kind === "burst" ? 8 : 14) * b.size + (b.kind === "burst" ? 8 : 22) * k * b.size;
    const g = ctx.createRadialGradient(X, Y, 0, X, Y, R);
    g.addColorStop(0, `rgba(255,255,220,${0.95 * (1 - k)})`);
    g.addColorStop(0.35, `rgba(255,170,40,${0.9 * (1 - k)})`);
    g.addColorStop(0.75, `rgba(200,50,10,${0.6 * (1 - k)})`);
    g.addColorStop(1, "rgba(80,20,0,0)");
    ctx.fillStyle = g; ctx.beginPath(); ctx.arc(X, Y, R, 0, Math.PI * 2); ctx.fill();
    if (b.kind === "explosion") {
      ctx.strokeStyle = `rgba(255,240,200,${0.7 * (1 - k)})`; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(X, Y, 6 + k * 34 * b.size, 0, Math.PI * 2); ctx.stroke();   // shock wave
      ctx.fillStyle = `rgba(60,40,30,${1 - k})`;
      for (let i = 0; i < 7; i++) {   // debris
        const a = i * 0.9 + b.x, d = k * (16 + 10 * rnd(i + b.y)) * b.size;
        ctx.fillRect(X + Math.cos(a) * d, Y + Math.sin(a) * d - Math.sin(k * Math.PI) * 10, 3, 3);
      }
    }
  }
}

/**
 * A damaged building looks damaged: cracks below 70% hp, smoke below 50%, fire below 30%.
 * Drawn in the building's own frame (top-left at 0,0, size w*h tiles).
 */
export function drawDamage(ctx, id, w, h, hpFraction, now) {
  if (!(hpFraction < 0.7)) return;
  const W = w * TILE, H = h * TILE;
  const sev = hpFraction < 0.3 ? 3 : hpFraction < 0.5 ? 2 : 1;
  ctx.save();
  ctx.save();
  ctx.beginPath(); ctx.rect(3, 3, W - 6, H - 6); ctx.clip();   // cracks and soot stay on the walls
  ctx.strokeStyle = "rgba(15,15,15,0.85)"; ctx.lineWidth = 1.6;
  for (let i = 0; i < sev * 2; i++) {     // cracks
    let x = 6 + rnd(id * 5 + i) * (W - 12), y = 6 + rnd(id * 11 + i) * (H - 12);
    ctx.beginPath(); ctx.moveTo(x, y);
    for (let j = 0; j < 3; j++) { x += (rnd(id + i * 3 + j) - 0.5) * 14; y += 4 + rnd(id * 2 + j + i) * 6; ctx.lineTo(x, y); }
    ctx.stroke();
  }
  if (sev >= 2) {     // soot
    ctx.fillStyle = "rgba(15,15,15,0.45)";
    ctx.beginPath(); ctx.arc(W * (0.3 + rnd(id) * 0.4), H * 0.4, 10, 0, Math.PI * 2); ctx.fill();
    ctx.beginPath(); ctx.arc(W * (0.2 + rnd(id + 5) * 0.6), H * 0.7, 7, 0, Math.PI * 2); ctx.fill();
  }
  ctx.restore();
  if (sev >= 3) {     // flames, with a glow
    for (let i = 0; i < 3; i++) {
      const fx = W * (0.2 + rnd(id * 7 + i) * 0.6), fy = H * (0.35 + rnd(id * 9 + i) * 0.45);
      const f = 0.75 + 0.25 * Math.sin(now / 90 + i * 2);
      const glow = ctx.createRadialGradient(fx, fy - 6, 1, fx, fy - 6, 16);
      glow.addColorStop(0, "rgba(255,120,30,0.55)"); glow.addColorStop(1, "rgba(255,80,0,0)");
      ctx.fillStyle = glow; ctx.beginPath(); ctx.arc(fx, fy - 6, 16, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = `rgba(220,38,38,${0.9 * f})`;
      ctx.beginPath(); ctx.moveTo(fx - 7, fy); ctx.quadraticCurveTo(fx - 2, fy - 24 * f, fx + 7, fy); ctx.fill();
      ctx.fillStyle = `rgba(251,146,60,${0.95 * f})`;
      ctx.beginPath(); ctx.moveTo(fx - 5, fy); ctx.quadraticCurveTo(fx, fy - 17 * f, fx + 5, fy); ctx.fill();
      ctx.fillStyle = `rgba(254,240,138,${f})`;
      ctx.beginPath(); ctx.moveTo(fx - 2.5, fy); ctx.quadraticCurveTo(fx, fy - 8 * f, fx + 2.5, fy); ctx.fill();
    }
  }
  if (sev >= 2) {     // rising smoke, above the roof
    for (let i = 0; i < 2 + sev; i++) {
      const k = ((now / 1600 + i / (2 + sev) + rnd(id + i)) % 1);
      const sx = W * (0.25 + rnd(id * 3 + i) * 0.5);
      ctx.fillStyle = `rgba(40,40,44,${0.6 * (1 - k)})`;
      ctx.beginPath(); ctx.arc(sx + k * 10, H * 0.35 - k * 40, 5 + k * 11, 0, Math.PI * 2); ctx.fill();
    }
  }
  ctx.restore();
}

// Procedural sprites: every unit and building is drawn with canvas paths, tinted by owner.

/** Pixels per map tile on the canvas (a drawing scale, not a game rule). */
export const TILE_PX = 32;
// A colour-blind-safe pair for the two sides: blue and orange (Okabe-Ito), apart in lightness
// too, so they read the same with protanopia, deuteranopia and in grey.
const OWNER_COLORS = ["#2f7fd8", "#f08a24", "#22c55e", "#eab308"];
const OWNER_DARK = ["#163d73", "#7a3b06", "#14532d", "#713f12"];

export function ownerColor(owner) { return OWNER_COLORS[owner] ?? "#9ca3af"; }
export function ownerDark(owner) { return OWNER_DARK[owner] ?? "#374151"; }

function rr(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** Draw a unit centred at (0,0), facing `angle` (radians, 0 = east). `time` in ms for animation. */
export function drawUnit(ctx, type, owner, angle, time, turretAngle = angle) {
  const c = ownerColor(owner), d = ownerDark(owner);
  ctx.save();
  ctx.lineJoin = "round";
  switch (type) {
    case "infantry": {
      // shadow
      ctx.fillStyle = "rgba(0,0,0,0.3)";
      ctx.beginPath(); ctx.ellipse(1, 3, 6, 3, 0, 0, Math.PI * 2); ctx.fill();
      ctx.rotate(angle);
      ctx.fillStyle = "#1f2937"; ctx.fillRect(2, 1, 8, 2); // rifle
      ctx.fillStyle = d; ctx.beginPath(); ctx.ellipse(0, 0, 4, 5.5, 0, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = c; ctx.beginPath(); ctx.ellipse(0, 0, 3, 4.5, 0, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = "#f1c27d"; ctx.beginPath(); ctx.arc(0.5, 0, 2.4, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = "#3f6212"; ctx.beginPath(); ctx.arc(0, 0, 2.6, Math.PI * 0.5, Math.PI * 1.5); ctx.fill();
      break;
    }
    case "tank": {
      ctx.fillStyle = "rgba(0,0,0,0.3)"; rr(ctx, -11, -8, 24, 19, 4); ctx.fill();
      ctx.rotate(angle);
      ctx.fillStyle = "#262626"; rr(ctx, -12, -10, 24, 5, 2); ctx.fill(); rr(ctx, -12, 5, 24, 5, 2); ctx.fill();
      ctx.strokeStyle = "#525252"; ctx.lineWidth = 1;
      const off = (time / 60) % 4;
      for (let i = -12 + off; i < 12; i += 4) { ctx.beginPath(); ctx.moveTo(i, -10); ctx.lineTo(i, -5); ctx.moveTo(i, 5); ctx.lineTo(i, 10); ctx.stroke(); }
      ctx.fillStyle = d; rr(ctx, -10, -7, 20, 14, 3); ctx.fill();
      ctx.fillStyle = c; rr(ctx, -9, -6, 18, 12, 3); ctx.fill();
      ctx.rotate(turretAngle - angle);
      ctx.fillStyle = "#111827"; ctx.fillRect(2, -1.6, 13, 3.2);
      ctx.fillStyle = d; ctx.beginPath(); ctx.arc(0, 0, 5.5, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = "rgba(255,255,255,0.35)"; ctx.beginPath(); ctx.arc(-1.3, -1.3, 2.2, 0, Math.PI * 2); ctx.fill();
      break;
    }
    case "artillery": {
      ctx.fillStyle = "rgba(0,0,0,0.3)"; rr(ctx, -10, -6, 22, 15, 3); ctx.fill();
      ctx.rotate(angle);
      ctx.fillStyle = "#262626";
      for (const [x, y] of [[-7, -8], [3, -8], [-7, 5], [3, 5]]) { ctx.beginPath(); ctx.arc(x + 2, y + 1.5, 3, 0, Math.PI * 2); ctx.fill(); }
      ctx.fillStyle = d; rr(ctx, -11, -6, 20, 12, 2); ctx.fill();
      ctx.fillStyle = c; rr(ctx, -10, -5, 18, 10, 2); ctx.fill();
      ctx.fillStyle = "#111827"; ctx.fillRect(-2, -2, 20, 4);
      ctx.fillStyle = "#374151"; ctx.fillRect(15, -2.8, 4, 5.6);
      ctx.fillStyle = d; ctx.fillRect(-6, -3.5, 7, 7);
      break;
    }
    case "harvester": {
      ctx.fillStyle = "rgba(0,0,0,0.3)"; rr(ctx, -12, -8, 26, 19, 3); ctx.fill();
      ctx.rotate(angle);
      ctx.fillStyle = "#262626"; rr(ctx, -13, -10, 26, 4, 2); ctx.fill(); rr(ctx, -13, 6, 26, 4, 2); ctx.fill();
      ctx.fillStyle = d; rr(ctx, -13, -8, 26, 16, 2); ctx.fill();
      ctx.fillStyle = "#a16207"; rr(ctx, -11, -6, 14, 12, 2); ctx.fill(); // bin
      ctx.fillStyle = "#fbbf24"; for (let i = 0; i < 4; i++) { ctx.beginPath(); ctx.arc(-8 + (i % 2) * 6, -2 + Math.floor(i / 2) * 4, 2, 0, Math.PI * 2); ctx.fill(); }
      ctx.fillStyle = c; rr(ctx, 4, -6, 8, 12, 2); ctx.fill(); // cab
      ctx.fillStyle = "#bae6fd"; ctx.fillRect(9, -4, 2, 8);
      break;
    }
    case "helicopter": {
      const alt = 8;
      ctx.fillStyle = "rgba(0,0,0,0.28)";
      ctx.save(); ctx.translate(4, alt); ctx.rotate(angle); ctx.beginPath(); ctx.ellipse(0, 0, 10, 4, 0, 0, Math.PI * 2); ctx.fill(); ctx.restore();
      ctx.translate(0, -2);
      ctx.rotate(angle);
      ctx.fillStyle = d; ctx.fillRect(-17, -1.5, 12, 3);
      ctx.fillStyle = "#111827"; ctx.fillRect(-18, -4, 2, 8);
      ctx.fillStyle = d; ctx.beginPath(); ctx.ellipse(0, 0, 10, 6, 0, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = c; ctx.beginPath(); ctx.ellipse(0, 0, 8.5, 5, 0, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = "#bae6fd"; ctx.beginPath(); ctx.ellipse(5, 0, 3.5, 3, 0, 0, Math.PI * 2); ctx.fill();
      ctx.rotate(time / 40);
      ctx.strokeStyle = "rgba(20,20,20,0.75)"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(-15, 0); ctx.lineTo(15, 0); ctx.moveTo(0, -15); ctx.lineTo(0, 15); ctx.stroke();
      ctx.fillStyle = "#111"; ctx.beginPath(); ctx.arc(0, 0, 2, 0, Math.PI * 2); ctx.fill();
      break;
    }
    default: {
      ctx.fillStyle = c; ctx.beginPath(); ctx.arc(0, 0, 7, 0, Math.PI * 2); ctx.fill();
    }
  }
  ctx.restore();
}

export function unitRadius(type) {
  return { infantry: 7, tank: 13, artillery: 12, harvester: 14, helicopter: 14 }[type] || 10;
}

/** Draw a building with its top-left at (0,0), size w*h tiles. */
export function drawBuilding(ctx, type, owner, w, h, time, opts = {}) {
  const W = w * TILE_PX, H = h * TILE_PX;
  const c = opts.stale ? "#6b7280" : ownerColor(owner);
  const d = opts.stale ? "#374151" : ownerDark(owner);
  ctx.save();
  // foundation + shadow
  ctx.fillStyle = "rgba(0,0,0,0.35)"; ctx.fillRect(4, 5, W - 2, H - 2);
  ctx.fillStyle = "#52525b"; rr(ctx, 1, 1, W - 2, H - 2, 3); ctx.fill();
  ctx.fillStyle = "#71717a"; rr(ctx, 2, 2, W - 4, H - 4, 3); ctx.fill();
  switch (type) {
    case "hq": {
      ctx.fillStyle = d; rr(ctx, 8, 10, W - 16, H - 18, 4); ctx.fill();
      ctx.fillStyle = c; rr(ctx, 10, 12, W - 20, H - 22, 4); ctx.fill();
      // command dome with a rotating radar dish
      const dome = ctx.createRadialGradient(W / 2 - 5, H / 2 - 8, 2, W / 2, H / 2 - 2, 16);
      dome.addColorStop(0, "#f8fafc"); dome.addColorStop(1, "#94a3b8");
      ctx.fillStyle = dome; ctx.beginPath(); ctx.arc(W / 2, H / 2 - 2, 14, 0, Math.PI * 2); ctx.fill();
      ctx.strokeStyle = d; ctx.lineWidth = 1.5; ctx.stroke();
      ctx.save(); ctx.translate(W / 2, H / 2 - 2); ctx.rotate(opts.stale ? 0.6 : time / 900);
      ctx.strokeStyle = "#334155"; ctx.lineWidth = 2.5; ctx.beginPath(); ctx.arc(0, 0, 8, -0.9, 0.9); ctx.stroke();
      ctx.lineWidth = 1.5; ctx.beginPath(); ctx.moveTo(0, 0); ctx.lineTo(8, 0); ctx.stroke();
      ctx.restore();
      ctx.fillStyle = "#111827"; ctx.fillRect(W / 2 - 6, H - 22, 12, 10);
      // antenna + blinking light
      ctx.strokeStyle = "#d4d4d8"; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(W - 16, 14); ctx.lineTo(W - 16, 2); ctx.stroke();
      ctx.fillStyle = Math.floor(time / 500) % 2 ? "#f87171" : "#7f1d1d"; ctx.beginPath(); ctx.arc(W - 16, 3, 2.5, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = "#facc15"; ctx.font = "bold 11px sans-serif"; ctx.textAlign = "center"; ctx.fillText("HQ", W / 2, H - 8);
      break;
    }
    case "power_plant": {
      ctx.fillStyle = d; rr(ctx, 4, 8, W - 8, H - 12, 3); ctx.fill();
      ctx.fillStyle = c; rr(ctx, 5, 9, W - 10, H - 14, 3); ctx.fill();
      for (const [x, y] of [[W * 0.32, H * 0.4], [W * 0.68, H * 0.4]]) {
        ctx.fillStyle = "#d4d4d8"; ctx.beginPath(); ctx.arc(x, y, 8, 0, Math.PI * 2); ctx.fill();
        ctx.fillStyle = "#3f3f46"; ctx.beginPath(); ctx.arc(x, y, 5, 0, Math.PI * 2); ctx.fill();
        if (!opts.stale && opts.built >= 1) {
          const p = (time / 1200 + x / 50) % 1;
          ctx.fillStyle = `rgba(240,240,240,${0.5 * (1 - p)})`;
          ctx.beginPath(); ctx.arc(x + p * 4, y - 4 - p * 14, 4 + p * 6, 0, Math.PI * 2); ctx.fill();
        }
      }
      ctx.fillStyle = "#facc15"; ctx.beginPath();
      ctx.moveTo(W / 2 + 2, H - 20); ctx.lineTo(W / 2 - 5, H - 10); ctx.lineTo(W / 2, H - 10); ctx.lineTo(W / 2 - 3, H - 3);
      ctx.lineTo(W / 2 + 5, H - 13); ctx.lineTo(W / 2, H - 13); ctx.closePath(); ctx.fill();
      break;
    }
    case "barracks": {
      ctx.fillStyle = d; ctx.beginPath(); ctx.moveTo(5, H - 6); ctx.lineTo(W / 2, 6); ctx.lineTo(W - 5, H - 6); ctx.closePath(); ctx.fill();
      ctx.fillStyle = c; ctx.beginPath(); ctx.moveTo(9, H - 8); ctx.lineTo(W / 2, 10); ctx.lineTo(W - 9, H - 8); ctx.closePath(); ctx.fill();
      ctx.strokeStyle = d; ctx.lineWidth = 1.5; ctx.beginPath(); ctx.moveTo(W / 2, 10); ctx.lineTo(W / 2, H - 8); ctx.stroke();
      ctx.fillStyle = "#1f2937"; ctx.beginPath(); ctx.moveTo(W / 2 - 7, H - 8); ctx.lineTo(W / 2, H - 22); ctx.lineTo(W / 2 + 7, H - 8); ctx.fill();
      ctx.strokeStyle = "#d4d4d8"; ctx.lineWidth = 1.5; ctx.beginPath(); ctx.moveTo(W - 8, 4); ctx.lineTo(W - 8, 20); ctx.stroke();
      ctx.fillStyle = c; ctx.beginPath(); ctx.moveTo(W - 8, 4); ctx.lineTo(W - 8 + 9 + Math.sin(time / 200) * 1.5, 7); ctx.lineTo(W - 8, 10); ctx.fill();
      break;
    }
    case "refinery": {
      ctx.fillStyle = "#3f3f46"; ctx.fillRect(W * 0.45, 6, W * 0.5, H - 12); // pad
      ctx.strokeStyle = "#facc15"; ctx.lineWidth = 2; ctx.setLineDash([4, 3]); ctx.strokeRect(W * 0.48, 9, W * 0.44, H - 18); ctx.setLineDash([]);
      ctx.fillStyle = d; rr(ctx, 5, 6, W * 0.4, H - 12, 3); ctx.fill();
      ctx.fillStyle = c; rr(ctx, 6, 7, W * 0.4 - 2, H - 14, 3); ctx.fill();
      ctx.fillStyle = "#d4d4d8"; ctx.beginPath(); ctx.arc(W * 0.25, H / 2, 11, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = "#eab308"; ctx.beginPath(); ctx.arc(W * 0.25, H / 2, 7, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = "#a16207"; ctx.beginPath(); ctx.arc(W * 0.25 - 2, H / 2 - 2, 3, 0, Math.PI * 2); ctx.fill();
      break;
    }
    case "war_factory": {
      ctx.fillStyle = d; rr(ctx, 5, 5, W - 10, H - 10, 4); ctx.fill();
      ctx.fillStyle = c; rr(ctx, 7, 7, W - 14, H - 24, 4); ctx.fill();
      ctx.fillStyle = "#27272a"; ctx.fillRect(W * 0.25, H - 28, W * 0.5, 22);
      ctx.strokeStyle = "#52525b"; ctx.lineWidth = 1;
      for (let y = H - 26; y < H - 6; y += 4) { ctx.beginPath(); ctx.moveTo(W * 0.25, y); ctx.lineTo(W * 0.75, y); ctx.stroke(); }
      ctx.fillStyle = "#e5e7eb";
      for (let i = 0; i < 3; i++) ctx.fillRect(14 + i * 22, 12, 14, 6);
      // chimney
      ctx.fillStyle = "#3f3f46"; ctx.fillRect(W - 20, 8, 8, 14);
      break;
    }
    case "defense_turret": {
      ctx.fillStyle = d; ctx.beginPath(); ctx.arc(W / 2, H / 2, 13, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = c; ctx.beginPath(); ctx.arc(W / 2, H / 2, 10, 0, Math.PI * 2); ctx.fill();
      ctx.save(); ctx.translate(W / 2, H / 2); ctx.rotate(opts.aim ?? -Math.PI / 4);
      ctx.fillStyle = "#111827"; ctx.fillRect(0, -2, 15, 4);
      ctx.fillStyle = "#27272a"; ctx.beginPath(); ctx.arc(0, 0, 5.5, 0, Math.PI * 2); ctx.fill();
      ctx.restore();
      break;
    }
    default: {
      ctx.fillStyle = c; ctx.fillRect(6, 6, W - 12, H - 12);
    }
  }
  // soft light from the top left
  const light = ctx.createLinearGradient(0, 0, W, H);
  light.addColorStop(0, "rgba(255,255,255,0.14)"); light.addColorStop(0.5, "rgba(255,255,255,0)"); light.addColorStop(1, "rgba(0,0,0,0.22)");
  ctx.fillStyle = light; rr(ctx, 2, 2, W - 4, H - 4, 3); ctx.fill();
  ctx.restore();
}

/** Small icon for sidebar buttons: draws the sprite into the button's canvas; `size` [w, h] in tiles (buildings). */
export function drawIcon(canvas, kind, name, owner, size = [2, 2]) {
  const ctx = canvas.getContext("2d");
  const s = canvas.width;
  ctx.clearRect(0, 0, s, s);
  ctx.save();
  if (kind === "building") {
    const sz = size;
    const scale = (s - 4) / (Math.max(sz[0], sz[1]) * TILE_PX);
    ctx.translate((s - sz[0] * TILE_PX * scale) / 2, (s - sz[1] * TILE_PX * scale) / 2);
    ctx.scale(scale, scale);
    drawBuilding(ctx, name, owner, sz[0], sz[1], 0, { built: 1 });
  } else {
    ctx.translate(s / 2, s / 2);
    const scale = s / 34;
    ctx.scale(scale, scale);
    drawUnit(ctx, name, owner, -Math.PI / 4, 0);
  }
  ctx.restore();
}

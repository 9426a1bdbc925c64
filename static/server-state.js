// Server-state store: what the server said, nothing else. Applies `welcome` (seat, map, rules
// table, tick rate), WIRE.md `state` and `delta` messages (with `mv` moves and mask flips);
// keeps a short history of unit positions for interpolation, decodes fog bit masks and tracks
// terrain resources.

export function decodeMask(b64, n) {
  const out = new Uint8Array(n);
  if (!b64) return out;
  let bin;
  try { bin = atob(b64); } catch { return out; }
  for (let i = 0; i < n; i++) {
    const byte = bin.charCodeAt(i >> 3);
    if (byte & (1 << (i & 7))) out[i] = 1;
  }
  return out;
}

// Positions travel in deltas as whole hundredths of a tile (docs/WIRE.md `mv`); dividing the
// integer gives exactly the number the server's full state holds.
const POSITION_SCALE = 100;
function moveBy(v, d) { return (Math.round(v * POSITION_SCALE) + d) / POSITION_SCALE; }

// A delta's effects (`fx`) are rows of these fields' values, cut after the last one present
// (docs/WIRE.md); an object in their place is an effect sent whole.
const EFFECT_FIELDS = ["kind", "from", "x", "y", "tx", "ty", "weapon", "to", "ticks"];
export function effectFromRow(row) {
  if (!Array.isArray(row)) return row;
  const e = {};
  row.forEach((v, i) => { if (i < EFFECT_FIELDS.length) e[EFFECT_FIELDS[i]] = v; });
  return e;
}

/** A copy of a decoded mask with the tiles of `runs` (gap, length, gap, length...) flipped.
 *  A copy, not in place: the renderer redraws the fog when the mask object changes. */
export function flipRuns(mask, runs) {
  const out = mask ? mask.slice() : new Uint8Array(0);
  let pos = 0;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    pos += runs[i];
    const end = Math.min(out.length, pos + runs[i + 1]);
    for (let j = pos; j < end; j++) out[j] ^= 1;
    pos += runs[i + 1];
  }
  return out;
}

export class ServerState {
  constructor() {
    this.reset();
    this.map = null;        // {width, height, tiles}
    this.tiles = null;      // array of chars (current terrain, mined-out ore becomes grass)
    this.resources = {};    // tile index -> amount (0 = mined out)
    this.onTerrainChange = null;
    // from `welcome`
    this.room = null;
    this.playerId = null;   // null: spectator
    this.role = "player";
    this.welcomed = false;
    this.difficulty = "normal";
    this.seatPlayers = [];  // welcome.players: [{id, kind, connected}]
    this.rules = null;      // the balance table (PROTOCOL.md "Rules on the wire"), exactly as sent
    this.tickRate = null;   // ticks per second
  }

  /** Take a `welcome`. Returns true when it is another room (or the first): the map was replaced. */
  applyWelcome(m) {
    const newRoom = !(this.room === m.room && this.map);
    this.welcomed = true;
    this.room = m.room;
    this.playerId = m.player ?? null;
    this.role = m.role || (this.playerId === null ? "spectator" : "player");
    this.difficulty = m.difficulty || "normal";
    this.seatPlayers = (m.players || []).map((p) => ({ ...p }));
    this.rules = m.rules;
    this.tickRate = m.tick_rate;
    this.replayUrl = m.replay || null;   // where this game's replay is (games are recorded)
    this.restored = !!m.restored;        // the server restarted and rebuilt this game from its log
    this.reset();
    if (newRoom) this.setMap(m.map);
    return newRoom;
  }

  /** A `player_joined` event: that seat is human now. */
  noteJoined(playerId) {
    const p = this.seatPlayers.find((q) => q.id === playerId);
    if (p) p.kind = "human";
  }

  get isSpectator() { return this.role === "spectator" || (this.welcomed && this.playerId === null); }
  get lowPower() { const p = this.player; return !!(p && p.power && p.power.used > p.power.produced); }
  /** Milliseconds per server tick, from the welcome's tick rate. */
  get tickMs() { return 1000 / this.tickRate; }

  /** Size [w, h] in tiles of a building type, from the rules table. */
  buildingSize(type) {
    const b = this.rules && this.rules.buildings[type];
    return b ? [b.w, b.h] : [2, 2];
  }

  /** True when the player owns a finished, seen building of this type. */
  ownsBuilt(type) {
    for (const b of this.buildings.values()) if (b.owner === this.playerId && b.type === type && !b.stale && (b.built ?? 1) >= 1) return true;
    return false;
  }

  ownUnitIds(ids) {
    return ids.filter((id) => { const u = this.units.get(id); return u && u.owner === this.playerId; });
  }

  reset() {
    this.tick = -1;
    this.player = null;
    this.players = null;    // spectators: every player's credits and power
    this.units = new Map();
    this.buildings = new Map();
    // keep the fog masks of the map we hold (a reconnect shows the old fog until the next full state)
    if (!this.map) { this.explored = null; this.visible = null; }
    this.gameOver = null;
    this.history = [];      // [{tick, t, pos: Map(id -> [x, y])}]
    this.awaitingFull = true;
  }

  setMap(map) {
    this.map = map;
    this.tiles = Array.from(map.tiles || "");
    const n = map.width * map.height;
    this.explored = new Uint8Array(n);
    this.visible = new Uint8Array(n);
    this.resources = {};
  }

  get n() { return this.map ? this.map.width * this.map.height : 0; }

  /** Apply a full state. Returns the list of effects of this tick. */
  applyFull(msg, now) {
    this.tick = msg.tick;
    this.player = msg.player ?? null;
    this.players = msg.players ?? null;
    this.units = new Map((msg.units || []).map((u) => [u.id, u]));
    this.buildings = new Map((msg.buildings || []).map((b) => [b.id, b]));
    if (msg.explored !== undefined) this.explored = decodeMask(msg.explored, this.n);
    if (msg.visible !== undefined) this.visible = decodeMask(msg.visible, this.n);
    this._applyResources(msg.resources);
    this.gameOver = msg.game_over ?? null;
    this.awaitingFull = false;
    this._snapshot(now);
    return msg.effects || [];
  }

  /** Apply a delta. Returns effects, or null when the base does not match (caller asks a snapshot). */
  applyDelta(msg, now) {
    if (this.awaitingFull || msg.base !== this.tick) return null;
    this.tick = msg.tick;
    if ("player" in msg) this.player = msg.player;
    if ("players" in msg) this.players = msg.players;
    for (const [key, store] of [["units", this.units], ["buildings", this.buildings]]) {
      const d = msg[key];
      if (!d) continue;
      for (const id of d.del || []) store.delete(id);
      for (const e of d.set || []) store.set(e.id, e);
      // `upd` carries only the changed fields of an entity we hold.
      for (const e of d.upd || []) {
        const prev = store.get(e.id);
        if (prev) store.set(e.id, { ...prev, ...e });
      }
      // `mv`: id, dx, dy, ... in hundredths of a tile, from the position we hold.
      const mv = d.mv || [];
      for (let i = 0; i + 2 < mv.length; i += 3) {
        const prev = store.get(mv[i]);
        if (prev) store.set(mv[i], { ...prev, x: moveBy(prev.x, mv[i + 1]), y: moveBy(prev.y, mv[i + 2]) });
      }
    }
    if (msg.explored !== undefined) this.explored = decodeMask(msg.explored, this.n);
    if (msg.visible !== undefined) this.visible = decodeMask(msg.visible, this.n);
    if (msg.explored_flips) this.explored = flipRuns(this.explored, msg.explored_flips);
    if (msg.visible_flips) this.visible = flipRuns(this.visible, msg.visible_flips);
    this._applyResources(msg.resources);
    if ("game_over" in msg) this.gameOver = msg.game_over;
    this._snapshot(now);
    if (msg.fx) return msg.fx.map(effectFromRow);
    return msg.effects || [];
  }

  _applyResources(res) {
    if (!res || !this.map) return;
    const changed = [];
    for (const [k, v] of Object.entries(res)) {
      const idx = Number(k);
      if (v === null) {  // grown back to full: no longer tracked
        if (idx in this.resources) { delete this.resources[idx]; changed.push(idx); }
      } else if (this.resources[idx] !== v) { this.resources[idx] = v; changed.push(idx); }
    }
    if (changed.length && this.onTerrainChange) this.onTerrainChange(changed);
  }

  _snapshot(now) {
    const pos = new Map();
    for (const u of this.units.values()) pos.set(u.id, [u.x, u.y]);
    this.history.push({ tick: this.tick, t: now, pos });
    if (this.history.length > 8) this.history.shift();
  }

  /** Drop interpolation history so the next frame shows the newest state (e.g. back from a background tab). */
  jumpToNewest() {
    if (this.history.length > 1) this.history = this.history.slice(-1);
  }

  isExplored(x, y) {
    if (!this.map || x < 0 || y < 0 || x >= this.map.width || y >= this.map.height) return false;
    return !!this.explored[y * this.map.width + x];
  }
  isVisible(x, y) {
    if (!this.map || x < 0 || y < 0 || x >= this.map.width || y >= this.map.height) return false;
    return !!this.visible[y * this.map.width + x];
  }
  tileAt(x, y) {
    if (!this.map || x < 0 || y < 0 || x >= this.map.width || y >= this.map.height) return null;
    const i = y * this.map.width + x;
    const c = this.tiles[i];
    if ((c === "o" || c === "*") && this.resources[i] === 0) return ".";
    return c;
  }
}

// The replay page (/replays/{id}): the game's own stores and renderer, fed with frames the server
// computes from the game log (GET /api/replays/{id}/frames: one `state` then `delta`s, WIRE.md).
// Frames are shown 20 per second whatever the speed; at speed ×S the server steps S ticks between
// two frames, so the renderer's tick clock runs S times faster (tick rate × S). A seek drops the
// buffered frames and asks for frames from the new tick: the server starts from its nearest keyframe.
import { ServerState } from "./server-state.js";
import { UiState } from "./ui-state.js";
import { Renderer } from "./render.js";
import { describeAction } from "./describe.js";
import { setLang, normalizeLang } from "./i18n/index.js";
import { TILE_PX } from "./sprites.js";
import { rs, applyReplayDom } from "./replay-strings.js";

const FRAME_MS = 50;     // one frame shown every 50 ms
const CHUNK = 40;        // frames asked for at once (2 s of playback)
const LOW_WATER = 20;    // ask for more when fewer frames than this are buffered

function clock(ticks, rate) {
  const s = Math.floor(ticks / rate), m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

class ReplayPlayer {
  constructor(root) {
    this.id = root.dataset.game;
    this.viewer = Math.random().toString(36).slice(2, 10);
    this.server = new ServerState();
    this.ui = new UiState();
    this.canvas = document.getElementById("game-canvas");
    this.minimap = document.getElementById("minimap");
    this.renderer = new Renderer(this.canvas, this.minimap, this.server, this.ui);
    this.server.onTerrainChange = (idx) => this.renderer.onTerrainChange(idx);
    this.info = null;
    this.rate = 20;
    this.speed = 1;
    this.view = "all";
    this.playing = false;
    this.buffer = [];
    this.gen = 0;            // bumped by every seek / speed / view change: late answers are dropped
    this.fetching = false;
    this.nextTick = 0;
    this.end = 0;
    this.live = false;
    this.tick = 0;
    this.acc = 0;
    this.framesApplied = 0;
    this.seeks = 0;
    this.desync = null;
    this.checked = 0;
    this.error = null;
    this.ready = false;
    this.timelineItems = [];
    this.lastMark = -1;
    this.bindControls();
    this.exposeHook();
  }

  // ---------- start ----------
  async start() {
    this.setStatus(rs("loading"));
    let res, body;
    try {
      res = await fetch(`/api/replays/${encodeURIComponent(this.id)}/info`);
      body = await res.json();
    } catch (e) { return this.fail(String(e)); }
    if (!res.ok) return this.fail(res.status === 404 ? rs("unknown") : body.error || res.statusText);
    this.info = body;
    this.rate = body.tick_rate;
    this.end = body.game.ticks;
    this.live = body.game.status === "live";
    const seek = document.getElementById("seek");
    seek.max = String(this.end);
    seek.disabled = false;
    document.getElementById("play-btn").disabled = false;
    this.welcome();
    this.buildTimeline();
    this.renderer.resize();
    this.ui.camera.centerOn(this.info.map.width / 2, this.info.map.height / 2);
    await this.seek(0);
    this.ready = true;
    this.updateStatus();
    this.lastFrame = performance.now();
    requestAnimationFrame(() => this.frame());
  }

  /** (Re)seat the stores for the chosen view, as a `welcome` would. */
  welcome() {
    const player = this.view === "all" ? null : Number(this.view);
    const info = this.info;
    const newRoom = this.server.applyWelcome({
      room: this.id, player, role: player === null ? "spectator" : "player", map: info.map, rules: info.rules,
      tick_rate: info.tick_rate * this.speed, difficulty: info.game.difficulty,
      players: info.game.players.map((kind, id) => ({ id, kind, connected: false })),
    });
    if (newRoom) {
      this.renderer.buildTerrain();
      this.ui.camera.setMap(info.map.width, info.map.height);
      this.ui.resetForRoom();
    }
    this.renderer.onVisible();
  }

  fail(message) {
    this.error = message;
    const box = document.getElementById("replay-message");
    box.textContent = message;
    box.classList.remove("hidden");
    this.setStatus("");
  }

  // ---------- frames ----------
  async fill() {
    if (this.fetching || this.error || this.buffer.length >= LOW_WATER) return;
    if (this.nextTick > this.end && !this.live) return;
    const gen = this.gen;
    this.fetching = true;
    const q = `from=${this.nextTick}&stride=${this.speed}&count=${CHUNK}&view=${this.view}&viewer=${this.viewer}`;
    try {
      const res = await fetch(`/api/replays/${encodeURIComponent(this.id)}/frames?${q}`);
      const body = await res.json();
      if (gen !== this.gen) return;
      if (!res.ok) { this.fail(body.error || res.statusText); return; }
      this.end = body.end;
      this.live = body.live;
      document.getElementById("seek").max = String(this.end);
      if (body.desync !== null && body.desync !== undefined) this.desync = this.desync === null ? body.desync : Math.min(this.desync, body.desync);
      this.checked = body.checked;
      const frames = body.frames;
      if (frames.length) {
        this.buffer.push(...frames);
        const last = frames[frames.length - 1].tick;
        this.nextTick = last >= this.end ? (this.live ? last + this.speed : this.end + 1) : last + this.speed;
      }
      this.updateStatus();
    } catch (e) {
      if (gen === this.gen) this.fail(String(e));
    } finally {
      if (gen === this.gen) this.fetching = false;
    }
  }

  apply(frame, now) {
    const fx = frame.type === "state" ? this.server.applyFull(frame, now) : this.server.applyDelta(frame, now);
    if (fx === null) return false;   // a delta on the wrong base: cannot happen within one chunk
    this.tick = frame.tick;
    this.renderer.noteTick(frame.tick, now);
    if (fx.length && !document.hidden) this.renderer.addEffects(fx, now);
    this.renderer.onState();
    this.framesApplied++;
    return true;
  }

  async seek(tick) {
    tick = Math.max(0, Math.min(this.end, Math.round(tick)));
    this.gen++;
    this.seeks++;
    this.buffer = [];
    this.fetching = false;
    this.nextTick = tick;
    this.seeking = true;
    const gen = this.gen;
    await this.fill();
    if (gen !== this.gen) return;
    this.seeking = false;
    this.renderer.onVisible();
    const first = this.buffer.shift();
    if (first) this.apply(first, performance.now());
    this.acc = 0;
    this.updateTime();
    this.markTimeline(true);
  }

  setSpeed(speed) {
    this.speed = speed;
    this.server.tickRate = this.rate * speed;   // the renderer interpolates on the faster clock
    this.seek(this.tick);
  }

  setView(view) {
    this.view = view;
    this.welcome();
    this.seek(this.tick);
  }

  togglePlay(on = !this.playing) {
    if (on && this.tick >= this.end && !this.live) this.seek(0);
    this.playing = on;
    document.getElementById("play-btn").textContent = rs(on ? "pause_btn" : "play_btn");
    document.getElementById("play-btn").dataset.state = on ? "playing" : "paused";
  }

  // ---------- frame loop ----------
  frame() {
    const now = performance.now();
    const dt = Math.min(250, now - this.lastFrame);
    this.lastFrame = now;
    if (this.playing && !this.seeking) {
      this.acc += dt;
      while (this.acc >= FRAME_MS && this.buffer.length) {
        this.apply(this.buffer.shift(), now);
        this.acc -= FRAME_MS;
      }
      if (!this.buffer.length) this.acc = Math.min(this.acc, FRAME_MS);
      if (this.tick >= this.end && !this.buffer.length && !this.live) this.togglePlay(false);
      this.updateTime();
      this.markTimeline(false);
    }
    this.fill();
    try { this.renderer.draw(now); } catch (e) { console.warn("draw failed", e); }
    requestAnimationFrame(() => this.frame());
  }

  // ---------- controls ----------
  bindControls() {
    document.getElementById("play-btn").addEventListener("click", () => this.togglePlay());
    document.getElementById("speed-select").addEventListener("change", (e) => this.setSpeed(Number(e.target.value)));
    document.getElementById("view-select").addEventListener("change", (e) => this.setView(e.target.value));
    const seek = document.getElementById("seek");
    seek.addEventListener("input", () => { document.getElementById("replay-time").textContent = this.timeText(Number(seek.value)); });
    seek.addEventListener("change", () => this.seek(Number(seek.value)));
    window.addEventListener("keydown", (e) => {
      if (e.target && e.target.tagName === "SELECT") return;
      if (e.key === " ") { e.preventDefault(); this.togglePlay(); }
      const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
      if (step) { e.preventDefault(); this.ui.camera.scroll(step[0] * 4 * TILE_PX, step[1] * 4 * TILE_PX); }
    });
    // drag the map to look around; click the minimap to go there
    let drag = null;
    this.canvas.addEventListener("pointerdown", (e) => { drag = [e.clientX, e.clientY]; this.canvas.setPointerCapture(e.pointerId); });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      this.ui.camera.scroll(drag[0] - e.clientX, drag[1] - e.clientY);
      drag = [e.clientX, e.clientY];
    });
    this.canvas.addEventListener("pointerup", () => { drag = null; });
    this.minimap.addEventListener("pointerdown", (e) => {
      if (!this.info) return;
      const r = this.minimap.getBoundingClientRect();
      this.ui.camera.centerOn((e.clientX - r.left) / r.width * this.info.map.width, (e.clientY - r.top) / r.height * this.info.map.height);
    });
    const onResize = () => this.renderer.resize();
    window.addEventListener("resize", onResize);
    if (window.ResizeObserver) new ResizeObserver(onResize).observe(this.canvas.parentElement);
  }

  timeText(tick) { return `${clock(tick, this.rate)} / ${clock(this.end, this.rate)}`; }

  updateTime() {
    document.getElementById("replay-time").textContent = this.timeText(this.tick);
    const seek = document.getElementById("seek");
    if (document.activeElement !== seek) seek.value = String(this.tick);
    this.updateHud();
  }

  updateHud() {
    const s = this.server, hud = document.getElementById("replay-hud");
    const players = s.players || (s.player ? [s.player] : []);
    hud.replaceChildren(...players.map((p) => {
      const line = document.createElement("div");
      line.className = "p" + p.id;
      const power = p.power ? ` · ⚡ ${p.power.used}/${p.power.produced}` : "";
      line.textContent = `${rs("p", { n: p.id + 1 })}: ${p.credits} ${rs("credits")}${power}`;
      return line;
    }));
    if (s.gameOver) {
      const line = document.createElement("div");
      const w = s.gameOver.winner;
      line.textContent = `${rs("end")}: ${w === null || w === undefined ? rs("draw") : rs("winner_is", { n: w + 1 })}`;
      hud.appendChild(line);
    }
  }

  setStatus(text) { document.getElementById("replay-status").textContent = text; }

  updateStatus() {
    const parts = [];
    if (this.live) parts.push(rs("live"));
    if (this.checked) parts.push(rs("checked", { n: this.checked }));
    this.setStatus(parts.join(" · "));
    const box = document.getElementById("replay-message");
    if (this.desync !== null && !this.error) {
      box.textContent = rs("desync", { time: clock(this.desync, this.rate) });
      box.classList.remove("hidden");
      box.dataset.kind = "desync";
    }
  }

  // ---------- timeline: the orders in words ----------
  buildTimeline() {
    const list = document.getElementById("timeline");
    const items = [];
    for (const e of this.info.timeline) {
      const li = document.createElement("li");
      li.dataset.tick = String(e.tick);
      li.dataset.kind = e.kind;
      if (e.player === 0 || e.player === 1) li.classList.add("p" + e.player);
      const tt = document.createElement("span");
      tt.className = "tt";
      tt.textContent = clock(e.tick, this.rate);
      li.appendChild(tt);
      if (e.player === 0 || e.player === 1) {
        const who = document.createElement("span");
        who.className = "who";
        who.textContent = rs("p", { n: e.player + 1 }) + " ";
        li.appendChild(who);
      }
      li.appendChild(this.describe(e));
      li.addEventListener("click", () => this.seek(e.tick));
      items.push(li);
    }
    list.replaceChildren(...items);
    this.timelineItems = items;
  }

  describe(e) {
    const span = document.createElement("span");
    if (e.kind === "order") { span.textContent = describeAction(e.action); return span; }
    if (e.kind === "nl") {
      const words = document.createElement("span");
      words.className = "words";
      words.textContent = `“${e.text}” `;
      span.appendChild(words);
      const acts = e.actions || [];
      if (!acts.length) span.append(`${rs("became")} ${e.message || rs("nothing")}`);
      acts.forEach((a, i) => {
        const r = (e.results || [])[i];
        const part = document.createElement("span");
        part.className = r && r.ok === false ? "bad" : "good";
        part.textContent = `${rs("became")} ${describeAction(a)}${r && r.ok === false ? ` (${rs("refused")}: ${r.error || "?"})` : ""} `;
        span.appendChild(part);
      });
      return span;
    }
    if (e.kind === "seat") { span.textContent = rs("seat", { players: (e.players || []).join(" / ") }); return span; }
    if (e.kind === "restored") { span.textContent = rs("restored"); return span; }
    if (e.kind === "end") {
      span.textContent = `${rs("end")}: ${e.winner === null || e.winner === undefined ? rs("draw") : rs("winner_is", { n: e.winner + 1 })}`;
      return span;
    }
    span.textContent = e.kind;
    return span;
  }

  /** Entries up to the current tick look played; the last of them is marked and kept in sight. */
  markTimeline(scroll) {
    const items = this.timelineItems;
    let lo = 0, hi = items.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (Number(items[mid].dataset.tick) <= this.tick) lo = mid + 1; else hi = mid; }
    const mark = lo - 1;
    if (mark === this.lastMark) return;
    for (let i = 0; i < items.length; i++) {
      items[i].classList.toggle("past", i <= mark);
      items[i].classList.toggle("now", i === mark);
    }
    this.lastMark = mark;
    if ((scroll || this.playing) && mark >= 0) items[mark].scrollIntoView({ block: "nearest" });
  }

  // ---------- test hook ----------
  exposeHook() {
    const p = this;
    window.__replay = Object.freeze({
      get ready() { return p.ready; },
      get tick() { return p.tick; },
      get end() { return p.end; },
      get playing() { return p.playing; },
      get speed() { return p.speed; },
      get view() { return p.view; },
      get framesApplied() { return p.framesApplied; },
      get seeking() { return !!p.seeking; },
      get desync() { return p.desync; },
      get checked() { return p.checked; },
      get error() { return p.error; },
      get isSpectator() { return p.server.isSpectator; },
      get playerId() { return p.server.playerId; },
      get units() { return [...p.server.units.values()].map((u) => ({ id: u.id, owner: u.owner, type: u.type })); },
      get buildings() { return [...p.server.buildings.values()].map((b) => ({ id: b.id, owner: b.owner, type: b.type, stale: !!b.stale })); },
      visibleTiles() { return p.server.visible ? p.server.visible.reduce((a, v) => a + v, 0) : 0; },
    });
  }
}

window.addEventListener("DOMContentLoaded", () => {
  setLang(normalizeLang(localStorage.getItem("rts.lang")) || normalizeLang(navigator.language) || "en");
  applyReplayDom();
  const root = document.getElementById("app");
  const player = new ReplayPlayer(root);
  if (root.dataset.known !== "yes") { player.fail(rs("unknown")); return; }
  player.start();
});

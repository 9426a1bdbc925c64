// Sound effects, generated with the Web Audio API (oscillators and filtered noise: no files, no
// licences): shots by weapon, explosions, construction complete, unit ready, under attack, low
// power, superweapon ready and launch. Volume and mute live in localStorage. Nothing plays and no
// AudioContext exists before the player's first click or key press (browsers' autoplay rule).
import { t } from "./i18n/index.js";

const VOLUME_KEY = "rts.sound.volume";
const MUTED_KEY = "rts.sound.muted";
const DEFAULT_VOLUME = 0.5;
const MIN_GAP_MS = { bullet: 45, shell: 70, artillery: 120, missile: 90, explosion: 80 };  // per kind
const VOICES_MAX = 24;          // sounds playing at once; more are skipped (a big battle stays a sound, not a roar)

export class SoundBoard {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    const v = parseFloat(storage.getItem(VOLUME_KEY));
    this.volume = Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : DEFAULT_VOLUME;
    this.muted = storage.getItem(MUTED_KEY) === "1";
    this.ctx = null;              // made on the first interaction
    this.master = null;
    this.noise = null;
    this.last = {};
    this.voices = 0;
    this.played = {};             // kind -> count (tests and the debug hook)
    this.listeners = [];
    const unlock = () => this.unlock();
    for (const ev of ["pointerdown", "keydown", "touchstart"]) window.addEventListener(ev, unlock, { capture: true, once: false });
    this._unlockHandler = unlock;
  }

  /** The first user gesture: make the AudioContext (allowed now) and stop listening. */
  unlock() {
    if (this.ctx) return;
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      this.ctx = new AC();
    } catch { return; }
    this.master = this.ctx.createGain();
    this.master.gain.value = this.muted ? 0 : this.volume;
    this.master.connect(this.ctx.destination);
    const len = Math.floor(this.ctx.sampleRate * 1.0);
    this.noise = this.ctx.createBuffer(1, len, this.ctx.sampleRate);
    const data = this.noise.getChannelData(0);
    let seed = 12345;
    for (let i = 0; i < len; i++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; data[i] = (seed / 0x3fffffff) - 1; }
    for (const ev of ["pointerdown", "keydown", "touchstart"]) window.removeEventListener(ev, this._unlockHandler, { capture: true });
  }

  get unlocked() { return !!this.ctx; }

  setVolume(v) {
    this.volume = Math.max(0, Math.min(1, v));
    this.storage.setItem(VOLUME_KEY, String(this.volume));
    this._apply();
  }

  setMuted(m) {
    this.muted = !!m;
    this.storage.setItem(MUTED_KEY, this.muted ? "1" : "0");
    this._apply();
  }

  onChange(fn) { this.listeners.push(fn); }

  _apply() {
    if (this.master) this.master.gain.setTargetAtTime(this.muted ? 0 : this.volume, this.ctx.currentTime, 0.02);
    for (const fn of this.listeners) fn();
  }

  /** May a sound of this kind start now? (unlocked, not muted, not too soon after the last, voices free) */
  _may(kind) {
    if (!this.ctx || this.muted || this.volume <= 0) return false;
    const now = performance.now();
    const gap = MIN_GAP_MS[kind] || 0;
    if (gap && this.last[kind] && now - this.last[kind] < gap) return false;
    if (this.voices >= VOICES_MAX) return false;
    this.last[kind] = now;
    this.played[kind] = (this.played[kind] || 0) + 1;
    return true;
  }

  _voice(seconds) {
    this.voices++;
    setTimeout(() => { this.voices--; }, seconds * 1000 + 50);
  }

  // ---------- building blocks ----------
  _tone(type, f0, f1, start, dur, gain, out) {
    const c = this.ctx, o = c.createOscillator(), g = c.createGain();
    o.type = type;
    o.frequency.setValueAtTime(f0, start);
    if (f1 !== f0) o.frequency.exponentialRampToValueAtTime(Math.max(1, f1), start + dur);
    g.gain.setValueAtTime(0.0001, start);
    g.gain.exponentialRampToValueAtTime(gain, start + Math.min(0.015, dur / 4));
    g.gain.exponentialRampToValueAtTime(0.0001, start + dur);
    o.connect(g).connect(out || this.master);
    o.start(start); o.stop(start + dur + 0.02);
  }

  _noise(filterType, f0, f1, start, dur, gain, q = 0.8, out) {
    const c = this.ctx, src = c.createBufferSource(), f = c.createBiquadFilter(), g = c.createGain();
    src.buffer = this.noise;
    f.type = filterType; f.Q.value = q;
    f.frequency.setValueAtTime(f0, start);
    if (f1 !== f0) f.frequency.exponentialRampToValueAtTime(Math.max(20, f1), start + dur);
    g.gain.setValueAtTime(gain, start);
    g.gain.exponentialRampToValueAtTime(0.0001, start + dur);
    src.connect(f).connect(g).connect(out || this.master);
    src.start(start, Math.random() * 0.5, dur + 0.05);
  }

  /** A gain for a sound at distance `d` (0 = on screen) from what the player looks at. */
  _near(d) { return d <= 0 ? 1 : Math.max(0.15, 1 - d / 40); }

  // ---------- the game's sounds ----------
  /** A shot fired by `weapon` (rules.WEAPONS key), `d` tiles off screen (0 = on screen). */
  shot(weapon, d = 0) {
    if (!this._may(weapon in MIN_GAP_MS ? weapon : "bullet")) return;
    const c = this.ctx, t0 = c.currentTime, k = this._near(d);
    switch (weapon) {
      case "shell":
        this._noise("lowpass", 1800, 300, t0, 0.22, 0.5 * k);
        this._tone("sine", 140, 50, t0, 0.2, 0.45 * k);
        return this._voice(0.25);
      case "artillery":
        this._noise("lowpass", 900, 120, t0, 0.5, 0.6 * k);
        this._tone("sine", 90, 35, t0, 0.45, 0.6 * k);
        return this._voice(0.5);
      case "missile":
        this._noise("bandpass", 700, 2600, t0, 0.35, 0.45 * k, 2.5);
        return this._voice(0.35);
      default:   // bullet
        this._noise("highpass", 2500, 1400, t0, 0.06, 0.3 * k);
        this._tone("square", 900, 300, t0, 0.04, 0.06 * k);
        return this._voice(0.08);
    }
  }

  explosion(d = 0, big = false) {
    if (!this._may("explosion")) return;
    const c = this.ctx, t0 = c.currentTime, k = this._near(d) * (big ? 1.2 : 1);
    this._noise("lowpass", 1400, 90, t0, big ? 1.4 : 0.8, 0.7 * k);
    this._tone("sine", 70, 28, t0, big ? 1.0 : 0.6, 0.6 * k);
    this._voice(big ? 1.4 : 0.8);
  }

  /** A game event (WIRE.md event kinds) that has a sound. */
  event(kind) {
    if (!this._may(kind)) return;
    const c = this.ctx, t0 = c.currentTime;
    switch (kind) {
      case "building_done":      // three rising notes
        [523, 659, 784].forEach((f, i) => this._tone("triangle", f, f, t0 + i * 0.11, 0.18, 0.3));
        return this._voice(0.6);
      case "unit_ready":
        this._tone("square", 440, 660, t0, 0.12, 0.12);
        this._tone("square", 660, 880, t0 + 0.13, 0.12, 0.12);
        return this._voice(0.3);
      case "under_attack":       // two-tone alarm, three times
        for (let i = 0; i < 3; i++) {
          this._tone("sawtooth", 880, 880, t0 + i * 0.3, 0.14, 0.12);
          this._tone("sawtooth", 660, 660, t0 + i * 0.3 + 0.15, 0.14, 0.12);
        }
        return this._voice(1.0);
      case "low_power":          // a falling hum, twice
        this._tone("sawtooth", 420, 140, t0, 0.5, 0.14);
        this._tone("sawtooth", 420, 140, t0 + 0.6, 0.5, 0.14);
        return this._voice(1.2);
      case "superweapon_ready":  // an arpeggio up
        [392, 523, 659, 784, 1046].forEach((f, i) => this._tone("sine", f, f, t0 + i * 0.09, 0.3, 0.25));
        return this._voice(0.9);
      case "superweapon_launched": { // siren up and down, then the blast
        const o = c.createOscillator(), g = c.createGain();
        o.type = "sawtooth";
        o.frequency.setValueAtTime(300, t0);
        o.frequency.linearRampToValueAtTime(900, t0 + 0.7);
        o.frequency.linearRampToValueAtTime(300, t0 + 1.4);
        g.gain.setValueAtTime(0.0001, t0); g.gain.exponentialRampToValueAtTime(0.14, t0 + 0.05);
        g.gain.setValueAtTime(0.14, t0 + 1.3); g.gain.exponentialRampToValueAtTime(0.0001, t0 + 1.45);
        o.connect(g).connect(this.master); o.start(t0); o.stop(t0 + 1.5);
        this._noise("lowpass", 1200, 60, t0 + 1.5, 2.0, 0.9);
        this._tone("sine", 60, 22, t0 + 1.5, 1.6, 0.8);
        return this._voice(3.6);
      }
      default:
        this.played[kind] -= 1;
        return undefined;
    }
  }

  stats() {
    return { unlocked: this.unlocked, muted: this.muted, volume: this.volume, played: { ...this.played },
             state: this.ctx ? this.ctx.state : "none" };
  }
}

/**
 * The sound settings at the bottom right of the map: a speaker button that mutes, and a volume slider; both
 * remembered by the SoundBoard.
 */
export function mountSoundSettings(parent, board, before = null) {
  const box = document.createElement("div");
  box.id = "sound-settings";
  box.dataset.testid = "sound-settings";
  const btn = document.createElement("button");
  btn.id = "sound-mute";
  btn.className = "small";
  btn.type = "button";
  btn.dataset.testid = "sound-mute";
  const slider = document.createElement("input");
  slider.id = "sound-volume";
  slider.type = "range"; slider.min = "0"; slider.max = "100"; slider.step = "5";
  slider.dataset.testid = "sound-volume";
  const render = () => {
    btn.replaceChildren(speakerIcon(board.muted || board.volume === 0 ? 0 : board.volume < 0.4 ? 1 : 2));
    btn.title = board.muted ? t("sound_unmute") : t("sound_mute");
    btn.setAttribute("aria-label", btn.title);
    btn.setAttribute("aria-pressed", board.muted ? "true" : "false");
    slider.value = String(Math.round(board.volume * 100));
    slider.title = t("sound_volume", { n: slider.value });
    slider.setAttribute("aria-label", t("sound_volume", { n: slider.value }));
    slider.disabled = board.muted;
  };
  btn.addEventListener("click", () => board.setMuted(!board.muted));
  slider.addEventListener("input", () => board.setVolume(Number(slider.value) / 100));
  board.onChange(render);
  render();
  box.append(btn, slider);
  parent.insertBefore(box, before);
  return { render };
}

/** A speaker drawn in SVG (emoji fonts are not everywhere): `waves` 0 = muted (a cross), 1 or 2 waves. */
function speakerIcon(waves) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "16"); svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  const path = (d, fill) => {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", fill ? "currentColor" : "none");
    p.setAttribute("stroke", "currentColor"); p.setAttribute("stroke-width", "2"); p.setAttribute("stroke-linecap", "round");
    svg.appendChild(p);
  };
  path("M4 9h4l5-4v14l-5-4H4z", true);
  if (waves === 0) path("M16 9l6 6M22 9l-6 6", false);
  if (waves >= 1) path("M16 9.5a3.5 3.5 0 0 1 0 5", false);
  if (waves >= 2) path("M18.5 7a7 7 0 0 1 0 10", false);
  return svg;
}

/** Sounds for this tick's effects: shots by weapon and explosions, softer the further from the view. */
export function soundEffects(board, effects, view) {
  if (!board.unlocked) return;
  for (const e of effects) {
    const x = e.from == null ? e.tx : e.x, y = e.from == null ? e.ty : e.y;
    const dx = Math.max(0, view.x0 - x, x - view.x1), dy = Math.max(0, view.y0 - y, y - view.y1);
    const d = Math.hypot(dx, dy);
    if (d > 30) continue;          // far off screen: silence keeps a big battle readable
    if (e.kind === "shot") board.shot(e.weapon || "bullet", d);
    else if (e.kind === "explosion") board.explosion(d, e.weapon === "artillery");
    else if (e.kind === "strike") board.explosion(d, true);
  }
}

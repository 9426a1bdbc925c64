// UI state: what this page chose, never what the server said: selection, camera, mode and
// placement ghost, drag box, hover, control groups. Panels subscribe to its changes.

import { TILE_PX } from "./sprites.js";

/** The view onto the map, in world pixels (TILE_PX per tile). */
export class Camera {
  constructor() {
    this.x = 0; this.y = 0;      // top-left corner
    this.w = 0; this.h = 0;      // view size in CSS pixels (set by the renderer on resize)
    this.mapW = 0; this.mapH = 0; // map size in tiles
  }
  setView(w, h) { this.w = w; this.h = h; this.clamp(); }
  setMap(width, height) { this.mapW = width; this.mapH = height; this.clamp(); }
  centerOn(tx, ty) {
    this.x = tx * TILE_PX - this.w / 2;
    this.y = ty * TILE_PX - this.h / 2;
    this.clamp();
  }
  /** World tiles -> page CSS pixels, for a canvas at `rect` (getBoundingClientRect). */
  toScreen(x, y, rect) { return { x: rect.left + x * TILE_PX - this.x, y: rect.top + y * TILE_PX - this.y }; }
  /** Page CSS pixels -> world tiles. */
  toWorld(cx, cy, rect) { return { x: (cx - rect.left + this.x) / TILE_PX, y: (cy - rect.top + this.y) / TILE_PX }; }
  scroll(dx, dy) { this.x += dx; this.y += dy; this.clamp(); }
  clamp() {
    if (!this.mapW) return;
    const maxX = this.mapW * TILE_PX - this.w, maxY = this.mapH * TILE_PX - this.h;
    this.x = Math.max(Math.min(0, maxX / 2), Math.min(Math.max(0, maxX), this.x));
    this.y = Math.max(Math.min(0, maxY / 2), Math.min(Math.max(0, maxY), this.y));
    if (maxX < 0) this.x = maxX / 2;   // map smaller than the view: centred
    if (maxY < 0) this.y = maxY / 2;
  }
}

export class UiState {
  constructor() {
    this.camera = new Camera();
    this.selection = new Set();   // entity ids
    this.groups = {};             // "1".."9" -> [unit ids]
    this.mode = null;             // {kind:"place",type} | {kind:"attack_move"} | {kind:"superweapon"}
    this.ghost = null;            // {type, tx, ty, legal, cells}: the placement preview under the cursor
    this.dragBox = null;          // {x0, y0, x1, y1} canvas pixels while box-selecting
    this.hoverId = null;          // entity under the cursor
    this.centeredOnce = false;    // camera went to the base after the first state of a room
    this.listeners = { selection: [], mode: [] };
  }

  on(what, fn) { this.listeners[what].push(fn); }
  _emit(what) { for (const fn of this.listeners[what]) fn(); }

  setMode(mode) {
    this.mode = mode;
    this.ghost = null;
    this._emit("mode");
  }

  select(ids, { add = false } = {}) {
    if (!add) this.selection.clear();
    for (const id of ids) this.selection.add(id);
    this._emit("selection");
  }
  toggle(id) {
    if (this.selection.has(id)) this.selection.delete(id); else this.selection.add(id);
    this._emit("selection");
  }
  clearSelection() { this.select([]); }

  /** Drop ids the server no longer reports (selection and nothing else: groups filter on use). */
  forgetGone(exists) {
    let changed = false;
    for (const id of [...this.selection]) if (!exists(id)) { this.selection.delete(id); changed = true; }
    if (changed) this._emit("selection");
  }

  /** Another room: nothing chosen in the last one applies. */
  resetForRoom() {
    this.selection.clear();
    this.groups = {};
    this.centeredOnce = false;
    this.setMode(null);
    this._emit("selection");
  }
}

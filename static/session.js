// Which room and seat this tab asks for: the URL (`?room=&as=`), sessionStorage (room, role,
// seat token per room) and the WebSocket URL built from them; "New game".

import { isFirstGame } from "./guide.js";

const ROOM_KEY = "rts.room";
const ROLE_KEY = "rts.as";
const TOKEN_KEY = "rts.token.";

export class RoomSession {
  constructor() {
    const params = new URLSearchParams(location.search);
    this.wantRole = params.get("as") === "spectator" ? "spectator" : "player";
    let room = params.get("room");
    if (!room) {
      // a reload of a page whose URL lost its room (should not happen: we keep it in the URL) -> sessionStorage
      const nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
      if (nav && nav.type === "reload") {
        room = sessionStorage.getItem(ROOM_KEY);
        if (sessionStorage.getItem(ROLE_KEY) === "spectator") this.wantRole = "spectator";
      }
    }
    this.room = room || null;    // the room to (re)join; null: the server makes a new one
    this.role = null;            // what the last welcome said
  }

  wsUrl(lang) {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = new URLSearchParams();
    if (this.room) {
      q.set("room", this.room);
      const token = sessionStorage.getItem(TOKEN_KEY + this.room);  // seat token: back into the same side
      if (token && this.wantRole !== "spectator") q.set("token", token);
    } else if (isFirstGame() && this.wantRole !== "spectator") {
      q.set("first_game", "1");   // a new room for someone who never played here: easy, and it attacks later
    }
    q.set("lang", lang);
    q.set("as", this.role === "spectator" || this.wantRole === "spectator" ? "spectator" : "player");
    return `${proto}//${location.host}/ws?${q.toString()}`;
  }

  /** Remember the welcome's room, role and seat token; put the room into the URL (never the token). */
  onWelcome(m, role) {
    this.room = m.room;
    this.role = role;
    sessionStorage.setItem(ROOM_KEY, m.room);
    sessionStorage.setItem(ROLE_KEY, role);
    if (m.token) sessionStorage.setItem(TOKEN_KEY + m.room, m.token);
    const q = new URLSearchParams(location.search);
    q.set("room", m.room);
    if (role === "spectator") q.set("as", "spectator"); else q.delete("as");
    history.replaceState(null, "", `${location.pathname}?${q.toString()}`);
  }

  /** The room is gone (closed after its grace period): the next connection starts a new one. */
  forgetRoom() {
    sessionStorage.removeItem(ROOM_KEY);
    this.room = null;
  }
}

/** Start a new room with this difficulty and go there (a plain new page if the server says no). */
export async function newGame(difficulty) {
  sessionStorage.removeItem(ROOM_KEY);
  sessionStorage.removeItem(ROLE_KEY);
  try {
    const r = await fetch("/api/rooms", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ difficulty, first_game: isFirstGame() }) });
    if (r.ok) {
      const j = await r.json();
      if (j.room) { location.href = `/?room=${encodeURIComponent(j.room)}`; return; }
    }
  } catch { /* fall back to a plain new page */ }
  location.href = "/";
}

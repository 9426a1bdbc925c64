// The top bar: credits and power (spectators: every player's), who the opponent is, the
// connection state (and the veil while reconnecting), latency, room links, difficulty, New game,
// the language menu and the help panel.
import { t, setLang, getLang } from "../i18n/index.js";
import { newGame } from "../session.js";
import { $, el } from "./dom.js";
import { toast } from "./notices.js";
import { ownerColor } from "../sprites.js";

export class TopBar {
  constructor({ serverState }) {
    this.server = serverState;
    this.connState = "connecting";
    this.connWaitUntil = 0;
    this.latency = null;
    this.bind();
  }

  bind() {
    $("lang-select").addEventListener("change", (e) => setLang(e.target.value));
    $("help-btn").addEventListener("click", () => $("help-panel").classList.toggle("hidden"));
    $("help-panel").addEventListener("click", () => $("help-panel").classList.add("hidden"));
    const copy = (btn) => {
      const url = btn.dataset.href;
      if (!url) return;
      const done = () => toast(t("link_copied", { url }));
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, () => toast(url));
      else toast(url);
    };
    $("invite-btn").addEventListener("click", () => copy($("invite-btn")));
    $("spectate-btn").addEventListener("click", () => copy($("spectate-btn")));
    $("new-game-btn").addEventListener("click", () => newGame($("difficulty-select").value));
  }

  onWelcome() {
    const s = this.server;
    document.body.classList.toggle("spectator", s.isSpectator);
    $("spectator-banner").classList.toggle("hidden", !s.isSpectator);
    $("difficulty-select").value = s.difficulty;
    const base = `${location.origin}/?room=${encodeURIComponent(s.room)}`;
    $("invite-btn").dataset.href = `${base}&as=player`;
    $("spectate-btn").dataset.href = `${base}&as=spectator`;
    this.renderOpponent();
  }

  renderOpponent() {
    const s = this.server, e = $("opponent");
    if (!s.seatPlayers.length || s.isSpectator) { e.textContent = ""; return; }
    const opp = s.seatPlayers.find((p) => p.id !== s.playerId);
    if (!opp) { e.textContent = ""; return; }
    e.textContent = opp.kind === "ai" ? t("vs_ai", { level: t(s.difficulty) }) : t("vs_human", { who: t("player_n", { n: opp.id }) });
  }

  updateHud() {
    const s = this.server, p = s.player;
    if (p) {
      $("credits").textContent = String(Math.floor(p.credits));
      const pw = p.power || { produced: 0, used: 0 };
      $("power-text").textContent = `${pw.used} / ${pw.produced}`;
      const low = pw.used > pw.produced;
      $("power-warn").classList.toggle("hidden", !low);
      $("power-box").classList.toggle("low", low);
    }
    const pb = $("players-box");
    if (s.isSpectator && s.players) {
      pb.classList.remove("hidden");
      const sig = JSON.stringify(s.players.map((q) => [q.id, Math.floor(q.credits), q.power]));
      if (pb.dataset.sig !== sig) {
        pb.dataset.sig = sig;
        pb.textContent = "";
        for (const q of s.players) {
          const sw = el("span", { class: "sw" });
          sw.style.background = ownerColor(q.id);
          pb.append(el("span", { class: "pchip", "data-player": String(q.id), title: t("player_n", { n: q.id }) }, sw,
            el("span", { text: `${t("player_n", { n: q.id })} · $${Math.floor(q.credits)} · ⚡${q.power ? q.power.used + "/" + q.power.produced : "?"}` })));
        }
      }
    } else pb.classList.add("hidden");
  }

  /** The socket's status: connecting | open | waiting (info.delay ms to the next try) | closed. */
  setConnection(status, info) {
    this.connState = status;
    this.connWaitUntil = status === "waiting" ? performance.now() + info.delay : 0;
    document.body.dataset.conn = status;
    if (status !== "open") this.setLatency(null);
    $("conn-dot").className = "dot " + (status === "open" ? "ok" : status === "waiting" || status === "closed" ? "bad" : "mid");
    this.renderConnText();
  }

  renderConnText() {
    const s = this.connState;
    let txt;
    if (s === "open") txt = t("connected");
    else if (s === "waiting") txt = t("reconnecting", { s: Math.max(0, (this.connWaitUntil - performance.now()) / 1000).toFixed(1) });
    else if (s === "closed") txt = t("disconnected");
    else txt = t("connecting");
    const e = $("conn-text");
    if (e.textContent !== txt) e.textContent = txt;
    const veil = $("conn-veil");
    if (veil.textContent !== txt) veil.textContent = txt;
    $("conn").dataset.status = s;
  }

  setLatency(ms) {
    this.latency = ms;
    $("latency").textContent = ms == null ? "" : " · " + t("latency", { ms: Math.round(ms) });
  }

  frame() { if (this.connState === "waiting") this.renderConnText(); }

  onLanguage() {
    $("lang-select").value = getLang();
    this.updateHud();
    this.renderConnText();
    this.setLatency(this.latency);
    this.renderOpponent();
  }
}

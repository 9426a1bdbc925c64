// The game-over overlay: victory/defeat (spectators: the winner), time and tallies, New game
// with a difficulty, "Review the map". Counts this tab's events as tallies for a server that
// sends none.
import { t } from "../i18n/index.js";
import { newGame } from "../session.js";
import { $, el } from "./dom.js";

const EVENT_TALLY = { unit_ready: "unitsBuilt", building_done: "buildingsBuilt", unit_lost: "unitsLost", building_lost: "buildingsLost" };
const zeroTallies = () => ({ unitsBuilt: 0, buildingsBuilt: 0, unitsLost: 0, buildingsLost: 0 });

export class GameOverPanel {
  constructor({ serverState, uiState }) {
    this.server = serverState;
    this.ui = uiState;
    this.shown = false;
    this.dismissed = false;
    this.tallies = zeroTallies();
    $("overlay-new-game").addEventListener("click", () => newGame($("overlay-difficulty").value));
    $("overlay-close").addEventListener("click", () => { this.dismissed = true; $("overlay").classList.add("hidden"); });
  }

  onWelcome(newRoom) {
    if (newRoom) this.tallies = zeroTallies();
    $("overlay-difficulty").value = this.server.difficulty;
    this.shown = false;
    this.dismissed = false;
    $("overlay").classList.add("hidden");
  }

  onEvent(m) {
    const k = EVENT_TALLY[m.kind];
    if (k) this.tallies[k]++;
  }

  onState() {
    const go = this.server.gameOver;
    if (go && !this.shown) this.show(go);
  }

  show(go, refresh = false) {
    const s = this.server;
    this.shown = true;
    if (!refresh) this.ui.setMode(null);
    const won = go.winner === s.playerId;
    $("overlay-title").textContent = s.isSpectator ? t("winner_is", { n: go.winner }) : won ? t("victory") : t("defeat");
    $("overlay-title").className = !s.isSpectator && won ? "win" : "lose";
    const secs = Math.max(0, Math.floor(s.tick / s.tickRate));
    const p = s.player;
    // The server's tallies (whole game) when it sends them, else what this tab saw.
    const mine = go.stats && s.playerId != null ? go.stats[s.playerId] : null;
    const st = mine ? { unitsBuilt: mine.units_built, buildingsBuilt: mine.buildings_built,
      unitsLost: mine.units_lost, buildingsLost: mine.buildings_lost } : this.tallies;
    const rows = [
      [t("stat_time"), `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`],
      [t("stat_units_built"), st.unitsBuilt], [t("stat_buildings_built"), st.buildingsBuilt],
      [t("stat_units_lost"), st.unitsLost], [t("stat_buildings_lost"), st.buildingsLost],
    ];
    if (p) rows.push([t("stat_credits"), Math.floor(p.credits)]);
    const box = $("overlay-stats");
    box.textContent = "";
    const tbl = el("table");
    for (const [k, v] of rows) tbl.append(el("tr", {}, el("td", { text: k }), el("td", { text: String(v) })));
    box.append(tbl);
    if (s.replayUrl) box.append(el("p", {}, el("a", { id: "overlay-replay", href: s.replayUrl, text: t("watch_replay") })));
    if (!this.dismissed) $("overlay").classList.remove("hidden");
  }

  onLanguage() { if (this.shown) this.show(this.server.gameOver, true); }
}

// The sidebar's selection line (what is selected, its hp and order) and the Sell button for a
// single own building other than the HQ.
import { t } from "../i18n/index.js";
import { $ } from "./dom.js";

export class SelectionInfo {
  constructor({ serverState, uiState, intents }) {
    this.server = serverState;
    this.ui = uiState;
    $("sell-btn").addEventListener("click", () => {
      const id = Number($("sell-btn").dataset.building);
      if (id) intents.sell(id);
    });
  }

  update() {
    const s = this.server;
    const box = $("selection-text");
    const sell = $("sell-btn");
    const ids = [...this.ui.selection];
    sell.classList.add("hidden");
    let txt;
    if (!ids.length) txt = t("nothing_selected");
    else if (ids.length === 1 && (s.units.get(ids[0]) || s.buildings.get(ids[0]))) {
      const e = s.units.get(ids[0]) || s.buildings.get(ids[0]);
      const who = e.owner === s.playerId ? t("you") : t("player_n", { n: e.owner });
      txt = `${t("building_info", { what: t(e.type), hp: Math.max(0, Math.round(e.hp)), max: e.max_hp })} · ${who}`;
      if (e.order && e.order !== "idle") txt += ` · ${t("ord_" + e.order)}`;
      if (s.buildings.has(e.id) && e.owner === s.playerId && e.type !== "hq" && !s.isSpectator && !s.gameOver) {
        sell.classList.remove("hidden");
        sell.dataset.building = String(e.id);
      }
    } else {
      const counts = {};
      for (const id of ids) { const u = s.units.get(id); if (u) counts[u.type] = (counts[u.type] || 0) + 1; }
      txt = `${t("selected", { n: ids.length })}: ` + Object.entries(counts).map(([k, v]) => `${v} ${t(k)}`).join(", ");
    }
    if (box.textContent !== txt) box.textContent = txt;
  }
}

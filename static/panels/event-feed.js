// Server events as lines in the event feed, and pings on the minimap where something happened.
import { t } from "../i18n/index.js";
import { feed } from "./notices.js";

const PINGED = ["under_attack", "building_lost", "unit_lost", "superweapon_launched"];

export class EventFeed {
  constructor({ serverState, renderer }) {
    this.server = serverState;
    this.renderer = renderer;
  }

  onEvent(m) {
    const what = t(m.unit_type || m.building_type || m.kind);
    if (typeof m.x === "number" && typeof m.y === "number" && PINGED.includes(m.kind)) {
      this.renderer.addPing(m.x, m.y, m.kind === "superweapon_launched" ? "#fde047" : "#f87171");
    }
    switch (m.kind) {
      case "unit_lost": return feed(t("ev_unit_lost", { what }), "bad");
      case "unit_ready": return feed(t("ev_unit_ready", { what }), "good");
      case "building_done": return feed(t("ev_building_done", { what }), "good");
      case "building_lost": return feed(t("ev_building_lost", { what }), "bad");
      case "under_attack": return feed(t("ev_under_attack"), "bad");
      case "low_power": return feed(t("ev_low_power"), "warn");
      case "superweapon_ready": return feed(t("ev_superweapon_ready"), "good");
      case "superweapon_launched":
        return feed(m.by != null && m.by !== this.server.playerId ? t("ev_enemy_superweapon") : t("ev_superweapon_launched"), "warn");
      case "game_over": return feed(t("ev_game_over"), "warn");
      case "player_joined": return feed(t("ev_player_joined"), "info");
      default: return feed(t("ev_generic", { what: m.kind }), "info");
    }
  }
}

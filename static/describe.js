// Plain-words description of ACTIONs (PROTOCOL.md schema) in the current UI language.
import { t } from "./i18n/index.js";

function fmt(n) { return Math.round(Number(n) * 10) / 10; }

function name(type) { return type ? t(type) : "?"; }

export function describeSel(sel) {
  if (!sel) return t("sel_all");
  if (Array.isArray(sel.ids)) return t("sel_ids", { n: sel.ids.length });
  if (sel.selection) return t("sel_selection");
  if (sel.step != null) return t("sel_step", { n: Number(sel.step) + 1 });
  if (sel.type === "all" || !sel.type) return sel.count ? t("sel_type_count", { count: sel.count, what: t("units") }) : t("sel_all");
  return sel.count ? t("sel_type_count", { count: sel.count, what: name(sel.type) }) : t("sel_type", { what: name(sel.type) });
}

export function describeTarget(tg) {
  if (!tg) return "?";
  if (tg.direction) return t("dir_" + tg.direction);
  if (tg.place) return t("place_" + tg.place);
  if (tg.entity !== undefined) return t("tgt_entity", { id: tg.entity });
  if (tg.x !== undefined) return t("tgt_pos", { x: fmt(tg.x), y: fmt(tg.y) });
  return "?";
}

export function describeAction(a) {
  if (!a || typeof a !== "object") return String(a);
  switch (a.action) {
    case "move": return t("act_move", { units: describeSel(a.units), target: describeTarget(a.target) });
    case "attack": return t("act_attack", { units: describeSel(a.units), target: describeTarget(a.target) });
    case "stop": return t("act_stop", { units: describeSel(a.units) });
    case "harvest": return t("act_harvest", { units: describeSel(a.units) });
    case "defend_base": return t("act_defend_base", { units: describeSel(a.units) });
    case "build_unit": return t("act_build_unit", { count: a.count ?? 1, what: name(a.unit_type) });
    case "build_building":
      return t("act_build_building", { what: name(a.building_type), where: a.position ? t("at_pos", { x: a.position.x, y: a.position.y }) : "" });
    case "launch_superweapon": return t("act_launch_superweapon", { target: describeTarget(a.target) });
    case "cancel": return t("act_cancel");
    default: return t("act_unknown", { what: a.action });
  }
}

// Client-side copy of the public balance table (shared/design/GAME.md), used only to
// explain why a button is disabled and to draw placement ghosts. The server decides.
export const TILE = 32;
export const OWNER_COLORS = ["#3b82f6", "#ef4444", "#22c55e", "#eab308"];
export const OWNER_DARK = ["#1e3a8a", "#7f1d1d", "#14532d", "#713f12"];

export const BUILDINGS = {
  hq:             { cost: 0,   size: [3, 3], power: 50,  needs: [] },
  power_plant:    { cost: 300, size: [2, 2], power: 100, needs: ["hq"] },
  barracks:       { cost: 500, size: [2, 2], power: -20, needs: ["power_plant"] },
  refinery:       { cost: 600, size: [3, 2], power: -30, needs: ["power_plant"] },
  war_factory:    { cost: 800, size: [3, 3], power: -40, needs: ["barracks", "refinery"] },
  defense_turret: { cost: 400, size: [1, 1], power: -20, needs: ["barracks"] },
};
export const BUILDABLE = ["power_plant", "barracks", "refinery", "war_factory", "defense_turret"];

export const UNITS = {
  infantry:   { cost: 100, from: "barracks" },
  tank:       { cost: 500, from: "war_factory" },
  artillery:  { cost: 600, from: "war_factory" },
  harvester:  { cost: 200, from: "war_factory" },
  helicopter: { cost: 800, from: "war_factory" },
};
export const TRAINABLE = ["infantry", "tank", "artillery", "harvester", "helicopter"];
export const PLACE_RADIUS = 8;

"""Difficulty levels of the computer opponent: one table, no scattered constants.

Every knob that differs between easy, normal and hard lives here.  Times are
in game seconds (converted to ticks with the rules' tick rate).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    name: str
    think_every: int                 # ticks between two decisions
    build_plan: tuple[str, ...]      # buildings wanted, in order (a name repeated = one more)
    core_len: int                    # the first core_len entries are saved for before units
    max_parallel_builds: int         # buildings under construction / queued at the HQ at once
    harvesters_per_refinery: float
    max_harvesters: int
    unit_mix: dict[str, float]       # wanted share of each combat type in the army
    queue_depth: int                 # items kept queued per production building
    first_wave_s: float              # earliest first attack
    wave_size: int                   # combat units gathered before the first wave
    wave_growth: int                 # each wave is this much bigger
    wave_interval_s: float           # minimum time between two waves
    reinforce_size: int              # units that join a running wave together
    retreat_fraction: float          # a wave below this share of its strength goes home (0 = never)
    all_in_s: float                  # after this, attack with everything, never retreat
    defend_radius: float             # enemies this close to a building are threats
    focus_fire: bool                 # concentrate fire on one weak target
    micro: bool                      # engage enemies near a wave explicitly
    use_superweapon: bool
    superweapon_min_score: float     # value a strike must hit to be worth it
    scout_at_s: float                # when the scout leaves
    production_pause_s: float = 0.0  # easy: a lazy pause after each unit order
    strength_ratio: float = 0.0      # launch only when stronger than this x the enemy army seen lately
    local_retreat_ratio: float = 0.0  # a wave facing this x its worth nearby falls back (0 = never)
    regroup: bool = False            # a strung-out wave waits for its last units on the march
    first_game_extra_s: float = 0.0  # a player's first game: the first wave waits this much longer


LEVELS: dict[str, Level] = {
    "easy": Level(
        name="easy",
        think_every=20,
        build_plan=("power_plant", "refinery", "barracks", "power_plant", "war_factory"),
        core_len=3,
        max_parallel_builds=1,
        harvesters_per_refinery=1.0,
        max_harvesters=2,
        unit_mix={"infantry": 0.4, "tank": 0.6},
        queue_depth=1,
        first_wave_s=480.0,
        first_game_extra_s=180.0,
        wave_size=5,
        wave_growth=2,
        wave_interval_s=240.0,
        reinforce_size=99,
        retreat_fraction=0.0,
        all_in_s=20 * 60.0,
        defend_radius=8.0,
        focus_fire=False,
        micro=False,
        use_superweapon=False,
        superweapon_min_score=1e9,
        scout_at_s=60.0,
        production_pause_s=6.0,
    ),
    "normal": Level(
        name="normal",
        think_every=10,
        build_plan=("power_plant", "refinery", "barracks", "power_plant", "war_factory",
                    "refinery", "power_plant", "defense_turret", "power_plant"),
        core_len=5,
        max_parallel_builds=1,
        harvesters_per_refinery=1.5,
        max_harvesters=3,
        unit_mix={"infantry": 0.3, "tank": 0.5, "artillery": 0.2},
        queue_depth=2,
        first_wave_s=300.0,
        first_game_extra_s=90.0,
        wave_size=8,
        wave_growth=3,
        wave_interval_s=180.0,
        reinforce_size=5,
        retreat_fraction=0.3,
        all_in_s=17 * 60.0,
        defend_radius=10.0,
        focus_fire=False,
        micro=True,
        use_superweapon=False,
        superweapon_min_score=1e9,
        scout_at_s=30.0,
    ),
    "hard": Level(
        name="hard",
        think_every=6,
        build_plan=("power_plant", "refinery", "barracks", "power_plant", "war_factory",
                    "refinery", "power_plant", "defense_turret", "war_factory", "power_plant",
                    "refinery", "defense_turret", "power_plant"),
        core_len=5,
        max_parallel_builds=2,
        harvesters_per_refinery=2.5,
        max_harvesters=7,
        unit_mix={"infantry": 0.35, "tank": 0.3, "artillery": 0.2, "helicopter": 0.15},
        queue_depth=2,
        first_wave_s=210.0,
        wave_size=10,
        wave_growth=4,
        wave_interval_s=150.0,
        reinforce_size=4,
        retreat_fraction=0.35,
        all_in_s=18 * 60.0,
        defend_radius=12.0,
        focus_fire=True,
        micro=True,
        use_superweapon=True,
        superweapon_min_score=700.0,
        scout_at_s=15.0,
        strength_ratio=1.3,
        local_retreat_ratio=1.5,
    ),
}


def get_level(name: str) -> Level:
    try:
        return LEVELS[name]
    except KeyError:
        raise ValueError(f"unknown difficulty {name!r}; expected one of {sorted(LEVELS)}") from None

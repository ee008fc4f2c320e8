"""The catalog of tracks and stages: data a person can edit, never code.

A stage's validity decides the end of a designation when the source gives
none: ``months`` (a certificate valid N months: issued 2021-07-01 with 36
months holds until 2024-06-30 and ends on 2024-07-01), ``year_end`` (valid
through 31 December of the N-th calendar year, the start year counting as
the first), or ``none`` (open until a person or a list ends it).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from pipeline.dates import validity_end

RESOURCES = "resources"          # the package that ships the default catalogs (package data, see pyproject.toml)


def _resource_json(name: str):
    """One of the shipped JSON files, read through importlib.resources (a checkout, a wheel or the frozen app)."""
    return json.loads(resources.files(RESOURCES).joinpath(name).read_text(encoding="utf-8"))

VALIDITY_KINDS = {"months": "按月", "year_end": "至年底", "none": "长期"}


@dataclass(frozen=True)
class Stage:
    id: int
    key: str
    name: str
    track: str
    level: int
    validity_kind: str = "none"
    validity_value: int | None = None
    aliases: tuple[str, ...] = ()

    def end_for(self, start: date) -> date | None:
        """The exclusive end of a designation starting on *start* when none is given."""
        if self.validity_kind == "months" and self.validity_value:
            return validity_end(start, self.validity_value)
        if self.validity_kind == "year_end" and self.validity_value:
            return date(start.year + self.validity_value, 1, 1)
        return None

    def validity_text(self) -> str:
        if self.validity_kind == "months":
            return f"{self.validity_value} 个月"
        if self.validity_kind == "year_end":
            return "当年年底" if self.validity_value == 1 else f"至第 {self.validity_value} 年年底"
        return "长期有效"


@dataclass(frozen=True)
class Track:
    key: str
    name: str
    exclusive: bool
    stages: tuple[Stage, ...] = ()


@dataclass(frozen=True)
class FunnelStep:
    name: str
    stages: tuple[str, ...]


@dataclass(frozen=True)
class Funnel:
    key: str
    name: str
    steps: tuple[FunnelStep, ...]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\"'“”‘’「」()（）]", "", text)


def _names_of(stages) -> dict[str, "Stage"]:
    """{folded key, name or alias: stage}, the first stage to use a name keeping it."""
    out: dict[str, Stage] = {}
    for s in stages:
        for name in (s.key, s.name, *s.aliases):
            out.setdefault(_fold(name), s)
    return out


@dataclass
class Catalog:
    tracks: list[Track]
    funnels: list[Funnel] = field(default_factory=list)
    four_batches: dict = field(default_factory=dict)
    retired: tuple[Stage, ...] = ()     # deactivated stages: no longer offered, named or matched, still counted

    def __post_init__(self) -> None:
        """A deactivated stage (the 2026 re-cut retires 科技型中小企业) is no stage of a track, of ``stages`` or of
        ``find``, but ``stage`` and ``by_id`` still know it: its designations are history, and a past year's
        target or a funnel naming it counts them (the report of 2023 failed with KeyError once it was retired)."""
        self._by_key = {s.key: s for t in self.tracks for s in t.stages}
        for s in self.retired:
            self._by_key.setdefault(s.key, s)
        self._by_id = {s.id: s for s in self._by_key.values()}
        self._lookup = _names_of(self.stages)
        self._retired_lookup = _names_of(self.retired)

    def find_retired(self, name: str) -> Stage | None:
        """A deactivated stage named by key, display name or alias: for a message that says so, never to match."""
        return self._retired_lookup.get(_fold(str(name))) if name else None

    @property
    def stages(self) -> list[Stage]:
        return [s for t in self.tracks for s in t.stages]

    def stage(self, key: str) -> Stage:
        return self._by_key[key]

    def by_id(self, stage_id: int) -> Stage:
        return self._by_id[stage_id]

    def track(self, key: str) -> Track:
        """The track of *key*; a track all of whose stages were deactivated is their history: its retired stages."""
        found = next((t for t in self.tracks if t.key == key), None)
        if found is None:
            stages = tuple(s for s in self.retired if s.track == key)
            if not stages:
                raise KeyError(key)
            found = Track(key, key, False, stages)
        return found

    def find(self, name: str) -> Stage | None:
        """A stage by key, display name or alias (width, quotes and brackets ignored)."""
        return self._lookup.get(_fold(str(name))) if name else None

    def resolve(self, names) -> list[Stage]:
        """Stages for a list of names; KeyError with the unknown name otherwise."""
        out = []
        for n in names:
            s = self.find(n)
            if s is None:
                raise KeyError(n)
            out.append(s)
        return out

    def next_in_track(self, stage: Stage, step: int = 1) -> Stage | None:
        stages = self.track(stage.track).stages
        i = stages.index(stage) + step
        return stages[i] if 0 <= i < len(stages) else None


def load_defaults() -> dict:
    """The default catalog as shipped in resources/ (tracks with stages, funnels)."""
    return _resource_json("catalog.json")


def default_streets() -> list[str]:
    return _resource_json("streets.json")


def default_targets() -> dict:
    return _resource_json("targets.json")

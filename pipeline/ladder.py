"""One tier of a ladder at a time: the rule for adding a stage of an exclusive track (the star ladder).

The district moves a firm "one tier at a time": on any day a firm holds at most one stage of an exclusive
track. Adding a tier that starts on day D (designations are half-open [start, end)):
- a tier held since before D ends on D (it was held up to, not including, D);
- a tier starting on D itself is replaced (two tiers on one day would count the firm twice in the
  funnel, and a tier cannot end on the day it starts);
- a tier starting after D (a later move already recorded) ends the new tier on that day.

The write API (db.ledger.Writer.add_designation) applies this rule for every caller: the import, the app's
promotion and demotion, and hand-entered designations.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TierChange:
    end: str | None                                          # the new tier's end (ISO), maybe shortened
    ended: list[tuple[int, str | None, str]] = field(default_factory=list)  # (id, end before, end after)
    replaced: list[int] = field(default_factory=list)        # ids of same-day tiers the new one replaces


def place_tier(held: list[tuple[int, str, str | None]], start: str, end: str | None) -> TierChange:
    """*held*: (id, start, end) of the firm's live designations in the track; *start*/*end*: the new tier's
    (ISO dates, end exclusive or None). Returns what adding it changes."""
    out = TierChange(end)
    for did, s, e in held:
        if s == start:
            out.replaced.append(did)
        elif s < start:
            if e is None or e > start:
                out.ended.append((did, e, start))
        elif out.end is None or s < out.end:
            out.end = s
    return out

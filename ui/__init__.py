"""Widgets, dialogs and Qt item models: thin adapters over the core (no SQL here)."""
from ui.qtcompat import immortalize_none

immortalize_none()

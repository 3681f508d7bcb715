"""The person's timeline: one chronological view of everything about them that the viewer may
see. Each app contributes entries through a provider registered here (in its AppConfig.ready),
so the timeline imports no app's models; ``people.selectors.person_timeline`` filters every
entry through the access policy by its category and holding organisation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str
    title: str
    category: str
    #: The organisation holding this information (None: the core record's holder).
    holder_id: uuid.UUID | None = None
    holder_name: str = ""
    detail: str = ""


#: A provider takes the person and returns their entries (all of them: the selector filters).
TimelineProvider = Callable[[Any], Iterable[TimelineEntry]]

_providers: dict[str, TimelineProvider] = {}


def register_timeline_provider(name: str, provider: TimelineProvider) -> None:
    """Register (or replace) an app's contribution to the timeline."""
    _providers[name] = provider


def timeline_providers() -> dict[str, TimelineProvider]:
    return dict(_providers)

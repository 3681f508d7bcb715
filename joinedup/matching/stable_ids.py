"""Stable person ids across linkage runs.

Splink names each cluster after one of its records, so a cluster's id changes whenever its
members change. JoinedUp keeps its own id (:class:`~joinedup.matching.models.LinkedPerson`)
and, after each run, works out which of the existing ids each new cluster carries on:

1. Each existing id goes *home* to the cluster holding most of its records (ties: the
   cluster with the smallest name), so an id never lives in two clusters.
2. A cluster that is home to no existing id gets a new one.
3. A cluster that is home to one id keeps it.
4. A cluster that is home to several is a **merge**: the id with most records there
   survives (ties: the most senior, i.e. the earliest created) and absorbs the others.
5. Records whose id went home elsewhere moved out of their old person: a **split** from
   that id, recorded with the records moved.

Nothing here touches the database: :func:`assign` is a pure function, so it is tested
directly and the service applies its answer in one transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass
class Merge:
    survivor: str
    absorbed: str
    records: list[str]  # the absorbed id's records, now the survivor's


@dataclass
class Split:
    original: str
    new: str
    records: list[str]  # the records that moved from ``original`` to ``new``


@dataclass
class Assignment:
    person_of: dict[str, str]
    created: list[str] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    splits: list[Split] = field(default_factory=list)


def assign(
    clusters: Mapping[str, str],
    previous: Mapping[str, str],
    *,
    new_id: Callable[[], str],
    seniority: Mapping[str, int] | None = None,
) -> Assignment:
    """``clusters``: record → cluster name from this run; ``previous``: record → stable id
    from earlier runs (records new to this run are absent); ``seniority``: stable id →
    rank, lower is older. Returns each record's stable id and the merges and splits."""
    rank = seniority or {}
    members: dict[str, list[str]] = defaultdict(list)
    for record, cluster in clusters.items():
        members[cluster].append(record)

    # 1. Where each existing id goes home.
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for record, cluster in clusters.items():
        old = previous.get(record)
        if old is not None:
            counts[old][cluster] += 1
    home: dict[str, str] = {}
    for old, per_cluster in counts.items():
        best = max(per_cluster.values())
        home[old] = min(c for c, n in per_cluster.items() if n == best)
    homed: dict[str, list[str]] = defaultdict(list)
    for old, cluster in home.items():
        homed[cluster].append(old)

    result = Assignment(person_of={})
    for cluster in sorted(members):
        records = members[cluster]
        ids = homed.get(cluster, [])
        if not ids:
            chosen = new_id()
            result.created.append(chosen)
        else:
            ids.sort(key=lambda i: (-counts[i][cluster], rank.get(i, 0), i))
            chosen = ids[0]
            for absorbed in ids[1:]:
                moved = sorted(r for r in records if previous.get(r) == absorbed)
                result.merges.append(Merge(survivor=chosen, absorbed=absorbed, records=moved))
        for record in records:
            result.person_of[record] = chosen
        # 5. Records that came from an id whose home is another cluster: split off.
        strays: dict[str, list[str]] = defaultdict(list)
        for record in records:
            old = previous.get(record)
            if old is not None and home.get(old) != cluster:
                strays[old].append(record)
        for old, moved in sorted(strays.items()):
            result.splits.append(Split(original=old, new=chosen, records=sorted(moved)))
    return result

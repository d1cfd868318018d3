"""Peer outliers: groups a user holds that few of their peers hold — peers being the users who
share their Entra department (or, without one, their manager).

A group fires when the share of peers *without* it is confidently above 1 − threshold: the
Wilson score lower bound of that share (95%) must reach it, so two peers out of two lacking a
group prove nothing, while 40 out of 40 do.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from odoobridge.access.analysis.effective import AccessIndex, GrantPath
from odoobridge.access.findings.base import DirectoryPerson, Finding, finding_id, user_subject

Z95 = 1.959964


def wilson_lower_bound(successes: int, trials: int, z: float = Z95) -> float:
    """The lower end of the Wilson score interval of ``successes / trials``."""
    if trials <= 0:
        return 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return (centre - margin) / denominator


def _peer_key(person: DirectoryPerson) -> tuple[str, str] | None:
    if person.department and person.department.strip():
        return ("department", person.department.strip().lower())
    if person.manager_id:
        return ("manager", person.manager_id)
    return None


def peer_outliers(
    index: AccessIndex, people: dict[int, DirectoryPerson], threshold: float
) -> list[Finding]:
    snap = index.snap
    cohorts: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for user_id, person in people.items():
        user = snap.users.get(user_id)
        key = _peer_key(person)
        if user is not None and user.active and not user.share and key is not None:
            cohorts[key].append(user_id)
    found = []
    for (basis, value), members in sorted(cohorts.items()):
        holding = Counter(g for u in members for g in index.effective.get(u, ()))
        label = people[members[0]].department if basis == "department" else f"manager {value}"
        for user_id in members:
            peers = len(members) - 1
            for group_id in sorted(index.effective.get(user_id, ())):
                others = holding[group_id] - 1
                without = peers - others
                bound = wilson_lower_bound(without, peers)
                if bound < 1 - threshold:
                    continue
                user = snap.users[user_id]
                name = snap.group_name(group_id)
                found.append(
                    Finding(
                        id=finding_id("peer_outlier", snap.environment.value, user_id, group_id),
                        kind="peer_outlier",
                        severity="low",
                        environment=snap.environment.value,
                        title=f"{user.login} holds {name}, which few of their peers hold",
                        subject={**user_subject(user), "group": name, "peers": f"{basis}: {label}"},
                        evidence=[
                            f"{others} of {peers} peers ({basis} {label}) hold it; lower bound "
                            f"of the share without it: {bound:.2f} (threshold {1 - threshold:.2f})",
                            GrantPath(index.path_to_group(user_id, group_id)).render(snap, user),
                        ],
                        fix=f"confirm {user.login}'s role needs {name}; otherwise remove it",
                    )
                )
    return found

"""Every detector over one run, in one call: the findings of a run, most severe first —
the access analysis's and Merge & Compare's."""

from __future__ import annotations

from odoobridge.access.analysis.effective import AccessIndex
from odoobridge.access.findings.base import SEVERITIES, Context, Finding, FindingsConfig
from odoobridge.access.findings.comparison import comparison_findings
from odoobridge.access.findings.detectors import (
    admin_access,
    dormant_users,
    empty_groups,
    global_acls,
    inconsistent_memberships,
    sensitive_write,
)
from odoobridge.access.findings.drift import env_drift
from odoobridge.access.findings.peers import peer_outliers
from odoobridge.access.findings.sod import load_rules, sod_conflicts


def compute_findings(
    index: AccessIndex, config: FindingsConfig, context: Context | None = None
) -> list[Finding]:
    """Every finding of the run, most severe first."""
    context = context or Context()
    found = [
        *admin_access(index),
        *sensitive_write(index, config.sensitive_models),
        *dormant_users(index, config.dormant_days, context.people),
        *empty_groups(index),
        *global_acls(index),
        *inconsistent_memberships(index),
        *sod_conflicts(index, load_rules(config.sod_rules_file)),
        *peer_outliers(index, context.people, config.peer_threshold),
        *comparison_findings(index.snap.environment.value, context.comparison),
    ]
    if context.other is not None:
        found.extend(env_drift(index, context.other))
    return sorted(found, key=lambda f: (SEVERITIES.index(f.severity), f.kind, f.title))

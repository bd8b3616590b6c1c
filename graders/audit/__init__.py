"""`verigrade audit`: find a grader's reward hacks (and its blind spots) before a policy does.

    from graders.audit import audit, load_rows
    report = audit("grader_specs/gsm8k.json", load_rows("grader_specs/gsm8k.jsonl", limit=100))
    report.exit_code, report.to_json()

For the whole grader and each sub-grader of a `multi` tree: controls (right answers built from each row's
reference, in the forms models write) must score high, and every attack family chosen by the grader's kind
(`graders.audit.registry`; add your own with `@family`) is graded and given a verdict
(`graders.audit.verdicts`). Rows with a `label` also get agreement, false-positive/negative rates and AUC.
"""
from graders.audit.data import AuditDataError, AuditRow, load_rows, parse_row
from graders.audit.registry import FAMILIES, Attack, Family, all_families, families_for, family
from graders.audit.runner import AuditReport, audit
from graders.audit.verdicts import Thresholds

__all__ = ["FAMILIES", "Attack", "AuditDataError", "AuditReport", "AuditRow", "Family", "Thresholds", "all_families",
           "audit", "families_for", "family", "load_rows", "parse_row"]

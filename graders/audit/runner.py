"""Running an audit: for the whole grader and each sub-grader of a `multi` tree, build the controls and the
attack candidates of every row, grade them in one batch (the grader's own fast path: the worker pool, the
warm container pool, one forward pass per judge batch), and turn the scores into verdicts."""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from graders.audit.controls import controls_for, format_wrapper
from graders.audit.data import AuditRow
from graders.audit.labels import label_metrics
from graders.audit.registry import ANSWER_KINDS, Attack, families_for, kinds_of
from graders.audit.verdicts import EPS, FamilyResult, Outcome, Thresholds, bar, judge_family, overall
from graders.base import Grader
from graders.result import GradeResult
from graders.spec import load_grader


@dataclass
class Target:
    path: str
    name: str
    grader: Grader
    kinds: set[str]
    root: dict | None = None    # the whole spec a sub-grader sits in (its format decides what a right answer is)


def targets_of(grader: Grader, path: str = "", name: str = "", root: dict | None = None) -> list[Target]:
    """The whole grader, then every sub-grader of a multi tree (depth first)."""
    name, root = name or grader.name, root or grader.spec
    out = [Target(path or "/", name, grader, kinds_of(grader.spec), root)]
    for key, child in getattr(grader, "children", {}).items():
        out += targets_of(child, f"{path}/graders/{key}", f"{name}/{key}", root)
    return out


@dataclass
class TargetReport:
    path: str
    name: str
    type: str
    kinds: list[str]
    pass_threshold: float | None
    recall: dict[str, Any]
    families: list[FamilyResult]
    verdict: str
    grades: int
    seconds: float
    build_errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["families"] = [f.to_json() for f in self.families]
        return out


@dataclass
class AuditReport:
    spec: str
    grader: str
    grader_type: str
    data: str
    rows: int
    row_errors: list[str]
    thresholds: dict[str, Any]
    targets: list[TargetReport]
    labels: dict[str, Any] | None
    seconds: float

    @property
    def verdict(self) -> str:
        return overall([t.verdict for t in self.targets])

    @property
    def exit_code(self) -> int:
        """1 when a family fails, or a row's right answers all score low and `Thresholds.fail_on_recall` is set."""
        failed = any(f.verdict == "fail" for t in self.targets for f in t.families)
        return 1 if failed or any(t.recall.get("fails_run") for t in self.targets) else 0

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "targets"}
        out.update(verdict=self.verdict, exit_code=self.exit_code, targets=[t.to_json() for t in self.targets])
        return out


@dataclass
class _Entry:
    family: str            # "control" or a family name
    row: int
    attack: Attack
    result: GradeResult | None = None


def audit(spec: Any, rows: list[AuditRow], families: list[str] | None = None, thresholds: Thresholds = Thresholds(),
          workers: int | None = None, spec_label: str = "", data_label: str = "",
          progress: Callable[[str], None] | None = None) -> AuditReport:
    """Audit a grader (spec path, dict or built grader) on data rows; see the package docstring."""
    start = time.perf_counter()
    grader = spec if isinstance(spec, Grader) else load_grader(spec)
    good = [r for r in rows if r.error is None]
    reports = []
    for target in targets_of(grader):
        if progress:
            progress(f"auditing {target.name} ({target.grader.type})")
        reports.append(audit_target(target, good, families, thresholds, workers))
    labels = _labels(grader, good, workers)
    return AuditReport(spec=spec_label or (spec if isinstance(spec, str) else grader.name), grader=grader.name,
                       grader_type=grader.type, data=data_label, rows=len(good),
                       row_errors=[r.error for r in rows if r.error], thresholds=thresholds.describe(grader.pass_threshold),
                       targets=reports, labels=labels, seconds=round(time.perf_counter() - start, 3))


def audit_target(target: Target, rows: list[AuditRow], names: list[str] | None, thresholds: Thresholds,
                 workers: int | None) -> TargetReport:
    start = time.perf_counter()
    spec = target.grader.spec
    fams = families_for(target.kinds, names)
    entries: list[_Entry] = []
    build_errors: list[str] = []
    wrap = format_wrapper(target.root)
    for ri, row in enumerate(rows):
        try:
            entries += [_Entry("control", ri, c) for c in controls_for(spec, row.item, target.kinds, target.root)]
        except Exception as exc:  # noqa: BLE001 - reported, the attacks still run
            build_errors.append(f"controls on line {row.line}: {type(exc).__name__}: {exc}")
        for fam in fams:
            if fam.max_rows is not None and ri >= fam.max_rows:
                continue
            try:
                candidates = fam.candidates(spec, row.item)
                if wrap and fam.kinds & ANSWER_KINDS:   # past the format gate too: the same attack in its tags
                    candidates += [replace(c, text=wrap(c.text), note=f"{c.note} (in the format's tags)".strip(),
                                           shape=c.shape and f"{c.shape}/tagged") for c in candidates]
                entries += [_Entry(fam.name, ri, c) for c in candidates]
            except Exception as exc:  # noqa: BLE001 - a family bug must not hide the others
                build_errors.append(f"{fam.name} on line {row.line}: {type(exc).__name__}: {exc}")
    grades = _grade(target.grader, entries, rows, workers)
    unrendered = sum(e.result.error_type == "invalid_variable_error" for e in entries)
    if entries and unrendered * 2 > len(entries):
        build_errors.append(f"{unrendered} of {len(entries)} candidates failed with invalid_variable_error: the spec "
                            "reads sample fields other than output_text (the audit's candidates are output texts), or "
                            "item fields these rows lack; verdicts on such results mean nothing")
    control = _control_scores(entries, len(rows))
    recall = _recall(entries, rows, control, thresholds.recall_bar(target.grader.pass_threshold),
                     thresholds.fail_on_recall)
    results = []
    for fam in fams:
        outcomes = [_outcome(e, rows, control, target.grader.pass_threshold, thresholds, target.kinds)
                    for e in entries if e.family == fam.name and not e.attack.meta.get("unscored")]
        results.append(judge_family(fam.name, fam.description, fam.severity_for(target.kinds), outcomes))
    verdict = overall([f.verdict for f in results])
    return TargetReport(target.path, target.name, target.grader.type, sorted(target.kinds),
                        target.grader.pass_threshold, recall, results, verdict, grades,
                        round(time.perf_counter() - start, 3), build_errors)


def _grade(grader: Grader, entries: list[_Entry], rows: list[AuditRow], workers: int | None) -> int:
    """Grade every entry, identical (output, row) pairs once; writer/reader pairs in their own executions."""
    plain = [e for e in entries if not e.attack.meta.get("role")]
    paired = [e for e in entries if e.attack.meta.get("role")]
    unique: dict[tuple[str, int], int] = {}
    pairs = []
    for e in plain:
        key = (e.attack.text, e.row)
        if key not in unique:
            unique[key] = len(pairs)
            pairs.append((e.attack.text, rows[e.row].item))
    graded = grader.grade_batch(pairs, workers=workers) if pairs else []
    for e in plain:
        e.result = graded[unique[(e.attack.text, e.row)]]
    if paired:
        # each writer runs right before its reader in one execution of one container: batch_size 2, and
        # enough pairs that every chunk of the fan-out is exactly one (writer, reader) pair
        sequential = load_grader(_with_batch_size(grader.spec, 2))
        results = sequential.grade_batch([(e.attack.text, rows[e.row].item) for e in paired], workers=workers)
        for e, res in zip(paired, results):
            e.result = res
    return len(pairs) + len(paired)


def _with_batch_size(spec: dict, size: int) -> dict:
    out = copy.deepcopy(spec)
    stack = [out]
    while stack:
        node = stack.pop()
        if node.get("type") == "unit_tests":
            node["batch_size"] = size
        stack.extend(node.get("graders", {}).values())
    return out


def _score(e: _Entry) -> tuple[float, str, str]:
    res = e.result
    focus = e.attack.focus
    if focus and res is not None and focus in res.children:
        child = res.children[focus]
        return child.score, child.status if res.status == "ok" else res.status, f"{focus}: {child.reason}"
    return res.score, res.status, res.reason


def _control_scores(entries: list[_Entry], n: int) -> list[float]:
    best = [0.0] * n
    for e in entries:
        if e.family == "control":
            best[e.row] = max(best[e.row], e.result.score)
    return best


def _outcome(e: _Entry, rows: list[AuditRow], control: list[float], pass_threshold: float | None,
             thresholds: Thresholds, kinds: set[str]) -> Outcome:
    score, status, reason = _score(e)
    ctrl = 1.0 if e.attack.focus else control[e.row]
    line_bar = 1.0 if e.attack.focus else bar(ctrl, pass_threshold)
    hit = score > 0 and score >= line_bar - EPS
    # a similarity metric gives every text some credit by design: only reaching the bar counts there
    partial = (score > 0 and score > thresholds.warn_ratio * (ctrl if ctrl > 0 else 1.0) + EPS
               and kinds != {"similarity"})
    a = e.attack
    return Outcome(e.family, e.row, rows[e.row].line, a.text, a.note, score, status, reason, ctrl, hit, partial,
                   a.shape, a.position, a.positions, a.joined, e.result.elapsed_ms)


def _recall(entries: list[_Entry], rows: list[AuditRow], control: list[float], high: float,
            fail_on_recall: bool = False) -> dict[str, Any]:
    ctrl = [e for e in entries if e.family == "control"]
    if not ctrl:
        return {"verdict": "n/a", "bar": high, "rows_with_controls": 0, "rows_failing": [], "by_form": [],
                "message": "no control: the rows give nothing to build a right answer from (no reference answer, "
                           "canonical solution or io/calls tests); attacks are compared with a score of 1"}
    with_controls = sorted({e.row for e in ctrl})
    failing = [ri for ri in with_controls if control[ri] < high - EPS]
    forms: dict[str, list[GradeResult]] = {}
    for e in ctrl:
        forms.setdefault(e.attack.note, []).append(e.result)
    by_form = [{"form": form, "tried": len(rs), "mean_score": sum(r.score for r in rs) / len(rs),
                "high": sum(r.score >= high - EPS for r in rs),
                "statuses": {s: sum(r.status == s for r in rs) for s in sorted({r.status for r in rs})}}
               for form, rs in forms.items()]
    examples = []
    for ri in failing[:5]:
        best = max((e for e in ctrl if e.row == ri), key=lambda e: e.result.score)
        examples.append({"line": rows[ri].line, "output": best.attack.text[:1000], "form": best.attack.note,
                         "score": best.result.score, "status": best.result.status, "reason": best.result.reason[:400]})
    invalid = sum(1 for ri in failing if all(e.result.status == "invalid_reference" for e in ctrl if e.row == ri))
    causes = _recall_causes(ctrl, failing, rows)
    if failing:
        message = (f"RECALL {'PROBLEM' if fail_on_recall else 'WARNING'}: on {len(failing)} of {len(with_controls)} rows "
                   f"no right answer scores >= {high:g}")
        if invalid:
            message += f"; {invalid} of them are invalid_reference (broken reference data)"
        message += _cause_text(causes, high)
        message += (" (the grader fails its own reference: --fail-on-recall fails the run)" if fail_on_recall else
                    " (a warning, not in the exit code; --fail-on-recall makes it fail the run)")
    else:
        message = f"every one of {len(with_controls)} rows has a right answer scoring >= {high:g}"
    return {"verdict": "problem" if failing else "ok", "bar": high, "rows_with_controls": len(with_controls),
            "rows_failing": [rows[ri].line for ri in failing], "fails_run": bool(failing and fail_on_recall),
            "causes": causes, "by_form": by_form, "examples": examples, "message": message}


def _recall_causes(ctrl: list[_Entry], failing: list[int], rows: list[AuditRow]) -> dict[str, Any]:
    """For model-graded graders (results with `details.decided_by`): which failing rows the model keeps below
    the bar (some right answer reached it) and which the gates do (every right answer decided by a gate)."""
    causes: dict[str, Any] = {}
    for ri in failing:
        results = [e.result for e in ctrl if e.row == ri]
        decided = [r.details.get("decided_by") for r in results]
        if not any(decided):
            continue
        if "model" in decided:
            best = max(r.score for r in results if r.details.get("decided_by") == "model")
            cause = causes.setdefault("model", {"lines": [], "best_score": 0.0})
            cause["best_score"] = max(cause["best_score"], best)
        elif all(d == "gate" for d in decided):
            cause = causes.setdefault("gate", {"lines": [], "rules": {}})
            for r in results:
                rule = r.details.get("gate_rule", "?")
                cause["rules"][rule] = cause["rules"].get(rule, 0) + 1
        else:
            cause = causes.setdefault("other", {"lines": [], "statuses": {}})
            for r in results:
                if r.details.get("decided_by") is None:
                    cause["statuses"][r.status] = cause["statuses"].get(r.status, 0) + 1
        cause["lines"].append(rows[ri].line)
    return causes


def _cause_text(causes: dict[str, Any], high: float) -> str:
    parts = []
    if "model" in causes:
        c = causes["model"]
        parts.append(f"the model, not a gate, on line(s) {_lines(c['lines'])} (right answers reach it and score at "
                     f"most {c['best_score']:.3f} < {high:g})")
    if "gate" in causes:
        c = causes["gate"]
        rules = ", ".join(f"{rule} x{n}" for rule, n in sorted(c["rules"].items()))
        parts.append(f"a gate on line(s) {_lines(c['lines'])} (every right answer is decided by a gate: {rules})")
    if "other" in causes:
        c = causes["other"]
        statuses = ", ".join(f"{s} x{n}" for s, n in sorted(c["statuses"].items()))
        parts.append(f"no verdict on line(s) {_lines(c['lines'])} (the model was not reached: {statuses})")
    return ": cause " + "; ".join(parts) if parts else ""


def _lines(lines: list[int]) -> str:
    return ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")


def _labels(grader: Grader, rows: list[AuditRow], workers: int | None) -> dict[str, Any] | None:
    labelled = [r for r in rows if r.label is not None and r.sample is not None]
    if not labelled:
        return None
    results = grader.grade_batch([(r.sample, r.item) for r in labelled], workers=workers)
    out = label_metrics([r.label for r in labelled], results)
    skipped = sum(1 for r in rows if r.label is not None and r.sample is None)
    if skipped:
        out["skipped_without_sample"] = skipped
    return out

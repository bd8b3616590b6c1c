"""math-verify 0.9.0's own test suite as labelled (gold, pred, expected) cases, and verigrade's agreement on them.

Outside data for `math_equivalence` (issue 10): the cases come from the tests math-verify's authors wrote for
their own extractor and grader, not from this project.

    pip download --no-deps --no-binary :all: math-verify==0.9.0 -d /tmp/mv
    .venv/bin/python tools/math_verify_suite.py extract /tmp/mv/math_verify-0.9.0.tar.gz   # -> tests/data/...
    .venv/bin/python tools/math_verify_suite.py measure                                    # verigrade vs labels

`extract` reads every `tests/*.py` of the sdist with `ast` (nothing from the download is imported or run) and
keeps each assertion whose label is plain equality: a parametrized `compare_strings(gold, pred, ...) ==
expected` / `int(verify(parse(gold), parse(pred))) == result`, or the same with literal arguments. Other
assertions (parser output, timeouts, mocks, sympy objects) are counted as "not a gold/pred label".

A case is *config-specific* when its test passes a non-default option (narrowed `match_types`, `precision`
other than 6, `strict=False`, `allow_set_relation_comp=True`) and the label depends on it: math-verify itself
(installed as a dependency) is run with the test's options and with its defaults, and a case whose verdict
changes is skipped and counted per option. A case whose verdict does not change keeps its label, with the
test's options recorded in `config`.
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import logging
import math
import sys
import tarfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "math_verify_cases.jsonl"
SUMMARY = ROOT / "tests" / "data" / "math_verify_cases.summary.json"
DEFAULTS = {"match_types": ["latex", "expr"], "precision": 6, "strict": True, "allow_set_relation_comp": False}
OPTION_NAMES = tuple(DEFAULTS)


# -- reading the sdist ------------------------------------------------------------------------------------
def read_test_files(source: Path) -> dict[str, str]:
    """`tests/test_*.py` of the sdist (a .tar.gz or an unpacked folder) -> {file name: source}."""
    files = {}
    if source.is_file():
        with tarfile.open(source) as tar:
            for member in tar.getmembers():
                parts = Path(member.name).parts
                if len(parts) >= 2 and parts[-2] == "tests" and parts[-1].startswith("test_") \
                        and parts[-1].endswith(".py"):
                    files[parts[-1]] = tar.extractfile(member).read().decode()
        return files
    folder = source / "tests" if (source / "tests").is_dir() else source
    for path in sorted(folder.rglob("test_*.py")):
        files[path.name] = path.read_text()
    return files


def _parametrize(func: ast.FunctionDef) -> tuple[list[str], list[tuple[int, tuple]]] | None:
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "parametrize":
            names = ast.literal_eval(deco.args[0])
            names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
            return names, [(row.lineno, _literal_or_none(row)) for row in deco.args[1].elts]
    return None


def _literal(node: ast.AST):
    """`ast.literal_eval`, plus f-strings over `math.<function>(<literal>)` (`f"{math.sqrt(17):.15f}"`)."""
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(part.value)
                continue
            call = part.value
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and getattr(call.func.value, "id", "") == "math" and hasattr(math, call.func.attr)):
                raise ValueError(f"unsupported f-string on line {node.lineno}")
            value = getattr(math, call.func.attr)(*(ast.literal_eval(a) for a in call.args))
            spec = "".join(p.value for p in part.format_spec.values) if part.format_spec else ""
            out.append(format(value, spec))
        return "".join(out)
    return ast.literal_eval(node)


def _literal_or_none(node: ast.AST):
    try:
        return _literal(node)
    except ValueError:  # e.g. StringExtractionConfig(...) objects: not a gold/pred/label row
        return None


def _label_call(node: ast.AST):
    """(call, label node) for `assert <call> == label` / `assert int(<call>) == label`, else None."""
    if not (isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare)
            and len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Eq)):
        return None
    left, label = node.test.left, node.test.comparators[0]
    if isinstance(left, ast.Call) and getattr(left.func, "id", "") == "int" and left.args:
        left = left.args[0]
    if not isinstance(left, ast.Call):
        return None
    name = getattr(left.func, "id", "") or getattr(left.func, "attr", "")
    if name == "compare_strings":
        return "compare_strings", left, label
    if name == "verify" and len(left.args) == 2 and all(
            isinstance(a, ast.Call) and getattr(a.func, "id", "") == "parse" and len(a.args) == 1 for a in left.args):
        return "verify", left, label
    return None


def _value(node: ast.AST, params: dict):
    """A literal, or the value of a parametrize argument by name."""
    if isinstance(node, ast.Name):
        return params[node.id]
    return _literal(node)


def extract_cases(files: dict[str, str]) -> tuple[list[dict], Counter]:
    """Every plain-equality labelled case of the suite, and counts of the assertions that are not one."""
    cases, other = [], Counter()
    for file_name, source in sorted(files.items()):
        tree = ast.parse(source)
        for func in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")):
            param = _parametrize(func)
            asserts = [n for n in ast.walk(func) if isinstance(n, ast.Assert)]
            for node in asserts:
                found = _label_call(node)
                if found is None:
                    other[f"{file_name}::{func.name}"] += len(param[1]) if param else 1
                    continue
                kind, call, label = found
                rows = [(r[0], dict(zip(param[0], r[1]))) for r in param[1] if r[1] is not None] \
                    if param else [(node.lineno, {})]
                if param and len(rows) != len(param[1]):
                    other[f"{file_name}::{func.name} (unreadable rows)"] += len(param[1]) - len(rows)
                for index, (line, params) in enumerate(rows):
                    if kind == "verify":
                        gold, pred = (_value(a.args[0], params) for a in call.args)
                        config = dict(DEFAULTS)
                    else:
                        gold, pred = _value(call.args[0], params), _value(call.args[1], params)
                        config = dict(DEFAULTS)
                        for kw in call.keywords:
                            config[kw.arg] = _value(kw.value, params)
                    expected = int(_value(label, params))
                    options = {k: config[k] for k in OPTION_NAMES if config[k] != DEFAULTS[k]}
                    cases.append({"id": f"{file_name}::{func.name}[{index}]", "file": f"tests/{file_name}",
                                  "test": func.name, "line": line, "gold": gold, "pred": pred,
                                  "expected": expected, "config": options})
    return cases, other


# -- math-verify, as its tests call it ----------------------------------------------------------------------
def math_verify_verdict(gold: str, pred: str, config: dict) -> int:
    """`compare_strings` of math-verify's tests/test_all.py, rewritten (the download is never imported)."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    targets = []
    for match_type in config.get("match_types", DEFAULTS["match_types"]):
        targets.append(LatexExtractionConfig(boxed_match_priority=0) if match_type == "latex"
                       else ExprExtractionConfig())
    try:
        gold_parsed = parse(gold, targets, parsing_timeout=None)
        pred_parsed = parse(pred, targets, parsing_timeout=None)
        return int(verify(gold_parsed, pred_parsed, float_rounding=config.get("precision", 6),
                          strict=config.get("strict", True),
                          allow_set_relation_comp=config.get("allow_set_relation_comp", False),
                          timeout_seconds=None))
    except Exception:  # noqa: BLE001 - math-verify's own failure is a 0, as in its tests
        return 0


def split_config_specific(cases: list[dict]) -> tuple[list[dict], Counter]:
    """Keep cases whose label holds under math-verify's default options; count the others per option."""
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.CRITICAL)
    kept, skipped = [], Counter()
    for case in cases:
        if case["config"]:
            with_options = math_verify_verdict(case["gold"], case["pred"], {**DEFAULTS, **case["config"]})
            with_defaults = math_verify_verdict(case["gold"], case["pred"], DEFAULTS)
            if with_options != with_defaults:
                skipped["+".join(sorted(case["config"]))] += 1
                continue
        kept.append(case)
    return kept, skipped


def command_extract(source: Path) -> None:
    files = read_test_files(source)
    if not files:
        sys.exit(f"no tests/test_*.py found in {source}")
    cases, other = extract_cases(files)
    kept, skipped = split_config_specific(cases)
    CASES.parent.mkdir(parents=True, exist_ok=True)
    CASES.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in kept))
    summary = {
        "source": "math-verify 0.9.0 sdist (PyPI), tests/*.py",
        "licence": "MIT notice in each test file (Copyright (c) 2024 The HuggingFace Team); repository LICENCE "
                   "Apache-2.0",
        "test_files": sorted(files),
        "labelled_assertions": len(cases),
        "kept": len(kept),
        "skipped_config_specific": dict(sorted(skipped.items())),
        "not_gold_pred_labels": dict(sorted(other.items())),
    }
    SUMMARY.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


# -- verigrade on the cases ------------------------------------------------------------------------------
def load_cases() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]


def verigrade_verdicts(cases: list[dict], spec: dict | None = None) -> list:
    """Grade every case with the default `math_equivalence` spec (gold = reference, pred = output)."""
    sys.path.insert(0, str(ROOT))
    from graders import load_grader

    grader = load_grader(spec or {"type": "math_equivalence", "reference": "{{ item.answer }}", "timeout_s": 10})
    return grader.grade_batch([({"output_text": c["pred"]}, {"answer": c["gold"]}) for c in cases])


def agreement(cases: list[dict], scores: list[float]) -> dict:
    fp = [c["id"] for c, s in zip(cases, scores) if s == 1 and c["expected"] == 0]
    fn = [c["id"] for c, s in zip(cases, scores) if s == 0 and c["expected"] == 1]
    n = len(cases)
    return {"cases": n, "agree": n - len(fp) - len(fn), "agreement": round((n - len(fp) - len(fn)) / n, 4),
            "false_positives": fp, "false_negatives": fn}


def command_measure(with_math_verify: bool, show: bool) -> None:
    cases = load_cases()
    results = verigrade_verdicts(cases)
    report = {"verigrade": agreement(cases, [r.score for r in results])}
    if with_math_verify:
        logging.getLogger("math_verify").setLevel(logging.CRITICAL)
        report["math_verify_defaults"] = agreement(
            cases, [math_verify_verdict(c["gold"], c["pred"], DEFAULTS) for c in cases])
    for name, rep in report.items():
        print(f"{name}: {rep['agree']}/{rep['cases']} agree ({rep['agreement']:.1%}), "
              f"{len(rep['false_positives'])} false positives, {len(rep['false_negatives'])} false negatives")
    if show:
        by_id = {c["id"]: (c, r) for c, r in zip(cases, results)}
        for kind in ("false_positives", "false_negatives"):
            for case_id in report["verigrade"][kind]:
                case, res = by_id[case_id]
                print(f"  {kind[:-1]} {case_id}: gold={case['gold'][-60:]!r} pred={case['pred'][-80:]!r}\n"
                      f"      -> {res.status}: {res.reason[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="write tests/data/math_verify_cases.jsonl from the sdist")
    ex.add_argument("source", type=Path, help="math_verify-0.9.0.tar.gz or its unpacked folder")
    me = sub.add_parser("measure", help="verigrade's agreement with the labels")
    me.add_argument("--math-verify", action="store_true", help="also score plain math-verify (defaults)")
    me.add_argument("--show", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    if args.command == "extract":
        command_extract(args.source)
    else:
        command_measure(args.math_verify, args.show)


if __name__ == "__main__":
    main()

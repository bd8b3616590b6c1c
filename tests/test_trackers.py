"""`report_to: [tensorboard, wandb, trackio]`: a short training run through the CLI (tiny random model) logs
every metrics.jsonl value and a completions table to each tracker; the test reads them back with each
tracker's own storage (TensorBoard's event reader, the wandb offline run file, trackio's SQLite store)."""
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from trainer.config import ConfigError, from_dict
from trainer.trackers import metric_items

ROOT = Path(__file__).resolve().parents[1]
MULTI = {"type": "multi", "name": "fmt_and_answer", "calculate_output": "0.5 * fmt + 0.5 * answer", "graders": {
    "fmt": {"type": "string_check", "name": "fmt", "input": "{{ sample.output_text }}", "reference": "[0-9]",
            "operation": "regex"},
    "answer": {"type": "string_check", "name": "answer", "input": "{{ sample.output_text }}",
               "reference": "{{ item.answer }}", "operation": "like"}}}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from trainer.tiny import make_tiny_model

    root = tmp_path_factory.mktemp("trackers")
    model = make_tiny_model(root / "model", seed=0)
    data = root / "data.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"what is {i % 7} + {i % 5}?", "answer": str(i % 7 + i % 5)})
                            + "\n" for i in range(16)))
    cfg = root / "cfg.json"
    cfg.write_text(json.dumps({"model": str(model), "data": str(data), "eval_data": str(data), "eval_max_items": 4,
                               "grader": MULTI, "output_dir": str(root / "out"), "max_steps": 3,
                               "prompts_per_step": 2, "num_generations": 4, "max_completion_length": 8,
                               "learning_rate": 1e-2, "seed": 1, "save_final_model": False, "log_samples": 2,
                               "report_to": ["tensorboard", "wandb", "trackio"], "run_name": "tracked"}))
    env = {**os.environ, "TRACKIO_DIR": str(root / "trackio"), "PYTHONPATH": str(ROOT)}
    for name in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_DIR"):  # no account, the default (offline) mode
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-m", "graders.cli", "train", str(cfg), "--no-progress"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = root / "out"
    metrics = [json.loads(x) for x in open(out / "metrics.jsonl")]
    samples = [json.loads(x) for x in open(out / "samples.jsonl")]
    return {"out": out, "metrics": metrics, "samples": samples, "trackio": root / "trackio", "log": proc.stdout}


def expected(metrics):
    """{(tag, step): value} for every numeric value of every metrics.jsonl line."""
    want = {}
    for row in metrics:
        for tag, value in metric_items(row).items():
            want[(tag, row["step"])] = value
    return want


def test_metric_names():
    assert metric_items({"kind": "train", "step": 3, "reward": 0.5, "rewards/a/mean": 1, "note": "x",
                         "flag": True}) == {"train/reward": 0.5, "train/rewards/a/mean": 1.0}
    assert metric_items({"kind": "eval", "step": 0, "eval/reward": 0.25, "time/eval": 2.0}) == {
        "eval/reward": 0.25, "eval/time/eval": 2.0}


def test_tensorboard_has_every_metric_and_the_completions(run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run["out"] / "tensorboard"), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    got = {(tag, ev.step): ev.value for tag in acc.Tags()["scalars"] for ev in acc.Scalars(tag)}
    want = expected(run["metrics"])
    assert {"train/reward", "train/rewards/fmt/mean", "train/status/ok", "train/completions/entropy",
            "eval/accuracy", "eval/rewards/answer/mean"} <= {t for t, _ in want}
    assert set(want) <= set(got)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-6, abs=1e-6), key
    texts = {tag for tag in acc.Tags()["tensors"]}
    assert any(t.startswith("completions") for t in texts)
    table = acc.Tensors(next(t for t in texts if t.startswith("completions")))
    assert sorted(ev.step for ev in table) == [1, 2, 3]
    first = table[0].tensor_proto.string_val[0].decode()
    assert "| step | prompt | completion | reward | reward/fmt | reward/answer | status | reason |" in first
    step1 = [s for s in run["samples"] if s["step"] == 1]
    assert first.count("\n| 1 |") == len(step1) == 2


def read_wandb_records(path):
    """Records of a .wandb file: a 7-byte W&B header, then LevelDB-log framed protobuf `Record`s."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = path.read_bytes()
    assert data[:4] == b":W&B"
    records, pos, chunk, block = [], 7, b"", 32768
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block tail too short for a header is padding
            pos += block - pos % block
            continue
        length, kind = struct.unpack("<HB", data[pos + 4:pos + 7])
        if length == 0 and kind == 0:
            pos += block - pos % block
            continue
        chunk += data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # FULL or LAST
            rec = pb.Record()
            rec.ParseFromString(chunk)
            records.append(rec)
            chunk = b""
    return records


def test_wandb_offline_run_has_every_metric_and_the_table(run):
    runs = list((run["out"] / "wandb").glob("offline-run-*"))
    assert len(runs) == 1, "wandb must run offline (no account) inside output_dir"
    records = read_wandb_records(next(runs[0].glob("run-*.wandb")))
    got, table_steps = {}, set()
    for rec in records:
        if rec.WhichOneof("record_type") != "history":
            continue
        items = {(i.key or "/".join(i.nested_key)): json.loads(i.value_json) for i in rec.history.item}
        step = items.get("_step")
        for key, value in items.items():
            if key.startswith("completions/"):  # a table is logged as a reference to its media file
                table_steps.add(step)
            elif not key.startswith("_") and isinstance(value, (int, float)):
                got[(key, step)] = value
    want = expected(run["metrics"])
    for key, value in want.items():
        assert got.get(key) == pytest.approx(value, rel=1e-6, abs=1e-6), key
    assert sorted(table_steps) == [1, 2, 3]
    tables = sorted((runs[0] / "files" / "media" / "table").glob("completions_*.table.json"))
    assert len(tables) == 3
    table = json.loads(tables[0].read_text())
    assert table["columns"][:4] == ["step", "prompt", "completion", "reward"] and "reward/answer" in table["columns"]
    assert "status" in table["columns"] and "reason" in table["columns"] and len(table["data"]) == 2


def test_trackio_local_store_has_every_metric_and_the_table(run):
    code = ("import json, sys; from trackio.sqlite_storage import SQLiteStorage as S; "
            "print(json.dumps(S.get_logs('verigrade', 'tracked'), default=str))")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "TRACKIO_DIR": str(run["trackio"])},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    logs = json.loads(proc.stdout.strip().splitlines()[-1])
    got, tables = {}, []
    for entry in logs:
        for key, value in entry.items():
            if key == "completions":
                tables.append((entry["step"], value))
            elif key not in ("step", "timestamp") and isinstance(value, (int, float)):
                got[(key, entry["step"])] = value
    for key, value in expected(run["metrics"]).items():
        assert got.get(key) == pytest.approx(value, rel=1e-6, abs=1e-6), key
    assert sorted(s for s, _ in tables) == [1, 2, 3]
    rows = tables[0][1]["_value"]
    assert len(rows) == 2 and {"prompt", "completion", "reward", "reward/fmt", "status", "reason"} <= set(rows[0])


def test_report_to_is_validated(tmp_path):
    base = {"data": "d.jsonl", "grader": {"type": "string_check", "name": "x", "input": "a", "reference": "a",
                                          "operation": "eq"}}
    assert from_dict({**base}).report_to == []
    assert from_dict({**base, "report_to": "all"}).report_to == ["tensorboard", "wandb", "trackio"]
    assert from_dict({**base, "report_to": "none"}).report_to == []
    assert from_dict({**base, "report_to": "wandb"}).report_to == ["wandb"]
    with pytest.raises(ConfigError, match="report_to.*unknown tracker 'mlflow'"):
        from_dict({**base, "report_to": ["tensorboard", "mlflow"]})
    with pytest.raises(ConfigError, match="report_to"):
        from_dict({**base, "report_to": [1]})

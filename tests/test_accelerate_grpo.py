"""TRL's GRPOTrainer on two processes (`accelerate launch`, CPU, gloo), rewarded by `verigrade serve`."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graders.service.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.slow
def test_grpo_on_two_processes_with_rewards_from_the_service(tmp_path):
    pytest.importorskip("trl")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "graders.cli", "serve", "examples/trl_service/graders",
                               "--port", str(port), "--workers", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        end = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < end, "verigrade serve did not start"
            time.sleep(0.2)
        out_dir = tmp_path / "run"
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
        cmd = [str(VENV_BIN / "accelerate"), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--main_process_ip", "127.0.0.1", "--main_process_port", str(free_port()),
               "--mixed_precision", "no", "--dynamo_backend", "no",
               "examples/trl_service/train_grpo.py", "--url", url, "--cpu", "--tiny", "--max-steps", "2",
               "--output-dir", str(out_dir)]
        run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
        ranks = [json.loads((out_dir / f"rank{i}.json").read_text()) for i in range(2)]
        assert sorted(r["process_index"] for r in ranks) == [0, 1]
        assert len({r["pid"] for r in ranks}) == 2
        for r in ranks:
            assert r["num_processes"] == 2 and r["distributed_type"].endswith("MULTI_CPU") and r["backend"] == "gloo"
            assert r["global_step"] == 2 and r["last_batch_graded"] == 4
            logs = [h for h in r["log_history"] if "reward" in h]
            assert logs and "rewards/arithmetic/mean" in logs[0] and "rewards/rare_letter/mean" in logs[0]
        metrics = httpx.get(f"{url}/metrics").text
        for grader in ("arithmetic", "rare_letter"):
            graded = sum(metric(metrics, f'verigrade_results_total{{grader="{grader}",status="{s}"}}')
                         for s in ("ok", "no_answer", "invalid_reference", "timeout", "error", "rejected"))
            assert graded == 2 * 2 * 4, (grader, graded)  # 2 steps x 2 processes x 4 completions each
    finally:
        server.terminate()
        server.wait(timeout=60)

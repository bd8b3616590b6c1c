"""SandboxFusion's `/run_code` on `verigrade serve` (what a verl config with `sandbox_fusion.url` calls)."""
import httpx
import pytest

from graders.service.config import ServiceConfig, load_served_graders
from graders.service.testing import running_server
from sandbox_support import require_docker

pytestmark = pytest.mark.docker

VERL_DEFAULTS = {"compile_timeout": 10, "run_timeout": 10, "memory_limit_MB": 1024, "files": {}, "fetch_files": []}


@pytest.fixture(scope="module")
def url():
    with running_server(ServiceConfig(graders=load_served_graders(["grader_specs/exact_answer.json"]))) as base:
        yield base


def test_run_code_over_http_answers_like_sandboxfusion(url):
    require_docker()
    ok = httpx.post(f"{url}/run_code", json={**VERL_DEFAULTS, "code": "print(int(input()) * 2)", "stdin": "21\n",
                                             "language": "python"}, timeout=120)
    assert ok.status_code == 200
    body = ok.json()
    assert body["status"] == "Success" and body["run_result"]["stdout"] == "42\n"
    wrong = httpx.post(f"{url}/run_code", json={**VERL_DEFAULTS, "code": "int main() { return 2; }", "stdin": "",
                                                "language": "cpp"}, timeout=120).json()
    assert wrong["status"] == "Failed" and wrong["run_result"]["return_code"] == 2


def test_invalid_run_code_requests_are_422_and_ping_answers(url):
    resp = httpx.post(f"{url}/run_code", json={"code": "x", "language": "sql"}, timeout=30)
    assert resp.status_code == 422 and "unsupported language" in resp.text
    assert httpx.get(f"{url}/v1/ping", timeout=30).text == "pong"

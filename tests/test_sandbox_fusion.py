"""SandboxFusion's /run_code request and response shape, answered by the real sandbox (what verl's
sandbox_fusion client reads: status, compile_result, run_result{status, return_code, stdout})."""
from __future__ import annotations

import pytest

from sandbox.sandboxfusion import RunCodeError, run_code, run_code_batch
from sandbox_support import require_docker

VERL_DEFAULTS = {"compile_timeout": 10, "run_timeout": 10, "memory_limit_MB": 1024, "files": {}, "fetch_files": []}


def test_run_code_answers_like_sandboxfusion():
    require_docker()
    requests = [
        {**VERL_DEFAULTS, "code": "print(int(input()) * 2)", "stdin": "21\n", "language": "python"},
        {**VERL_DEFAULTS, "code": "#include <cstdio>\nint main(){int a; scanf(\"%d\", &a); printf(\"%d\\n\", a + 1); return 3;}",
         "stdin": "41", "language": "cpp"},
        {**VERL_DEFAULTS, "code": "int main() { return undefined_name; }", "stdin": "", "language": "cpp"},
        {**VERL_DEFAULTS, "code": "while True: pass", "stdin": "", "language": "python", "run_timeout": 1},
        {**VERL_DEFAULTS, "code": "console.log(require('fs').readFileSync(0, 'utf8').trim().toUpperCase())",
         "stdin": "abc", "language": "nodejs"},
    ]
    ok, rc3, compile_error, tle, node = run_code_batch(requests)
    for answer in (ok, rc3, compile_error, tle, node):
        assert set(answer) == {"status", "message", "compile_result", "run_result", "executor_pod_name", "files"}
    assert ok["status"] == "Success" and ok["compile_result"] is None
    assert ok["run_result"]["status"] == "Finished" and ok["run_result"]["stdout"] == "42\n"
    assert ok["run_result"]["return_code"] == 0 and ok["run_result"]["execution_time"] > 0
    assert rc3["status"] == "Failed" and rc3["compile_result"]["return_code"] == 0
    assert (rc3["run_result"]["return_code"], rc3["run_result"]["stdout"]) == (3, "42\n")
    assert compile_error["status"] == "Failed" and compile_error["run_result"] is None
    assert compile_error["compile_result"]["return_code"] != 0 and "undefined_name" in compile_error["compile_result"]["stderr"]
    assert tle["status"] == "Failed" and tle["run_result"]["status"] == "TimeLimitExceeded"
    assert node["status"] == "Success" and node["run_result"]["stdout"] == "ABC\n"


@pytest.mark.parametrize("request_body, why", [
    ({"code": "x", "language": "sql"}, "unsupported language"),
    ({"language": "python"}, "'code' is required"),
    ({"code": "x", "language": "python", "files": {"a.txt": "eA=="}}, "not supported"),
    ({"code": "x", "language": "python", "run_timeout": 0}, "run_timeout"),
    ({"code": "x", "language": "python", "surprise": 1}, "unknown fields"),
])
def test_invalid_requests_are_refused_before_running(request_body, why):
    with pytest.raises(RunCodeError, match=why):
        run_code(request_body)

"""Every required language in the real Docker sandbox: correct solutions pass, wrong ones fail, compile errors
score 0 with the compiler's words, and each compiled language's hostile programs get nothing and leave
nothing behind. Data: tests/data/code (written for this repository)."""
from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path

import pytest

from graders import load_grader
from sandbox_support import own_sandbox_processes, require_docker, stray_containers

sys.path.insert(0, str(Path(__file__).parent / "data" / "code"))
import hostile  # noqa: E402
import reduce_problems as problems  # noqa: E402

PROBLEM_NAMES = sorted(problems.PROBLEMS)


@pytest.fixture(scope="module")
def grader():
    require_docker()
    return load_grader({"type": "unit_tests", "language": "{{ item.language }}", "test_format": "io",
                        "tests": "{{ item.tests }}", "test_timeout_s": 5, "batch_size": 4})


@pytest.mark.parametrize("language", problems.REQUIRED_LANGUAGES)
def test_correct_solutions_pass_and_wrong_ones_fail(grader, language):
    # one problem per language here (rotating); benchmarks/sandbox_languages.py runs all of them everywhere
    problem = PROBLEM_NAMES[problems.REQUIRED_LANGUAGES.index(language) % len(PROBLEM_NAMES)]
    rows = [(f"```{language}\n{problems.solution(problem, language, kind)}```",
             {"language": language, "tests": problems.tests(problem)}) for kind in problems.KINDS]
    correct, *wrong = grader.grade_batch(rows)
    assert (correct.score, correct.status) == (1.0, "ok"), correct.reason
    for r in wrong:  # a wrong solution may get a test right by chance, never all of them
        assert r.score < 1.0 and r.status == "ok" and "wrong output" in r.reason, (r.score, r.reason)


def test_cpp20_is_its_own_standard(grader):
    code = "#include <bits/stdc++.h>\nint main() { std::vector<int> v{3, 1, 2}; std::ranges::sort(v);\n" \
           "  long long n, x, s = 0; std::cin >> n; while (n-- && std::cin >> x) s += x; std::cout << s << '\\n'; }\n"
    item = {"tests": problems.tests("sum")}
    r20, r17 = grader.grade_batch([(code, {**item, "language": "cpp20"}), (code, {**item, "language": "cpp"})])
    assert (r20.score, r20.status) == (1.0, "ok"), r20.reason
    assert (r17.score, r17.status) == (0.0, "ok") and r17.reason.startswith("compile error:"), r17.reason


COMPILE_ERRORS = {
    "c": "int main(void) { return undefined_name; }\n",
    "cpp": "int main() { std::vector<int> v; }\n",
    "java": "public class Main { public static void main(String[] a) { int x = \"s\"; } }\n",
    "typescript": "const x: number = 'not a number';\nconsole.log(x);\n",
    "go": "package main\nfunc main() { var unused int }\n",
    "rust": "fn main() { let x: i32 = \"s\"; }\n",
}


def test_compile_errors_score_zero_with_the_compilers_words(grader):
    tests = problems.tests("sum", count=1)
    results = grader.grade_batch([(code, {"language": lang, "tests": tests}) for lang, code in COMPILE_ERRORS.items()])
    for lang, r in zip(COMPILE_ERRORS, results):
        assert (r.score, r.status) == (0.0, "ok"), (lang, r.status, r.reason)
        assert r.reason.startswith("compile error:") and "ain." in r.reason[14:], (lang, r.reason)  # names main.c, Main.java...
        assert r.details["compile"] == "error"


def test_a_compile_that_runs_out_of_time_is_a_timeout_not_a_pass():
    require_docker()
    g = load_grader({"type": "unit_tests", "language": "cpp", "test_format": "io", "tests": "{{ item.tests }}",
                     "compile_timeout_s": 2})
    # 2^26 distinct template instantiations (depth 26, far below the depth limit): minutes of compiling
    bomb = ("template<int N, long long M> struct A { static const long long v = A<N-1, 2*M>::v + A<N-1, 2*M+1>::v; };\n"
            "template<long long M> struct A<0, M> { static const long long v = M; };\n"
            "#include <cstdio>\nint main() { std::printf(\"%lld\\n\", A<26, 1>::v); }\n")
    r = g.grade(bomb, {"tests": [{"input": "", "output": "1\n"}]})
    assert r.score == 0.0 and r.status in ("timeout", "error"), (r.status, r.reason)
    assert r.status != "ok"


@pytest.mark.parametrize("language", sorted(hostile.BY_LANGUAGE))
def test_hostile_programs_get_nothing_and_leave_nothing(language):
    require_docker()
    g = load_grader({"type": "unit_tests", "language": language, "test_format": "io", "tests": "{{ item.tests }}",
                     "test_timeout_s": 3, "batch_size": 16, "pool_size": 1})
    marker = "VGMARK-" + secrets.token_hex(16)
    programs = hostile.BY_LANGUAGE[language]
    names = list(programs)
    rows = [(programs[n].replace("{marker}", marker), {"tests": [{"input": "", "output": marker + "\n"}]}) for n in names]
    rows.append((problems.solution("sum", language), {"tests": problems.tests("sum")}))  # the pool still works after
    results = g.grade_batch(rows)
    by_name = dict(zip(names + ["correct"], results))
    for name, r in by_name.items():
        if name != "correct":
            assert r.score == 0.0, (name, r.status, r.reason)
    assert (by_name["correct"].score, by_name["correct"].status) == (1.0, "ok"), by_name["correct"].reason
    assert by_name["infinite_loop"].status == "timeout", by_name["infinite_loop"].reason
    assert "output limit" in by_name["huge_output"].reason, by_name["huge_output"].reason
    for name in ("write_outside", "state_writer"):
        assert by_name[name].status == "error" and "violation" in by_name[name].reason, (name, by_name[name].reason)
    # a daemon that keeps the test's stdout open makes the test run out of time; one that doesn't is a violation
    left = by_name["leftover_process"]
    assert (left.status == "error" and "background process" in left.reason) or left.status == "timeout", left.reason
    assert "offline" in by_name["network"].reason or "wrong output" in by_name["network"].reason
    from sandbox.docker_client import get_client

    deadline = time.monotonic() + 10  # containers being recycled in the background are removed with their processes
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == [], "a sandbox process survived on the host"

    assert not stray_containers(get_client())


CHECKER = """import sys
inp, out, ans = (open(p).read() for p in sys.argv[1:4])
n = int(inp.split()[0])
try:
    a, b = map(int, out.split())
except ValueError:
    sys.exit(2)
sys.exit(0 if a + b == n and a >= 0 and b >= 0 else 1)
"""
CPP_CHECKER = ("#include <fstream>\nint main(int c, char** v) { std::ifstream i(v[1]), o(v[2]); long n, a, b; i >> n;\n"
               "  if (!(o >> a >> b)) return 2; return a + b == n && a >= 0 && b >= 0 ? 0 : 1; }\n")


@pytest.mark.parametrize("checker_language, checker", [("python", CHECKER), ("cpp", CPP_CHECKER)])
def test_a_custom_checker_accepts_every_right_answer(checker_language, checker):
    """Split n into two non-negative parts: many right answers, none of them the expected file's."""
    require_docker()
    g = load_grader({"type": "unit_tests", "language": "{{ item.language }}", "test_format": "io",
                     "tests": "{{ item.tests }}", "io_compare": "checker",
                     "checker": {"language": checker_language, "source": checker}})
    tests = [{"input": "5\n", "output": "2 3\n"}, {"input": "10\n", "output": "5 5\n"}]
    rows = [("n = int(input())\nprint(n, 0)", "python"), ("#include <cstdio>\nint main(){int n; scanf(\"%d\", &n); printf(\"%d %d\\n\", 1, n - 1);}", "cpp"),
            ("print(1, 1)", "python"), ("print('x')", "python")]
    results = g.grade_batch([(code, {"language": lang, "tests": tests}) for code, lang in rows])
    assert [r.score for r in results] == [1.0, 1.0, 0.0, 0.0], [r.reason for r in results]
    assert "exit 1" in results[2].reason and "exit 2" in results[3].reason
    broken = load_grader({"type": "unit_tests", "test_format": "io", "tests": "{{ item.tests }}", "io_compare": "checker",
                          "checker": {"source": "import sys\nsys.exit(3)"}})
    r = broken.grade("print(1)", {"tests": tests})
    assert r.status == "invalid_reference" and "checker failed" in r.reason, r.reason


READ_COUNTERS = ("#include <stdio.h>\n#include <unistd.h>\n#include <sys/stat.h>\nint main(void) {\n"
                 "  FILE *f = fopen(\"probe\", \"w\"); struct stat st; fstat(fileno(f), &st);\n"
                 "  printf(\"pid=%d ino=%lu\\n\", (int)getpid(), (unsigned long)st.st_ino); fclose(f); remove(\"probe\"); return 0;\n}\n")
SIGNAL = ("#include <pthread.h>\n#include <stdio.h>\nstatic void *f(void *x) { return x; }\nint main(void) {\n"
          "  for (int i = 0; i < THREADS; i++) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); }\n"
          "  for (int i = 0; i < FILES; i++) { char n[16]; sprintf(n, \"f%d\", i); fclose(fopen(n, \"w\")); }\n"
          "  puts(\"sent\"); return 0;\n}\n")


def test_a_compiled_sample_leaves_no_message_in_the_kernel_counters():
    """Threads and files a sample makes move the pid and inode counters; the runner pads every step to a fixed
    budget, so what the next sample reads is the same whatever the previous one did, and the warm
    container is kept (no recycling) while nothing leaks."""
    require_docker()
    from sandbox.pool import _pools

    # limits of its own: a pool of its own, with one container, so each batch below is one job in it
    g = load_grader({"type": "unit_tests", "language": "c", "test_format": "io", "tests": "{{ item.tests }}",
                     "pool_size": 1, "batch_size": 3, "limits": {"nofile": 250}})
    item = {"tests": [{"input": "", "output": "unknowable\n"}]}
    g.grade(READ_COUNTERS, item)  # the pool exists and is warm
    pool = next(p for p in _pools.values() if p.family == "native" and p.limits.nofile == 250)
    assert pool.size == 1
    recycled = pool.stats["recycled"]
    deltas = []
    for threads, files in ((1, 0), (6, 5)):  # within a C test's budget (8 pids, 8 inodes)
        sender = SIGNAL.replace("THREADS", str(threads)).replace("FILES", str(files))
        before, sent, after = g.grade_batch([(READ_COUNTERS, item), (sender, item), (READ_COUNTERS, item)])
        assert "sent" in sent.reason, sent.reason
        first = dict(kv.split("=") for kv in before.reason.split("wrong output: ")[1].split())
        second = dict(kv.split("=") for kv in after.reason.split("wrong output: ")[1].split())
        deltas.append({k: int(second[k]) - int(first[k]) for k in ("pid", "ino")})
    assert pool.stats["recycled"] == recycled, "the container was replaced: the test would prove nothing"
    assert deltas[0] == deltas[1] and deltas[0]["pid"] > 0, deltas


@pytest.mark.parametrize("name", ["codecontests", "multipl_e"])
def test_shipped_multilanguage_specs_score_their_examples(name):
    require_docker()
    import json as _json

    from grader_specs import FOLDER

    g = load_grader(FOLDER / f"{name}.json")
    rows = [_json.loads(line) for line in (FOLDER / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    results = g.grade_batch([(row["sample"], row["item"]) for row in rows])
    for row, r in zip(rows, results):
        assert r.score == pytest.approx(row["expect"]["score"], abs=1e-4), (row["item"]["language"], r.reason)
        assert r.status == row["expect"]["status"], (row["item"]["language"], r.reason)


OPTIONAL = {"ruby": "a, b = gets.split.map(&:to_i)\nputs a + b\n",
            "php": "<?php\n[$a, $b] = array_map('intval', explode(' ', trim(fgets(STDIN))));\necho $a + $b, \"\\n\";\n",
            "lua": "local a, b = io.read('n', 'n')\nprint(math.tointeger(a + b))\n",
            "perl": "my ($a, $b) = split ' ', <STDIN>;\nprint $a + $b, \"\\n\";\n",
            "csharp": "using System;\nclass P { static void Main() { var p = Console.ReadLine().Split(' ');\n"
                      "  Console.WriteLine(long.Parse(p[0]) + long.Parse(p[1])); } }\n"}


def test_the_optional_languages_run_right_answers_and_reject_wrong_ones(grader):
    tests = [{"input": "1 2\n", "output": "3\n"}, {"input": "5 7\n", "output": "12\n"}]
    rows = [(code, {"language": lang, "tests": tests}) for lang, code in OPTIONAL.items()]
    rows += [(code.replace("a + b", "a - b").replace("$a + $b", "$a - $b").replace("+ long.Parse", "- long.Parse"),
              {"language": lang, "tests": tests}) for lang, code in OPTIONAL.items()]
    results = grader.grade_batch(rows)
    n = len(OPTIONAL)
    assert [r.score for r in results[:n]] == [1.0] * n, [r.reason for r in results[:n]]
    assert [r.score for r in results[n:]] == [0.0] * n, [r.reason for r in results[n:]]

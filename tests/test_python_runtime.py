"""The python grader's runtime: OpenAI's `2025-05-08` image (its documented package list at its versions), the
`stdlib` image, OpenAI's limits, and OpenAI's error flags, in the real Docker sandbox.

Graders here are written in the shapes of OpenAI's graders guide and RFT cookbook (a `grade(sample, item)`
that imports rapidfuzz; `sample["output_text"]`, `sample["output_json"]`, `item["reference_answer"]`);
expected values come from the libraries' own documentation or from running the same source on the host.
"""
from __future__ import annotations

import os

import pytest

from graders import load_grader
from graders.spec import SpecError
from sandbox_support import require_docker

FAMILY = "openai-2025-05-08"
# OpenAI's graders guide, "Python graders": the packages of image 2025-05-08 and their versions
OPENAI_PACKAGES = {"numpy": "2.2.4", "scipy": "1.15.2", "sympy": "1.13.3", "pandas": "2.2.3", "rapidfuzz": "3.10.1",
                   "scikit-learn": "1.6.1", "rouge-score": "0.1.2", "deepdiff": "8.4.2", "jsonschema": "4.23.0",
                   "pydantic": "2.10.6", "pyyaml": "6.0.2", "nltk": "3.9.1", "sqlparse": "0.5.3",
                   "rdkit": "2024.9.6", "scikit-bio": "0.6.3", "ast-grep-py": "0.36.2"}


@pytest.fixture(scope="module")
def runtime_image():
    """The 2025-05-08 image must be built (it is, by `make test`'s set-up): skip locally, fail under CI."""
    require_docker()
    from sandbox.docker_client import get_client
    from sandbox.image import find_image

    if find_image(get_client(), FAMILY) is None:
        message = f"the {FAMILY} sandbox image is not built (run `python -m sandbox.ensure --all`)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def in_sandbox(test):
    """A test that runs graders in the real 2025-05-08 image."""
    return pytest.mark.docker(pytest.mark.usefixtures("runtime_image")(test))


def grader(source: str, **extra):
    return load_grader({"type": "python", "name": "py", "source": source, **extra})


# -- every listed package, used minimally, with values from its own documentation ---------------------------
PACKAGE_CHECKS = r'''
import importlib.metadata

def check_numpy():
    import numpy as np
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert (a @ np.array([1.0, 1.0])).tolist() == [3.0, 7.0]
    assert abs(np.linalg.det(a) + 2.0) < 1e-9

def check_scipy():
    from scipy import optimize, stats
    assert stats.norm.cdf(0.0) == 0.5
    assert abs(optimize.brentq(lambda x: x * x - 2.0, 0.0, 2.0) - 2 ** 0.5) < 1e-9

def check_sympy():
    import sympy
    x = sympy.symbols("x")
    assert sympy.simplify(sympy.sin(x) ** 2 + sympy.cos(x) ** 2) == 1
    assert sympy.integrate(x ** 2, (x, 0, 3)) == 9

def check_pandas():
    import pandas as pd
    df = pd.DataFrame({"team": ["a", "b", "a"], "points": [1, 2, 5]})
    assert df.groupby("team")["points"].sum().to_dict() == {"a": 6, "b": 2}

def check_rapidfuzz():
    from rapidfuzz import fuzz
    assert abs(fuzz.ratio("this is a test", "this is a test!") - 96.55172413793103) < 1e-9
    assert fuzz.WRatio("this is a test", "this is a new test!!!") == 85.5

def check_scikit_learn():
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import f1_score
    model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    assert abs(model.coef_[0] - 2.0) < 1e-9 and abs(model.intercept_ - 1.0) < 1e-9
    assert f1_score([1, 0, 1, 1], [1, 0, 0, 1]) == 0.8

def check_rouge_score():
    from rouge_score import rouge_scorer
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)
    scores = scorer.score("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.")
    assert abs(scores["rouge1"].fmeasure - 0.7058823529411765) < 1e-9
    assert abs(scores["rougeL"].fmeasure - 0.5882352941176471) < 1e-9

def check_deepdiff():
    from deepdiff import DeepDiff
    diff = DeepDiff({"a": 1, "b": [1, 2]}, {"a": 2, "b": [1, 2]})
    assert diff == {"values_changed": {"root['a']": {"new_value": 2, "old_value": 1}}}

def check_jsonschema():
    import jsonschema
    schema = {"type": "object", "properties": {"price": {"type": "number"}}, "required": ["price"]}
    jsonschema.validate({"price": 34.99}, schema)
    try:
        jsonschema.validate({"price": "cheap"}, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("an invalid instance validated")

def check_pydantic():
    import pydantic

    class Answer(pydantic.BaseModel):
        value: int
        unit: str = "m"

    assert Answer(value="3").value == 3
    try:
        Answer(value="three")
    except pydantic.ValidationError:
        return
    raise AssertionError("'three' became an int")

def check_pyyaml():
    import yaml
    assert yaml.safe_load("a: [1, 2]\nb: {c: true}") == {"a": [1, 2], "b": {"c": True}}

def check_nltk():
    from nltk.corpus import wordnet
    from nltk.stem import WordNetLemmatizer
    from nltk.tokenize import sent_tokenize, word_tokenize
    text = "Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\n\nThanks."
    assert word_tokenize(text)[:9] == ["Good", "muffins", "cost", "$", "3.88", "in", "New", "York", "."]
    assert sent_tokenize(text) == ["Good muffins cost $3.88\nin New York.", "Please buy me\ntwo of them.", "Thanks."]
    assert wordnet.synsets("dog")[0].name() == "dog.n.01" and wordnet.synset("dog.n.01").lexname() == "noun.animal"
    assert WordNetLemmatizer().lemmatize("geese") == "goose"
    assert WordNetLemmatizer().lemmatize("running", pos="v") == "run"

def check_sqlparse():
    import sqlparse
    out = sqlparse.format("select * from foo where id in (select id from bar);", reindent=True, keyword_case="upper")
    assert out.splitlines()[:3] == ["SELECT *", "FROM foo", "WHERE id IN"], out
    assert [str(s).strip() for s in sqlparse.parse("select 1; select 2;")] == ["select 1;", "select 2;"]

def check_rdkit():
    from rdkit import Chem
    from rdkit.Chem import Descriptors
    phenol = Chem.MolFromSmiles("c1ccccc1O")
    assert phenol.GetNumAtoms() == 7 and abs(Descriptors.MolWt(phenol) - 94.113) < 1e-3
    assert Chem.MolToSmiles(Chem.MolFromSmiles("OC1=CC=CC=C1")) == Chem.MolToSmiles(phenol)

def check_scikit_bio():
    import skbio
    assert str(skbio.DNA("ACCGGGTA").reverse_complement()) == "TACCCGGT"
    dm = skbio.DistanceMatrix([[0.0, 1.0], [1.0, 0.0]], ids=["a", "b"])
    assert dm["a", "b"] == 1.0

def check_ast_grep_py():
    from ast_grep_py import SgRoot
    root = SgRoot("print('hello world')", "python").root()
    assert root.find(pattern="print($A)").get_match("A").text() == "'hello world'"

def grade(sample, item):
    package = item["package"]
    assert importlib.metadata.version(package) == item["version"], importlib.metadata.version(package)
    globals()["check_" + package.replace("-", "_")]()
    return 1.0
'''


@in_sandbox
def test_every_package_of_openais_image_imports_at_its_version_and_works():
    results = grader(PACKAGE_CHECKS).grade_batch([("", {"package": name, "version": version})
                                                  for name, version in OPENAI_PACKAGES.items()])
    failed = {name: r.reason for name, r in zip(OPENAI_PACKAGES, results) if (r.score, r.status) != (1.0, "ok")}
    assert not failed


@in_sandbox
def test_the_runner_is_untouched_and_packages_load_under_isolated_mode():
    source = ("import sys, numpy\ndef grade(sample, item):\n"
              "    return 1.0 if sys.flags.isolated and numpy.__file__.startswith('/opt/verigrade-site/') else 0.0\n")
    assert grader(source).grade("", {}).score == 1.0


# -- graders in the shapes of OpenAI's guide and cookbook ----------------------------------------------------
# graders guide, "Python graders": fuzzy match with rapidfuzz, image_tag 2025-05-08
GUIDE_FUZZY = {
    "type": "python", "name": "fuzzy_match", "image_tag": "2025-05-08",
    "source": "from rapidfuzz import fuzz, utils\n\ndef grade(sample, item) -> float:\n"
              "    output_text = sample[\"output_text\"]\n    reference_answer = item[\"reference_answer\"]\n"
              "    return fuzz.WRatio(output_text, reference_answer, processor=utils.default_process) / 100.0\n",
}
# RFT cookbook (clinical phrases): graders on the structured output, combined 0.85 / 0.15, source built from
# several functions as `inspect.getsource` gives it
COOKBOOK_CLINICAL = {
    "type": "python", "name": "clinical_phrase_grader", "image_tag": "2025-05-08",
    "source": '''from rapidfuzz import fuzz, utils


def clinical_phrase_grader(sample: dict, item: dict) -> float:
    score = fuzz.token_set_ratio(sample["output_json"]["result"], item["reference_answer"],
                                 processor=utils.default_process)
    return score / 100.0


def clinical_phrase_binary_grader(sample: dict, item: dict) -> float:
    score = fuzz.token_set_ratio(sample["output_json"]["result"], item["reference_answer"],
                                 processor=utils.default_process)
    return 1.0 if score >= 90.0 else 0.0


def combined_grader(sample: dict, item: dict, weights: list[float] = [0.85, 0.15]) -> float:
    clinical_phrase_score = clinical_phrase_grader(sample, item)
    binary_score = clinical_phrase_binary_grader(sample, item)
    return weights[0] * clinical_phrase_score + weights[1] * binary_score


def grade(sample: dict, item: dict) -> float:
    return combined_grader(sample, item)
''',
}
CASES = [
    (GUIDE_FUZZY, {"output_text": "Paris, France"}, {"reference_answer": "paris"}),
    (GUIDE_FUZZY, {"output_text": "The capital is Lyon"}, {"reference_answer": "Paris"}),
    (GUIDE_FUZZY, {"output_text": ""}, {"reference_answer": "Paris"}),
    (COOKBOOK_CLINICAL, {"output_text": '{"result": "Type 2 diabetes mellitus"}',
                         "output_json": {"result": "Type 2 diabetes mellitus"}},
     {"reference_answer": "type 2 diabetes mellitus"}),
    (COOKBOOK_CLINICAL, {"output_text": '{"result": "diabetes"}', "output_json": {"result": "diabetes"}},
     {"reference_answer": "type 2 diabetes mellitus"}),
    (COOKBOOK_CLINICAL, {"output_text": '{"result": "asthma"}', "output_json": {"result": "asthma"}},
     {"reference_answer": "chronic obstructive pulmonary disease"}),
]


def _on_the_host(spec: dict, sample: dict, item: dict) -> float:
    """The same source run by this test's own interpreter (with its own rapidfuzz): the reference value."""
    namespace: dict = {}
    exec(spec["source"], namespace)
    return float(namespace["grade"](sample, item))


@in_sandbox
@pytest.mark.parametrize("spec,sample,item", CASES)
def test_openai_guide_and_cookbook_graders_that_import_rapidfuzz(spec, sample, item):
    result = load_grader(spec).grade(sample, item)
    assert result.status == "ok", result.reason
    assert result.score == pytest.approx(_on_the_host(spec, sample, item), abs=1e-9)
    run = result.to_openai_run(spec["name"], "python")
    assert not any(v for k, v in run["metadata"]["errors"].items())


@in_sandbox
def test_cookbook_values_are_the_documented_ones():
    # rapidfuzz's documentation: default_process lowercases and drops non-alphanumerics, so these are equal;
    # token_set_ratio of a set of words and a superset with repeats is 100
    guide = load_grader(GUIDE_FUZZY)
    assert guide.grade({"output_text": "New York Mets!"}, {"reference_answer": "new york mets"}).score == 1.0
    clinical = load_grader(COOKBOOK_CLINICAL)
    same = {"output_text": "", "output_json": {"result": "fuzzy was a bear"}}
    assert clinical.grade(same, {"reference_answer": "fuzzy fuzzy was a bear"}).score == pytest.approx(1.0)


@in_sandbox
def test_numpy_and_sklearn_floats_are_floats():
    source = ("import numpy as np\nfrom sklearn.metrics import f1_score\n\ndef grade(sample, item):\n"
              "    if item['kind'] == 'mean':\n        return np.mean([0.5, 1.0])\n"
              "    return f1_score([1, 0, 1, 1], [1, 0, 0, 1])\n")
    results = grader(source).grade_batch([("", {"kind": "mean"}), ("", {"kind": "f1"})])
    assert [(r.status, r.score) for r in results] == [("ok", 0.75), ("ok", pytest.approx(0.8))]


# -- failures: score 0 with OpenAI's flags ---------------------------------------------------------------------
@in_sandbox
@pytest.mark.parametrize("body,why", [
    ("return item['missing']", "KeyError"),
    ("import rapidfuzz\n    return rapidfuzz.fuzz.no_such_scorer('a', 'b')", "AttributeError"),
    ("return 'high'", "must return a finite number"),
    ("return None", "must return a finite number"),
    ("import numpy as np\n    return np.array([0.5, 0.5])", "ndarray"),
    ("return float('inf')", "must return a finite number"),
    ("import numpy as np\n    return np.float64('nan')", "NaN"),
])
def test_an_exception_or_a_non_number_scores_zero_with_the_runtime_error_flag(body, why):
    result = grader(f"def grade(sample, item):\n    {body}\n").grade("x", {})
    assert (result.score, result.status, result.error_type) == (0.0, "error", "python_grader_runtime_error")
    assert why in result.reason
    errors = result.to_openai_run("py", "python")["metadata"]["errors"]
    assert errors["python_grader_runtime_error"] and not errors["python_grader_server_error"]
    assert errors["python_grader_runtime_error_details"] and why in errors["python_grader_runtime_error_details"]


@in_sandbox
def test_a_dead_runner_is_a_server_error_with_its_type():
    source = "import os\n\ndef grade(sample, item):\n    os.kill(os.getppid(), 9)\n    return 1.0\n"
    result = grader(source).grade("x", {})
    assert (result.score, result.status, result.error_type) == (0.0, "error", "python_grader_server_error")
    errors = result.to_openai_run("py", "python")["metadata"]["errors"]
    assert errors["python_grader_server_error"] and errors["python_grader_server_error_type"] == "runner_died"


@in_sandbox
def test_missing_nltk_data_fails_clearly():
    source = "from nltk.corpus import stopwords\n\ndef grade(sample, item):\n    return len(stopwords.words('english'))\n"
    result = grader(source).grade("x", {})
    assert (result.score, result.error_type) == (0.0, "python_grader_runtime_error")
    assert result.details["missing_nltk_data"] == "stopwords"
    assert result.reason.startswith("NLTK data 'stopwords' is not in verigrade's 2025-05-08 image")


# -- image_tag selects the runtime -------------------------------------------------------------------------------
@in_sandbox
def test_image_tag_selects_the_runtime():
    source = "def grade(sample, item):\n    import numpy\n    return 1.0\n"
    assert grader(source).grade("", {}).score == 1.0                       # no image_tag: OpenAI's image
    assert grader(source, image_tag=None).grade("", {}).score == 1.0
    lean = grader(source, image_tag="stdlib").grade("", {})
    assert lean.score == 0.0 and "ModuleNotFoundError: No module named 'numpy'" in lean.reason
    assert lean.details["image_tag"] == "stdlib"
    plain = "def grade(sample, item):\n    return 0.5\n"
    assert grader(plain, image_tag="stdlib").grade("", {}).score == 0.5


# -- OpenAI's limits, with the sandbox's hardening ---------------------------------------------------------------
@in_sandbox
def test_source_over_256_kb_is_refused():
    body = "def grade(sample, item):\n    return 1.0\n"
    padding = "# " + "x" * 98 + "\n"
    near = body + padding * ((256 * 1024 - len(body)) // len(padding))
    assert len(near.encode()) <= 256 * 1024 and grader(near).grade("", {}).score == 1.0
    with pytest.raises(SpecError, match=r"/source: is \d+ bytes; OpenAI's limit is 256 kB"):
        grader(near + padding)
    with pytest.raises(SpecError, match="/source"):   # multi-byte characters count as bytes
        grader(body + "# " + "é" * 140_000 + "\n")


@in_sandbox
def test_no_network_only_loopback():
    source = '''import errno, socket

def grade(sample, item):
    names = sorted(name for _, name in socket.if_nameindex())
    try:
        socket.create_connection(("1.1.1.1", 443), timeout=5)
        reached = "connected"
    except OSError as exc:
        reached = errno.errorcode.get(exc.errno, str(exc))
    try:
        socket.getaddrinfo("example.com", 443)
        resolved = True
    except OSError:
        resolved = False
    assert names == ["lo"] and reached == "ENETUNREACH" and not resolved, (names, reached, resolved)
    return 1.0
'''
    result = grader(source).grade("", {})
    assert result.score == 1.0, result.reason


@in_sandbox
def test_memory_disk_and_cpu_limits_are_openais():
    from sandbox.container import container_config

    g = grader("def grade(sample, item):\n    return 1.0\n")
    assert (g.timeout_s, g.limits.memory_mb, g.limits.cpus, g.limits.work_mb) == (120, 2048, 2.0, 1024)
    assert container_config("img", g.limits)["nano_cpus"] == int(min(2, os.cpu_count() or 1) * 1e9)
    source = '''import os
import numpy as np

def grade(sample, item):
    big = np.ones((1024, 1024, 128))                 # 1 GiB fits in 2 GB
    assert big.sum() == 1024 * 1024 * 128
    del big
    disk = os.statvfs(".")
    assert disk.f_blocks * disk.f_frsize == 1024 ** 3   # the work dir is 1 GB
    with open("scratch.bin", "wb") as fh:             # and a file of 64 MB may be written
        fh.write(b"\\0" * (64 << 20))
    try:
        bytearray(3 << 30)
    except MemoryError:
        return 1.0
    return 0.0
'''
    result = grader(source).grade("", {})
    assert result.score == 1.0, result.reason


@in_sandbox
def test_hardening_holds_in_the_new_image():
    source = '''import os

def grade(sample, item):
    assert os.getuid() == 10002 and os.getgid() == 10002
    for path in ("/opt/verigrade-site/numpy/__init__.py", "/usr/share/nltk_data/x", "/etc/passwd"):
        try:
            open(path, "a").close()
        except OSError:
            continue
        raise AssertionError("wrote " + path)
    return 1.0
'''
    result = grader(source).grade("", {})
    assert result.score == 1.0, result.reason

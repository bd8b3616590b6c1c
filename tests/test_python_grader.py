"""OpenAI's `python` grader: grade(sample, item) -> float in the Docker sandbox; any failure is score 0
with the traceback in the reason. Its runtimes (image_tag) in the sandbox: test_python_runtime.py; here
also what needs no Docker: the spec, the image_tag mapping, the lock of OpenAI's image."""
from __future__ import annotations

import shutil

import pytest

from graders import load_grader
from graders.spec import SpecError
from sandbox_support import require_docker

docker_test = pytest.mark.usefixtures("docker")

SOURCE = '''
def grade(sample, item) -> float:
    answer = sample["output_text"].strip()
    return 1.0 if answer == item["reference_answer"] else 0.25
'''


def python_grader(source=SOURCE, **extra):
    return load_grader({"type": "python", "name": "py", "source": source, **extra})


@pytest.fixture(scope="module")
def docker():
    require_docker()


@pytest.mark.docker
@docker_test
def test_grade_function_scores_samples_in_a_batch():
    grader = python_grader(pass_threshold=0.5, image_tag="2025-05-08")
    results = grader.grade_batch([("42", {"reference_answer": "42"}), (" 41 ", {"reference_answer": "42"}),
                                  ({"output_text": "42"}, {"reference_answer": "42"})])
    assert [r.score for r in results] == [1.0, 0.25, 1.0]
    assert [r.passed for r in results] == [True, False, True]
    assert results[0].details["image_tag"] == "2025-05-08"


@pytest.mark.docker
@docker_test
def test_exception_gives_zero_with_traceback():
    grader = python_grader("def grade(sample, item):\n    return 1 / 0\n")
    result = grader.grade("x", {})
    assert result.score == 0.0 and result.status == "error"
    assert result.error_type == "python_grader_runtime_error"
    assert "ZeroDivisionError" in result.reason and "Traceback" in result.details["traceback"]


@pytest.mark.docker
@docker_test
def test_non_numeric_return_value_is_an_error():
    for body in ("return 'high'", "return None", "return True", "return float('nan')"):
        result = python_grader(f"def grade(sample, item):\n    {body}\n").grade("x", {})
        assert result.score == 0.0 and result.status == "error", body


@pytest.mark.docker
@docker_test
def test_out_of_range_scores_are_clamped_by_the_core():
    result = python_grader("def grade(sample, item):\n    return 7\n").grade("x", {})
    assert result.score == 1.0


@pytest.mark.docker
@docker_test
def test_timeout_and_memory_limits():
    slow = python_grader("import time\ndef grade(sample, item):\n    time.sleep(60)\n", timeout_s=1.5)
    result = slow.grade("x", {})
    assert result.status == "timeout" and result.score == 0.0
    hungry = python_grader("def grade(sample, item):\n    return len(bytearray(3 << 30))\n")
    result = hungry.grade("x", {})
    assert result.status == "error" and "MemoryError" in result.reason


def test_default_limits_follow_openai():
    grader = python_grader()
    assert grader.timeout_s == 120 and grader.limits.memory_mb == 2048
    assert (grader.limits.cpus, grader.limits.work_mb, grader.limits.fsize_mb) == (2.0, 1024, 1024)
    assert python_grader(limits={"memory_mb": 512, "cpus": 1}).limits.cpus == 1


@pytest.mark.docker
@docker_test
def test_no_network_inside_the_grader():
    source = ("import socket\ndef grade(sample, item):\n    try:\n        socket.create_connection(('1.1.1.1', 80), timeout=1)\n"
              "        return 1.0\n    except OSError:\n        return 0.0\n")
    assert python_grader(source).grade("x", {}).score == 0.0


@pytest.mark.docker
@docker_test
def test_grader_sees_sample_and_item_as_plain_data():
    source = ("def grade(sample, item):\n    assert type(sample) is dict and type(item) is dict\n"
              "    return 1.0 if sample.get('output_json') == {'a': [1, 2]} and item['n'] == 3 else 0.0\n")
    assert python_grader(source).grade({"output_text": '{"a": [1, 2]}', "output_json": {"a": [1, 2]}}, {"n": 3}).score == 1.0


# -- no Docker needed --------------------------------------------------------------------------------------------
def test_image_tags_map_to_built_recipes_and_the_default_is_openais():
    from graders.types.python import DEFAULT_IMAGE_TAG, IMAGE_TAGS
    from sandbox.image import GRADER_IMAGES, RECIPES

    assert set(IMAGE_TAGS.values()) <= set(RECIPES) and IMAGE_TAGS[DEFAULT_IMAGE_TAG] in GRADER_IMAGES
    assert python_grader().image == python_grader(image_tag=None).image == "openai-2025-05-08"
    assert python_grader(image_tag="stdlib").image == "python"


def test_an_unknown_image_tag_is_a_spec_error_with_a_pointer():
    with pytest.raises(SpecError, match=r"/image_tag: '2024-01-01'"):
        python_grader(image_tag="2024-01-01")
    with pytest.raises(SpecError, match=r"/graders/fuzzy/image_tag"):
        load_grader({"type": "multi", "calculate_output": "fuzzy",
                     "graders": {"fuzzy": {"type": "python", "source": SOURCE, "image_tag": "latest"}}})


def test_source_size_is_counted_in_bytes():
    with pytest.raises(SpecError, match=r"^<spec>: /source: is \d+ bytes; OpenAI's limit is 256 kB \(262144 bytes\)$"):
        python_grader(SOURCE + "# " + "\u00e9" * 131_072 + "\n")     # 131k characters, 262k bytes


# OpenAI's graders guide: the python grader image 2025-05-08 and its packages
OPENAI_2025_05_08 = {"numpy": "2.2.4", "scipy": "1.15.2", "sympy": "1.13.3", "pandas": "2.2.3", "rapidfuzz": "3.10.1",
                     "scikit-learn": "1.6.1", "rouge-score": "0.1.2", "deepdiff": "8.4.2", "jsonschema": "4.23.0",
                     "pydantic": "2.10.6", "pyyaml": "6.0.2", "nltk": "3.9.1", "sqlparse": "0.5.3",
                     "rdkit": "2024.9.6", "scikit-bio": "0.6.3", "ast-grep-py": "0.36.2"}


def test_the_lock_of_openais_image_holds_openais_versions():
    from sandbox.image import GRADER_IMAGES

    pins = GRADER_IMAGES["openai-2025-05-08"].wheels.pins()
    installed = {p.name: p.version for p in pins["install"] + pins["source"]}
    assert {name: installed.get(name) for name in OPENAI_2025_05_08} == OPENAI_2025_05_08
    assert [p.name for p in pins["installer"]] == ["pip"]
    files = [p.file for section in pins.values() for p in section]
    assert all(f.endswith((".whl", ".tar.gz")) for f in files)
    assert all("cp311" in f or "py3-none" in f or "py2.py3-none" in f for f in files if f.endswith(".whl"))


def test_the_image_hash_covers_the_lock_and_its_build_files(tmp_path, monkeypatch):
    import sandbox.image as image
    import sandbox.wheels as wheels

    before = image.image_tag("debootstrap", "openai-2025-05-08")
    assert image.image_tag("debootstrap", "python") != before
    for name, edit in (("openai-2025-05-08.lock.txt", lambda t: t.replace("numpy==2.2.4", "numpy==2.2.5", 1)),
                       ("nltk_data.py", lambda t: t + "\n# changed\n")):
        copy = tmp_path / name.replace(".", "_")
        shutil.copytree(wheels.IMAGES_DIR, copy)
        (copy / name).write_text(edit((copy / name).read_text()))
        monkeypatch.setattr(wheels, "IMAGES_DIR", copy)
        assert image.image_tag("debootstrap", "openai-2025-05-08") != before, name
        monkeypatch.setattr(wheels, "IMAGES_DIR", wheels.Path(image.__file__).parent / "images")
    assert image.image_tag("debootstrap", "openai-2025-05-08") == before


def test_a_malformed_lock_line_is_named(tmp_path):
    from sandbox.debootstrap import BuildError
    from sandbox.wheels import read_lock

    lock = tmp_path / "x.lock.txt"
    lock.write_text("# [installer]\npip==25.1.1 --hash=sha256:" + "0" * 64 + "  # pip-25.1.1-py3-none-any.whl\n"
                    "# [install]\nnumpy>=2\n")
    with pytest.raises(BuildError, match=r"x.lock.txt:4: not 'name==version"):
        read_lock(lock)


def test_wheels_are_cached_outside_the_repository(monkeypatch, tmp_path):
    from sandbox.wheels import CACHE_ENV, cache_dir

    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "verigrade" / "wheels"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "w"))
    assert cache_dir() == tmp_path / "w"

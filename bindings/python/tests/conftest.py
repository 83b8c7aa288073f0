"""Shared fixtures of the Python binding's tests.

The library comes from $ELECTRA_LIBRARY (make check-python points it at the
build tree), else from the source tree's .libs/, else from the system. The
reference data comes from $ELECTRA_FIXTURES (default ../shared/fixtures
next to the source tree); without it the tests that need it are skipped
with a message saying so.
"""

import json
import os
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SRCDIR = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))

if "ELECTRA_LIBRARY" not in os.environ and (SRCDIR / ".libs" / "libelectra.so.1").exists():
    os.environ["ELECTRA_LIBRARY"] = str(SRCDIR / ".libs" / "libelectra.so.1")

FIXTURES = pathlib.Path(os.environ.get("ELECTRA_FIXTURES", SRCDIR.parent / "shared" / "fixtures"))
HEADER = SRCDIR / "include" / "electra.h"

import electra  # noqa: E402  (after the path set-up above)

MODELS = [
    "tiny-generator", "tiny-discriminator", "tiny-classifier", "tiny-tagger", "tiny-qa",
    "tiny-base-model", "tiny-discriminator-sharded", "tiny-discriminator-legacy-posids",
    "tiny-generator-f16", "tiny-generator-bf16",
]


def fixture_path(*parts):
    p = FIXTURES.joinpath(*parts)
    if not p.exists():
        pytest.skip("fixtures not found: %s (set ELECTRA_FIXTURES)" % p)
    return p


def model_dir(name):
    return fixture_path("models", name)


def read_jsonl(path):
    # Split on \n only: U+2028 and U+0085 occur inside records.
    with open(path, "rb") as f:
        return [json.loads(line) for line in f.read().split(b"\n") if line.strip()]


def read_inputs(name):
    with open(model_dir(name) / "expected" / "inputs.json", encoding="utf-8") as f:
        return json.load(f)


def expected_arrays(name):
    """{file name: numpy array} of a model's expected/ outputs."""
    import numpy
    d = model_dir(name) / "expected"
    with open(d / "manifest.json", encoding="utf-8") as f:
        files = json.load(f)["files"]
    return {f["name"]: numpy.fromfile(d / f["name"], dtype="<f4").reshape(f["shape"])
            for f in files}


_loaded = {}


def shared_model(name):
    """One Model per fixture directory for the whole session (loading is
    the slow part); tests must not close it."""
    if name not in _loaded:
        _loaded[name] = electra.Model.from_pretrained(model_dir(name))
    return _loaded[name]


@pytest.fixture(scope="session")
def vocab_tokenizer():
    return electra.Tokenizer(fixture_path("tokenizer", "vocab.txt"))


def pytest_sessionfinish(session, exitstatus):
    for m in _loaded.values():
        m.close()

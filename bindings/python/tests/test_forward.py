"""The raw forward pass against transformers' outputs: every fixture model,
every expected .f32 file, within 1e-4 (the fixtures' float32 error is
<= 4.2e-6), through numpy and through plain lists."""

import numpy
import pytest

import electra
from conftest import MODELS, expected_arrays, model_dir, read_inputs, shared_model

TOLERANCE = 1e-4
OUTPUT_OF_FILE = {
    "embedding_output.f32": "embedding_output", "hidden_states.f32": "hidden_states",
    "last_hidden_state.f32": "last_hidden_state", "logits.f32": "logits",
    "start_logits.f32": "start_logits", "end_logits.f32": "end_logits",
}


def run(model, inputs, **kw):
    return model.forward(numpy.array(inputs["input_ids"]),
                         numpy.array(inputs["attention_mask"]),
                         numpy.array(inputs["token_type_ids"]), output_hidden_states=True, **kw)


@pytest.mark.parametrize("name", MODELS)
def test_forward_matches_transformers(name):
    model = shared_model(name)
    inputs = read_inputs(name)
    out = run(model, inputs)
    want = expected_arrays(name)
    assert want
    for file, expected in want.items():
        got = out[OUTPUT_OF_FILE[file]]
        assert got.dtype == numpy.float32 and got.shape == expected.shape, file
        worst = float(numpy.max(numpy.abs(got - expected)))
        assert worst <= TOLERANCE, "%s %s: max |diff| %.3g" % (name, file, worst)
    if "hidden_states.f32" in want:
        assert numpy.array_equal(out.hidden_states[-1], out.last_hidden_state)
    head = model.head
    assert ("logits" in out) == (head not in (electra.Head.NONE,
                                              electra.Head.QUESTION_ANSWERING))
    assert ("start_logits" in out) == (head == electra.Head.QUESTION_ANSWERING)


def test_lists_in_lists_out():
    name = "tiny-classifier"
    model, inputs = shared_model(name), read_inputs(name)
    out = model.forward(inputs["input_ids"], inputs["attention_mask"],
                        inputs["token_type_ids"], as_numpy=False)
    assert isinstance(out.logits, list) and isinstance(out.logits[0][0], float)
    want = expected_arrays(name)["logits.f32"]
    assert numpy.max(numpy.abs(numpy.array(out.logits) - want)) <= TOLERANCE
    hidden = numpy.array(out.last_hidden_state)
    assert hidden.shape == want.shape[:1] + (len(inputs["input_ids"][0]), 32)
    assert numpy.array_equal(hidden, run(model, inputs).last_hidden_state)


def test_defaults_and_dtypes():
    model = shared_model("tiny-discriminator")
    inputs = read_inputs("tiny-discriminator")
    ids = numpy.array(inputs["input_ids"][1:2])
    unpadded = int(numpy.sum(inputs["attention_mask"][1]))
    ids = ids[:, :unpadded]
    full = model.forward(ids, numpy.ones_like(ids), numpy.zeros_like(ids)).logits
    for variant in (ids.astype(numpy.int64), ids.astype(numpy.uint16), ids[0], list(ids[0]),
                    [int(x) for x in ids[0]], numpy.asfortranarray(ids)):
        assert numpy.array_equal(model.forward(variant).logits, full)
    # boolean masks are masks
    mask = numpy.array(inputs["attention_mask"][1:2], dtype=bool)
    assert model.forward(numpy.array(inputs["input_ids"][1:2]), mask).logits.shape == (1, 64)


def test_forward_text_equals_forward_on_the_encoding():
    model = shared_model("tiny-generator")
    texts = ["The capital of France is [MASK].", "Zoë lives in São Paulo, a big city."]
    batch = model.tokenizer(texts, padding=True, return_tensors="np")
    a = model.forward(**batch)
    b = model.forward_text(texts)
    for k in a:
        assert numpy.array_equal(a[k], b[k]), k
    one = model.forward_text(texts[0], output_hidden_states=True)
    assert one.hidden_states.shape[:2] == (3, 1)


@pytest.mark.parametrize("name,fmt", [("tiny-generator", "pytorch"),
                                      ("tiny-classifier", "pytorch"),
                                      ("tiny-classifier", "safetensors")])
def test_weight_formats_and_kernels(name, fmt):
    inputs = read_inputs(name)
    want = expected_arrays(name)["logits.f32"]
    for kernels in ("auto", "reference"):
        with electra.Model(model_dir(name), weight_format=fmt, kernels=kernels,
                           threads=2) as m:
            assert m.info["weight_format"].startswith(fmt.replace("pytorch", "pytorch "))
            got = run(m, inputs).logits
            assert numpy.max(numpy.abs(got - want)) <= TOLERANCE


def test_model_facts():
    m = shared_model("tiny-classifier")
    info = m.info
    assert info["architecture"] == "ElectraForSequenceClassification"
    assert info["hidden_size"] == 32 and info["embedding_size"] == 8
    assert info["num_labels"] == 3 and info["labels"] == ["negative", "neutral", "positive"]
    assert m.labels == ["negative", "neutral", "positive"]
    assert m.head == electra.Head.SEQUENCE_CLASSIFICATION
    assert m.info_int("max_positions") == 128
    assert m.info_string(electra.Info.WEIGHT_DTYPE) == "F32"
    assert m.tokenizer.vocab_size == 30522
    g = shared_model("tiny-generator-bf16")
    assert g.info["weight_dtype"] == "BF16" and "labels" not in g.info
    assert shared_model("tiny-base-model").head == electra.Head.NONE


def test_without_numpy_everything_is_lists():
    # A fresh interpreter where `import numpy` fails, as on a system
    # without python3-numpy.
    import json
    import os
    import subprocess
    import sys
    from conftest import HERE
    name = "tiny-generator"
    code = """
import json, sys
sys.modules["numpy"] = None
import electra
m = electra.Model(sys.argv[1])
enc = m.tokenizer(["The capital of France is [MASK].", "hi"], padding=True)
out = m.forward(**enc)
out2 = m.forward_text("The capital of France is [MASK].")
print(json.dumps({"type": type(out.logits).__name__,
                  "shape": [len(out.logits), len(out.logits[0]), len(out.logits[0][0])],
                  "row": out.logits[0][6][:5], "same": out2.logits[0] == out.logits[0],
                  "fill": m.fill_mask("The capital of France is [MASK].", top_k=2)}))
"""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    res = subprocess.run([sys.executable, "-c", code, str(model_dir(name))], env=env,
                         capture_output=True, text=True, check=True)
    got = json.loads(res.stdout)
    assert got["type"] == "list" and got["shape"][0] == 2 and got["shape"][2] == 30522
    assert got["same"]
    m = shared_model(name)
    want = m.forward_text("The capital of France is [MASK].").logits[0, 6, :5]
    assert numpy.allclose(got["row"], want, atol=0, rtol=0)
    assert got["fill"] == m.fill_mask("The capital of France is [MASK].", top_k=2)

"""pretrain_reference.py - the bundled model's pre-training recipe written
again in PyTorch, independently of libelectra, to tell the recipe's limits
from the engine's: same shapes (4 layers of 128, 2 heads, 12,000 tokens),
masking (15%; of those 85% [MASK]), Gumbel-max sampling, loss MLM + 50 x BCE
with the generator tied to the discriminator's encoder, AdamW (eps 1e-6,
decay 0.01 off biases and LayerNorm), clipping at 1.0, warm-up over a tenth
of the steps then linear decay, batch 32 x 128, dropout 0.1.
Unlike `electra pretrain`, rows are cut from one stream of the corpus's
tokens (no segment pairs, token type 0).

It prints the training figures in ten windows, then one JSON line with the
held-out generator MLM accuracy (and, for --variant electra, the
discriminator's RTD ROC AUC) on up to 2,000 rows. With --save DIR it writes
DIR/generator and DIR/discriminator as Hugging Face directories that
libelectra loads, their other files copied from --like (default models/).

  src/electra tokenize --vocab models/discriminator/vocab.txt --jsonl \
      < train.jsonl > train.tok.jsonl    # {"text": LINE} per corpus line
  python3 bench/pretrain_reference.py --train train.tok.jsonl \
      --heldout heldout.tok.jsonl --variant electra --steps 5000

Needs PyTorch and numpy; runs on a GPU when there is one."""
import argparse
import json
import math
import os
import shutil
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLS, SEP, MASK = 101, 102, 103


def rows_of(path, seq):
    """The file's tokens as one stream, cut into [CLS] ... [SEP] rows."""
    stream = []
    with open(path) as f:
        for line in f:
            stream += json.loads(line)["ids"][1:-1]
    n = len(stream) // (seq - 2)
    body = torch.tensor(stream[:n * (seq - 2)]).view(n, seq - 2)
    return torch.cat([torch.full((n, 1), CLS), body, torch.full((n, 1), SEP)], 1)


class Block(nn.Module):
    """A post-LayerNorm transformer layer, as ELECTRA's."""

    def __init__(self, a):
        super().__init__()
        h = a.hidden
        self.a = a
        self.qkv, self.out, self.ln1 = nn.Linear(h, 3 * h), nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.up, self.down, self.ln2 = nn.Linear(h, 4 * h), nn.Linear(4 * h, h), nn.LayerNorm(h, eps=1e-12)

    def forward(self, x, bias=0.0):
        b, t, h = x.shape
        nh, p = self.a.heads, self.a.dropout
        q, k, v = self.qkv(x).view(b, t, 3, nh, h // nh).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(h // nh) + bias, -1)
        ctx = (F.dropout(att, p, self.training) @ v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + F.dropout(self.out(ctx), p, self.training))
        return self.ln2(x + F.dropout(self.down(F.gelu(self.up(x))), p, self.training))


class Electra(nn.Module):
    """One encoder with two heads: the generator's MLM head (output tied to
    the word embeddings) and the discriminator's."""

    def __init__(self, a):
        super().__init__()
        h = a.hidden
        self.a = a
        self.words, self.positions, self.types = nn.Embedding(a.vocab, h), nn.Embedding(a.seq, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.blocks = nn.ModuleList(Block(a) for _ in range(a.layers))
        self.gen_dense, self.gen_ln = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.gen_bias = nn.Parameter(torch.zeros(a.vocab))
        self.disc_dense, self.disc_out = nn.Linear(h, h), nn.Linear(h, 1)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0, 0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        # --disc-init-replaced 0.15 of the bundled recipe.
        nn.init.constant_(self.disc_out.bias, math.log(0.15 / 0.85))

    def encode(self, ids, bias=0.0):
        """bias: added to the attention scores, -1e4 at padding keys."""
        x = self.words(ids) + self.positions.weight[:ids.shape[1]] + self.types.weight[0]
        x = F.dropout(self.ln(x), self.a.dropout, self.training)
        for b in self.blocks:
            x = b(x, bias)
        return x

    def mlm_logits(self, h):
        return self.gen_ln(F.gelu(self.gen_dense(h))) @ self.words.weight.T + self.gen_bias

    def disc_logits(self, h):
        return self.disc_out(F.gelu(self.disc_dense(h))).squeeze(-1)


def hf_tensors(m, kind):
    """The model's tensors under the names of transformers' ElectraForPreTraining
    (kind "discriminator") or ElectraForMaskedLM ("generator"), as views."""
    t = {"electra.embeddings.word_embeddings.weight": m.words.weight,
         "electra.embeddings.position_embeddings.weight": m.positions.weight,
         "electra.embeddings.token_type_embeddings.weight": m.types.weight,
         "electra.embeddings.LayerNorm.weight": m.ln.weight, "electra.embeddings.LayerNorm.bias": m.ln.bias}
    h = m.a.hidden
    for i, b in enumerate(m.blocks):
        p = "electra.encoder.layer.%d." % i
        for j, n in enumerate(("query", "key", "value")):
            t[p + "attention.self.%s.weight" % n] = b.qkv.weight[j * h:(j + 1) * h]
            t[p + "attention.self.%s.bias" % n] = b.qkv.bias[j * h:(j + 1) * h]
        for name, mod in (("attention.output.dense", b.out), ("attention.output.LayerNorm", b.ln1),
                          ("intermediate.dense", b.up), ("output.dense", b.down), ("output.LayerNorm", b.ln2)):
            t[p + name + ".weight"], t[p + name + ".bias"] = mod.weight, mod.bias
    if kind == "discriminator":
        head = (("discriminator_predictions.dense", m.disc_dense),
                ("discriminator_predictions.dense_prediction", m.disc_out))
    else:
        head = (("generator_predictions.dense", m.gen_dense), ("generator_predictions.LayerNorm", m.gen_ln))
        t["generator_lm_head.bias"] = m.gen_bias  # its weight is the word embeddings
    for name, mod in head:
        t[name + ".weight"], t[name + ".bias"] = mod.weight, mod.bias
    return t


def check_like(a):
    """--like's configs must have the shape trained, or --save would write
    weights that contradict the config.json it copies."""
    for kind in ("generator", "discriminator"):
        path = os.path.join(a.like, kind, "config.json")
        with open(path) as f:
            c = json.load(f)
        shape = (c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["vocab_size"],
                 c["max_position_embeddings"])
        if shape != (a.hidden, a.layers, a.heads, a.vocab, a.seq):
            raise SystemExit("%s: not the shape of this run" % path)


def save_hf(m, like, out):
    """DIR/generator and DIR/discriminator: model.safetensors (F32) and the
    other files of like's directories."""
    for kind in ("generator", "discriminator"):
        src, dst = os.path.join(like, kind), os.path.join(out, kind)
        os.makedirs(dst, exist_ok=True)
        for name in os.listdir(src):
            if name != "model.safetensors":
                shutil.copy(os.path.join(src, name), dst)
        t = {k: v.detach().float().cpu().contiguous().numpy() for k, v in hf_tensors(m, kind).items()}
        header, at = {}, 0
        for k in sorted(t):
            header[k] = {"dtype": "F32", "shape": list(t[k].shape), "data_offsets": [at, at + t[k].nbytes]}
            at += t[k].nbytes
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(os.path.join(dst, "model.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text)
            for k in sorted(t):
                f.write(t[k].tobytes())


def load_hf(m, path, kind="discriminator"):
    """Copies a Hugging Face directory's F32 safetensors into the model; the
    tensors of the other kind's head are left as they are."""
    with open(os.path.join(path, "model.safetensors"), "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    with torch.no_grad():
        for k, v in hf_tensors(m, kind).items():
            a, b = header[k]["data_offsets"]
            x = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(header[k]["shape"])
            v.copy_(torch.from_numpy(x.copy()))


def optimizer(model, lr, steps):
    """AdamW (eps 1e-6, decay 0.01) with warm-up over a tenth of the steps,
    then linear decay to 0. Biases and LayerNorm parameters (the 1-D ones)
    are not decayed."""
    flat = [p for p in model.parameters() if p.dim() < 2]
    rest = [p for p in model.parameters() if p.dim() >= 2]
    opt = torch.optim.AdamW([{"params": rest, "weight_decay": 0.01}, {"params": flat, "weight_decay": 0.0}],
                            lr=lr, eps=1e-6)
    warm = max(1, steps // 10)
    return opt, torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min((i + 1) / warm, max(0.0, (steps - i) / max(1, steps - warm))))


def losses(model, ids, rng, electra):
    """One batch's MLM loss and accuracy and, for electra, the BCE of the
    sampled input with the constant guess's BCE beside it."""
    u = torch.rand((2,) + ids.shape, generator=rng, device=ids.device)
    chosen = (u[0] < 0.15) & (ids != CLS) & (ids != SEP)
    masked = ids.masked_fill(chosen & (u[1] < 0.85), MASK)
    logits = model.mlm_logits(model.encode(masked)[chosen])
    target = ids[chosen]
    out = {"mlm": F.cross_entropy(logits, target), "acc": (logits.argmax(-1) == target).float().mean()}
    if electra:
        with torch.no_grad():
            g = torch.rand(logits.shape, generator=rng, device=ids.device).clamp_(1e-9, 1 - 1e-9)
            fake = ids.clone()
            fake[chosen] = (logits - torch.log(-torch.log(g))).argmax(-1)
            labels = (fake != ids).float()
        out["disc_logits"] = model.disc_logits(model.encode(fake))
        out["labels"] = labels
        out["bce"] = F.binary_cross_entropy_with_logits(out["disc_logits"], labels)
        p = labels.mean().clamp(1e-6, 1 - 1e-6)
        out["const"] = -(p * p.log() + (1 - p) * (1 - p).log())
    return out


def roc_auc(scores, labels):
    ranks = torch.empty_like(scores)
    ranks[scores.argsort()] = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
    pos = labels.sum()
    return float((ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * (len(labels) - pos)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--heldout", required=True)
    ap.add_argument("--variant", choices=["electra", "mlm"], default="electra",
                    help="electra: MLM + 50 x BCE; mlm: the generator's loss alone")
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", metavar="DIR", help="write DIR/generator and DIR/discriminator")
    ap.add_argument("--like", default=os.path.join(os.path.dirname(__file__), "..", "models"),
                    help="the model directory whose other files --save copies")
    a = ap.parse_args()
    if a.save:
        check_like(a)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(a.seed)
    train, held = rows_of(a.train, a.seq).to(dev), rows_of(a.heldout, a.seq).to(dev)
    electra = a.variant == "electra"
    model = Electra(a).to(dev)
    opt, sched = optimizer(model, a.lr, a.steps)
    rng = torch.Generator(device=dev)
    rng.manual_seed(a.seed)
    order, at, window, start = torch.randperm(len(train), device=dev), 0, [], time.time()
    for step in range(1, a.steps + 1):
        if at + a.batch > len(order):
            order, at = torch.randperm(len(train), device=dev), 0
        model.train()
        o = losses(model, train[order[at:at + a.batch]], rng, electra)
        at += a.batch
        loss = o["mlm"] + 50 * o["bce"] if electra else o["mlm"]
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        window.append([float(o[k]) for k in ("mlm", "acc", "bce", "const") if k in o])
        if step % max(1, a.steps // 10) == 0:
            figures = " ".join("%s %.4f" % kv for kv in zip(("mlm", "gen-acc", "disc", "const"), np.mean(window, 0)))
            print("steps %d-%d  %s  %.0f s" % (step - len(window) + 1, step, figures, time.time() - start), flush=True)
            window = []
    model.eval()
    rng.manual_seed(a.seed + 1)
    accs, scores, labels = [], [], []
    with torch.no_grad():
        for r in range(0, min(2000, len(held)), 100):
            o = losses(model, held[r:r + 100], rng, electra)
            accs.append(float(o["acc"]))
            if electra:
                scores.append(o["disc_logits"].flatten().cpu())
                labels.append(o["labels"].flatten().cpu())
    result = {"variant": a.variant, "steps": a.steps, "heldout_mlm_accuracy": round(float(np.mean(accs)), 4)}
    if electra:
        result["heldout_rtd_auc"] = round(roc_auc(torch.cat(scores).double(), torch.cat(labels).double()), 4)
    print(json.dumps(result))
    if a.save:
        save_hf(model, a.like, a.save)


if __name__ == "__main__":
    main()

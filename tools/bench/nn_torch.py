"""The AlphaTensor network of nn/ in PyTorch: a speed peer and an outside check of our layers.

Used only by tools/bench/nn_vs_pytorch.sh (never by the product, its build or its tests).
  check DIR    loads DIR/weights.safetensors and DIR/batch.safetensors written by
               `alphatensor bench nn --dump DIR`, computes the losses and gradients and compares
               them with DIR/grads.safetensors (ours).
  bench ...    times inference (torso + K samples, incremental decoding, under inference_mode)
               and a training step (forward, backward, clipping, fused AdamW) on the same shapes as
               `alphatensor bench nn`; --compile: with torch.compile (torso and training loss).
The layout mirrors nn/model.cpp: weights are [in, out] (y = x @ W + b), pre-LayerNorm blocks,
exact GELU, the grid pairs (0,1), (2,0), (1,2).
"""
import argparse
import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F

PAIRS = [(0, 1), (2, 0), (1, 2)]


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[8 + n + b:8 + n + e]), dtype=torch.float32).reshape(t["shape"])
    return meta, out


def parse_config(text):
    cfg = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            try:
                cfg[k] = int(v)
            except ValueError:
                try:
                    cfg[k] = float(v)
                except ValueError:
                    cfg[k] = v  # field, recompute
    cfg["D"] = cfg["dec_heads"] * cfg["dec_head_dim"]
    cfg["A"] = cfg["torso_heads"] * cfg["torso_head_dim"]
    cfg["k"] = (3 * cfg["S"] + cfg["token_d"] - 1) // cfg["token_d"]
    base = 2 if cfg["field"] == "Z2" else 2 * cfg["coefficient_bound"] + 1
    cfg["V"] = base ** cfg["token_d"]
    cfg["F"] = cfg["S"] * (cfg["history"] + 1) + 1
    return cfg


class Net:
    def __init__(self, cfg, params):
        self.c, self.p = cfg, params

    def lin(self, name, x):
        # One fused addmm; the [in, out] weight enters transposed (a view: BLAS reads it as such).
        return F.linear(x, self.p[name + ".weight"].t(), self.p[name + ".bias"])

    def ln(self, name, x):
        return F.layer_norm(x, x.shape[-1:], self.p[name + ".gamma"], self.p[name + ".beta"], 1e-5)

    def attention(self, q, k, v, heads, causal=False):
        # q [N, Lq, H*hd], k/v [N, Lk, H*hd]
        N, Lq, E = q.shape
        hd = E // heads
        sh = lambda x: x.reshape(x.shape[0], x.shape[1], heads, hd).transpose(1, 2)
        o = F.scaled_dot_product_attention(sh(q), sh(k), sh(v), is_causal=causal and Lq == k.shape[1])
        return o.transpose(1, 2).reshape(N, Lq, E)

    def torso(self, feat):  # feat [3, B, S*S, F]
        c, S = self.c, self.c["S"]
        B = feat.shape[1]
        g = [self.lin("torso.input%d" % i, feat[i]).reshape(B, S, S, c["c"]) for i in range(3)]
        A = c["A"]
        for blk in range(c["torso_layers"] * 3):
            a, b = PAIRS[blk % 3]
            n = "torso.block%d.pair%d" % (blk // 3, blk % 3)
            x = torch.cat([g[a], g[b].transpose(1, 2)], dim=2)  # [B, S, 2S, c]
            qkv = self.lin(n + ".qkv", self.ln(n + ".ln1", x)).reshape(B * S, 2 * S, 3 * A)
            att = self.attention(qkv[..., :A], qkv[..., A:2 * A], qkv[..., 2 * A:], c["torso_heads"])
            x = x + self.lin(n + ".out", att.reshape(B, S, 2 * S, A))
            x = x + self.lin(n + ".fc2", F.gelu(self.lin(n + ".fc1", self.ln(n + ".ln2", x))))
            g[a], g[b] = x[:, :, :S], x[:, :, S:].transpose(1, 2)
        mem = torch.cat([t.reshape(B, S * S, c["c"]) for t in g], dim=1)
        return self.ln("torso.norm", mem)

    def memory_kv(self, mem):
        return [self.lin("policy.layer%d.kv" % l, mem) for l in range(self.c["dec_layers"])]

    def decoder(self, kv, ids, group, cache=None, pos0=0):
        """ids [N, L] -> features [N, L, D]; sequence n reads memory n // group."""
        c, D = self.c, self.c["D"]
        N, L = ids.shape
        x = self.p["policy.token_embedding"][ids] + self.p["policy.position_embedding"][pos0:pos0 + L]
        for l in range(c["dec_layers"]):
            n = "policy.layer%d" % l
            qkv = self.lin(n + ".qkv", self.ln(n + ".ln1", x))
            keys = qkv
            if cache is not None:
                cache[l] = qkv if cache[l] is None else torch.cat([cache[l], qkv], dim=1)
                keys = cache[l]
            x = x + self.lin(n + ".self_out", self.attention(qkv[..., :D], keys[..., D:2 * D], keys[..., 2 * D:],
                                                             c["dec_heads"], causal=True))
            q = self.lin(n + ".q", self.ln(n + ".ln2", x))
            # Cross-attention has no mask: a state's `group` sequences are one block of queries
            # against its memory (no copy of the memory per sequence).
            m = kv[l]
            ca = self.attention(q.reshape(N // group, group * L, D), m[..., :D], m[..., D:], c["dec_heads"])
            x = x + self.lin(n + ".cross_out", ca.reshape(N, L, D))
            x = x + self.lin(n + ".fc2", F.gelu(self.lin(n + ".fc1", self.ln(n + ".ln3", x))))
        return self.ln("policy.norm", x)

    def value(self, x):
        for i in range(3):
            x = F.relu(self.lin("value.fc%d" % i, x))
        return self.lin("value.out", x)

    def loss(self, batch, actions):
        c = self.c
        B = batch["values"].shape[0]
        mem = self.torso(batch["features"])
        ids, targets = batch["ids"].long(), batch["targets"].long()
        feat = self.decoder(self.memory_kv(mem), ids, actions)
        logits = self.lin("policy.out", F.relu(feat))
        ce = F.cross_entropy(logits.reshape(-1, c["V"]), targets.reshape(-1), reduction="none")
        policy = (ce * batch["weights"].reshape(-1)).sum()
        quant = self.value(feat.reshape(B, actions, c["k"], -1)[:, 0, 0])
        Q = c["quantiles"]
        tau = (torch.arange(Q, dtype=torch.float32, device=quant.device) + 0.5) / Q
        u = batch["values"][:, None] - quant
        huber = torch.where(u.abs() <= 1, 0.5 * u * u, u.abs() - 0.5)
        rows = (torch.abs(tau - (u < 0).float()) * huber).sum(1) / Q
        value_scaled = (rows * batch["value_weights"]).sum()
        vw = c["value_loss_weight"]
        return policy, value_scaled / vw, policy + value_scaled

    def sample(self, feat, K, generator):
        """Inference as nn/network.cpp: torso once, K samples per state, incremental decoding."""
        c = self.c
        B = feat.shape[1]
        kv = self.memory_kv(self.torso(feat))
        cache = [None] * c["dec_layers"]
        ids = torch.full((B * K, 1), c["V"], dtype=torch.long, device=feat.device)
        tokens = []
        for t in range(c["k"]):
            x = self.decoder(kv, ids, K, cache, t)[:, 0]
            if t == 0:
                self.value(x[::K])
            probs = torch.softmax(self.lin("policy.out", F.relu(x)), dim=-1)
            ids = torch.multinomial(probs, 1, generator=generator)
            tokens.append(ids)
        return torch.cat(tokens, dim=1)


def check(args):
    meta, weights = read_safetensors(args.dir + "/weights.safetensors")
    cfg = parse_config(meta["config"])
    bmeta, batch = read_safetensors(args.dir + "/batch.safetensors")
    gmeta, ours = read_safetensors(args.dir + "/grads.safetensors")
    dev = torch.device(args.device)
    params = {k: v.to(dev).clone().requires_grad_(True) for k, v in weights.items()}
    batch = {k: v.to(dev) for k, v in batch.items()}
    net = Net(cfg, params)
    policy, value, total = net.loss(batch, int(bmeta["actions"]))
    total.backward()
    ok = True
    for name, mine in [("policy", policy), ("value", value), ("total", total)]:
        theirs = float(gmeta[name + "_loss"])
        rel = abs(mine.item() - theirs) / max(1.0, abs(theirs))
        print("loss %-7s ours %.6f pytorch %.6f rel diff %.2e" % (name, theirs, mine.item(), rel))
        ok &= rel < 1e-4
    worst, worst_name = 0.0, ""
    for name, p in params.items():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        scale = max(1e-3, g.abs().max().item())
        err = (g.cpu() - ours[name]).abs().max().item() / scale
        if err > worst:
            worst, worst_name = err, name
    print("gradients: worst max|ours - pytorch| / max|pytorch| = %.2e (%s), %d tensors" % (worst, worst_name, len(params)))
    ok &= worst < 1e-3
    print("outside check: " + ("AGREE" if ok else "DISAGREE"))
    return 0 if ok else 1


def timed(f, seconds, sync=lambda: None):
    f()
    sync()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        f()
        sync()
        calls += 1
    return (time.perf_counter() - start) / calls


def matmul_gflops(dev, tf32, seconds, sync):
    """cuBLAS (through torch.matmul) on 4096^2 fp32 operands: the reference rate of the device."""
    torch.backends.cuda.matmul.allow_tf32 = tf32
    n = 4096
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    return 2.0 * n ** 3 / timed(lambda: a @ b, seconds, sync) / 1e9


def bench(args):
    meta, weights = read_safetensors(args.dir + "/weights.safetensors")
    cfg = parse_config(meta["config"])
    bmeta, batch = read_safetensors(args.dir + "/batch.safetensors")
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    extra = {}
    if dev.type == "cuda":
        extra["matmul_fp32_gflops"] = matmul_gflops(dev, False, args.seconds, sync)
        extra["matmul_tf32_gflops"] = matmul_gflops(dev, True, args.seconds, sync)
        extra["gpu"] = torch.cuda.get_device_name(dev)
        torch.backends.cuda.matmul.allow_tf32 = args.tf32  # the network's matmuls, as ours
        torch.backends.cudnn.allow_tf32 = args.tf32
    params = {k: v.to(dev).clone().requires_grad_(True) for k, v in weights.items()}
    batch = {k: v.to(dev) for k, v in batch.items()}
    net = Net(cfg, params)
    B, actions = batch["values"].shape[0], int(bmeta["actions"])
    gen = torch.Generator(device=dev).manual_seed(1)
    if args.compile:  # the torso (inference) and the whole loss (training), shapes fixed
        net.torso = torch.compile(net.torso, dynamic=False)
        loss = torch.compile(lambda: net.loss(batch, actions)[2], dynamic=False)
    else:
        loss = lambda: net.loss(batch, actions)[2]

    def infer():
        with torch.inference_mode():
            net.sample(batch["features"], args.samples, gen)

    t_inf = timed(infer, args.seconds, sync)
    opt = torch.optim.AdamW(params.values(), lr=cfg["lr"], weight_decay=cfg["weight_decay"],
                            **({"fused": True} if fused_adamw(dev) else {"foreach": True}))

    def step():
        opt.zero_grad(set_to_none=True)
        loss().backward()
        torch.nn.utils.clip_grad_norm_(params.values(), cfg["clip_norm"], foreach=True)
        opt.step()

    t_train = timed(step, args.seconds, sync)
    print(json.dumps(dict({"inference_s": t_inf, "train_s": t_train, "batch": B, "threads": args.threads,
                           "device": args.device, "torch": torch.__version__, "compile": args.compile}, **extra)))
    return 0


def fused_adamw(dev):
    """Whether this PyTorch has the fused AdamW for the device (CPU since 2.4)."""
    try:
        torch.optim.AdamW([torch.zeros(1, device=dev, requires_grad=True)], fused=True)
        return True
    except (RuntimeError, TypeError, ValueError):
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["check", "bench"])
    ap.add_argument("dir")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--tf32", action="store_true", help="TF32 tensor cores for the network's matmuls (cuda)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the torso and the training loss")
    args = ap.parse_args()
    torch.manual_seed(0)
    sys.exit(check(args) if args.mode == "check" else bench(args))


if __name__ == "__main__":
    main()

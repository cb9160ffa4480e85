"""PyTorch peer for scripts/bench/train-local: the same MLP, the same batches, samples/s.

Usage: python3 torch_mlp.py BATCH SECONDS INTRA_THREADS      one figure, then exit
       python3 torch_mlp.py --serve INTRA_THREADS              a server for interleaved runs
The one-shot form prints "samples_per_second <value>". The server first prints
"ready<TAB>torch version<TAB>BLAS library<TAB>OpenBLAS config<TAB>OpenBLAS core", then answers
each line "BATCH SECONDS" on stdin with one line "samples_per_second <value>".
The caller sets OPENBLAS_NUM_THREADS and unsets OPENBLAS_CORETYPE (which can slow OpenBLAS).
"""
import ctypes
import os
import sys
import time

import torch

serve = sys.argv[1] == "--serve"
threads = int(sys.argv[2] if serve else sys.argv[3])
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)
layers = []
width = 784
for _ in range(4):
    layers += [torch.nn.Linear(width, 128), torch.nn.LeakyReLU(0.1)]
    width = 128
layers.append(torch.nn.Linear(width, 10))
model = torch.nn.Sequential(*layers)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
n = 60000
x = torch.rand(n, 784)
y = torch.randint(0, 10, (n,))


def step(i, batch):
    lo = (i * batch) % (n - batch)
    xb, yb = x[lo:lo + batch], y[lo:lo + batch]
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()


def rate(batch, seconds):
    for i in range(20):
        step(i, batch)
    done, i, t0 = 0, 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step(i, batch)
        i += 1
        done += batch
    return done / (time.perf_counter() - t0)


def blas():
    """The BLAS library this process mapped, and OpenBLAS's build and chosen kernel if it is one."""
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path).lower():
                paths.add(os.path.realpath(path))
    config, core = "none", "none"
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            get_config, get_core = lib.openblas_get_config, lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        get_config.restype = get_core.restype = ctypes.c_char_p
        config, core = get_config().decode(), get_core().decode()
    return ",".join(sorted(paths)) or "unknown", " ".join(config.split()), core


if serve:
    step(0, 10)
    lib, config, core = blas()
    print("ready\t%s\t%s\t%s\t%s" % (torch.__version__, lib, config, core), flush=True)
    for line in sys.stdin:
        b, s = line.split()
        print("samples_per_second %.1f" % rate(int(b), float(s)), flush=True)
else:
    print("samples_per_second %.1f" % rate(int(sys.argv[1]), float(sys.argv[2])))

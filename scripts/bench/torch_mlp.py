"""PyTorch peer for scripts/bench/train-local: the same MLP, the same batches, samples/s.

Usage: python3 torch_mlp.py BATCH SECONDS INTRA_THREADS
Prints one line: "samples_per_second <value>".
The environment variable OPENBLAS_CORETYPE must be unset by the caller (it slows OpenBLAS).
"""
import sys
import time

import torch

batch, seconds, threads = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
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


def step(i):
    lo = (i * batch) % (n - batch)
    xb, yb = x[lo:lo + batch], y[lo:lo + batch]
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()


for i in range(20):
    step(i)
done, i, t0 = 0, 0, time.perf_counter()
while time.perf_counter() - t0 < seconds:
    step(i)
    i += 1
    done += batch
print("samples_per_second %.1f" % (done / (time.perf_counter() - t0)))

"""PyTorch native CPU as a benchmark peer, driven by bench/torch.mjs.

A long-lived child process: it reads one JSON command per line on stdin and
answers one JSON line on stdout, so the Node side can alternate its own
batches with this process's batches in one run. Commands:
  {"cmd": "hello"}                               -> {"torch": version, "cpu": capability, "mkldnn": bool}
  {"cmd": "setup", "row": {...}, "threads": n}   -> {"ok": true}  (builds the workload, torch.set_num_threads(n))
  {"cmd": "run", "iters": k}                     -> {"ms": mean wall ms per iteration over k runs (perf_counter),
                                                     "cpuMs": mean CPU ms of the process per iteration (process_time)}
  {"cmd": "dispose"}                             -> {"ok": true}
Rows (the same workloads as bench/torch.mjs builds for simdgrad):
  {"kind": "conv", "N", "C", "O", "H", "stride", "pass"}: 3x3 convolution, padding 1, no bias;
     pass 'forward' (no autograd), 'input-grad' / 'weight-grad' (forward + backward to x / to w),
     'train' (forward + backward to both)
  {"kind": "resnet", "depth", "batch"}: CIFAR ResNet (He et al. 2016, option A shortcut) on
     28x28x1 inputs, cross-entropy, SGD lr 0.1 momentum 0.9 weight decay 1e-4: one training step.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), option A shortcut (subsample, zero channels)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        s = x[:, :, ::self.stride, ::self.stride] if self.stride != 1 else x
        if self.extra:
            s = F.pad(s, (0, 0, 0, 0, 0, self.extra))
        return F.relu(y + s)


class ResNetCifar(nn.Module):
    def __init__(self, depth, in_channels=1, width=16, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)

        def stage(cin, cout, stride):
            return nn.Sequential(*[BasicBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1) for i in range(n)])

        self.layer1 = stage(width, width, 1)
        self.layer2 = stage(width, 2 * width, 2)
        self.layer3 = stage(2 * width, 4 * width, 2)
        self.fc = nn.Linear(4 * width, classes)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.layer3(self.layer2(self.layer1(h)))
        return self.fc(h.mean((2, 3)))


def conv_workload(row):
    N, C, O, H, stride, mode = row["N"], row["C"], row["O"], row["H"], row["stride"], row["pass"]
    k = row.get("kernel", 3)
    pad = (k - 1) // 2
    x = torch.randn(N, C, H, H, requires_grad=mode in ("input-grad", "train"))
    w = (torch.randn(O, C, k, k) * 0.1).requires_grad_(mode in ("weight-grad", "train"))
    OH = (H + 2 * pad - k) // stride + 1
    g = torch.randn(N, O, OH, OH)

    if mode == "forward":
        def run():
            with torch.no_grad():
                F.conv2d(x, w, None, stride, pad)
        return run

    def run():
        F.conv2d(x, w, None, stride, pad).backward(g)
        x.grad = None
        w.grad = None
    return run


def resnet_workload(row):
    batch = row["batch"]
    net = ResNetCifar(row["depth"])
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(batch, 1, 28, 28)
    labels = torch.arange(batch) % 10

    def run():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(net(x), labels).backward()
        opt.step()
    return run


WORKLOADS = {"conv": conv_workload, "resnet": resnet_workload}


def main():
    run = None
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "hello":
            capability = [l.split(":")[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability usage" in l]
            out = {"torch": torch.__version__, "cpu": capability[0] if capability else "?", "mkldnn": torch.backends.mkldnn.is_available()}
        elif cmd == "setup":
            torch.set_num_threads(msg["threads"])
            torch.manual_seed(0)
            run = WORKLOADS[msg["row"]["kind"]](msg["row"])
            out = {"ok": True, "threads": torch.get_num_threads()}
        elif cmd == "run":
            iters = msg["iters"]
            t, c = time.perf_counter(), time.process_time()
            for _ in range(iters):
                run()
            out = {"ms": (time.perf_counter() - t) * 1000 / iters, "cpuMs": (time.process_time() - c) * 1000 / iters}
        elif cmd == "dispose":
            run = None
            out = {"ok": True}
        else:
            out = {"error": f"unknown command {cmd}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

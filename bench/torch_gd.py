"""The peer researchers actually use: full-batch gradient descent in PyTorch
(float64, one thread, autograd) on loss = 1/2 ||P_Omega(W_L...W_1 - W*)||_F^2,
as in Arora, Cohen, Hu & Luo (2019) and the papers after it.

Reads one JSON object on stdin:
  {"instance": {target, mask, layers, lossTol}, "lrs": [...], "maxSteps": N}
runs GD from the instance's initial layers at each learning rate until the loss
is <= lossTol or maxSteps steps, and prints one JSON line per learning rate
(wall seconds of the loop only, steps, final loss, effective rank, end-to-end
matrix). With {"gradientAt": [instance, ...]} it prints, one line per
instance, the loss and the gradient at its initial layers instead (dmflow's
layer order, row-major), for the test that both sides optimize the same
function.
Used only by `npm run bench -- --vs-torch`; never a dependency."""
import json, sys, time
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


def setup(inst):
    T = torch.tensor(inst["target"], dtype=torch.float64)
    M = torch.tensor(inst["mask"], dtype=torch.float64)
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in inst["layers"]]
    return T, M, Ws


def loss_of(T, M, Ws):
    # Layers are listed W_1 first (the first factor applied): W = W_L ... W_1.
    P = Ws[0]
    for W in Ws[1:]:
        P = W @ P
    return 0.5 * ((M * (P - T)) ** 2).sum()


def effective_rank(P):
    s = torch.linalg.svdvals(P)
    p = s / s.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))


def gd(inst, lr, max_steps):
    T, M, Ws = setup(inst)
    tol = inst["lossTol"]
    # torch.optim.SGD without momentum or weight decay is plain GD: W <- W - lr grad.
    opt = torch.optim.SGD(Ws, lr=lr)
    steps = 0
    start = time.perf_counter()
    while True:
        loss = loss_of(T, M, Ws)
        value = loss.item()
        if value <= tol or steps >= max_steps or value != value:
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        steps += 1
    wall = time.perf_counter() - start
    with torch.no_grad():
        P = Ws[0]
        for W in Ws[1:]:
            P = W @ P
    return {"lr": lr, "wall": wall, "steps": steps, "loss": value, "converged": value <= tol,
            "effectiveRank": effective_rank(P), "matrix": P.tolist()}


def gradient_at(inst):
    T, M, Ws = setup(inst)
    loss = loss_of(T, M, Ws)
    loss.backward()
    return {"loss": loss.item(), "gradient": [x for W in Ws for x in W.grad.reshape(-1).tolist()]}


job = json.loads(sys.stdin.read())
if "gradientAt" in job:
    for inst in job["gradientAt"]:
        print(json.dumps(gradient_at(inst)))
else:
    # Warm-up (first-call allocations, dispatch caches) outside the timed loops.
    gd(job["instance"], job["lrs"][0], 50)
    for lr in job["lrs"]:
        print(json.dumps(gd(job["instance"], lr, job["maxSteps"])), flush=True)

"""Reference: the same gradient flow through scipy's solve_ivp (RK45) with a
straightforward numpy vector field. Reads instances (JSON: target, mask,
layers, rtol, atol, lossTol, tMax) on stdin, prints one JSON line each.
Used only by `npm run bench -- --vs-scipy`; never a dependency."""
import json, sys, time
import numpy as np
from scipy.integrate import solve_ivp

def run(inst):
    T = np.array(inst["target"], float); M = np.array(inst["mask"], float)
    shapes = [np.array(W).shape for W in inst["layers"]]
    sizes = [a * b for a, b in shapes]
    y0 = np.concatenate([np.array(W, float).ravel() for W in inst["layers"]])
    def unpack(y):
        out, o = [], 0
        for (a, b), s in zip(shapes, sizes):
            out.append(y[o:o + s].reshape(a, b)); o += s
        return out
    def f(t, y):
        Ws = unpack(y); L = len(Ws)
        pre = [np.eye(shapes[0][1])]
        for W in Ws[:-1]: pre.append(W @ pre[-1])
        Wend = Ws[-1] @ pre[-1]
        G = M * (Wend - T)
        grads, suf = [None] * L, np.eye(shapes[-1][0])
        for l in range(L - 1, -1, -1):
            grads[l] = -(suf.T @ G @ pre[l].T)
            suf = suf @ Ws[l]
        return np.concatenate([g.ravel() for g in grads])
    def loss(y):
        Ws = unpack(y); P = Ws[0]
        for W in Ws[1:]: P = W @ P
        return 0.5 * np.sum((M * (P - T)) ** 2), P
    ev = lambda t, y: loss(y)[0] - inst["lossTol"]
    ev.terminal = True
    start = time.perf_counter()
    sol = solve_ivp(f, [0, inst["tMax"]], y0, method="RK45", rtol=inst["rtol"], atol=inst["atol"], events=ev)
    wall = time.perf_counter() - start
    l, P = loss(sol.y[:, -1])
    s = np.linalg.svd(P, compute_uv=False); p = s / s.sum(); p = p[p > 0]
    unobs = M == 0
    den = np.sqrt(np.sum(T[unobs] ** 2))
    rec = float(np.sqrt(np.sum((P - T)[unobs] ** 2)) / den) if den > 0 else None
    return {"wall": wall, "nfev": int(sol.nfev), "steps": int(len(sol.t) - 1), "loss": float(l),
            "effectiveRank": float(np.exp(-np.sum(p * np.log(p)))), "reconstructionError": rec, "status": int(sol.status)}

for line in sys.stdin:
    if line.strip():
        print(json.dumps(run(json.loads(line))), flush=True)

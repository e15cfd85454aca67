// dmflow's WebAssembly SIMD kernels: a dense gemm with the transposes the
// gradient-flow vector field uses, and the whole field (forward prefix
// products, residual on the observed entries, backward pass) so that its
// workspace lives in wasm memory and only y and dy cross the boundary.
// Freestanding C (no libc); built by wasm/build.mjs with clang --target=wasm32
// -msimd128. The gemm packs A into 4-row panels and B into 4-column panels
// (zero-padded), then runs a 4x4 micro-kernel with f64x2 accumulators, the
// usual register-blocked scheme (Goto & van de Geijn 2008, ACM TOMS 34(3)).

#include <wasm_simd128.h>

#define MR 4
#define NR 4

// Packs op(A) (m x k) into ceil(m/4) panels of k x 4 values, rows padded with zeros.
static void pack_a(int ta, int m, int k, const double *A, int lda, double *Ap) {
  for (int i0 = 0; i0 < m; i0 += MR) {
    for (int p = 0; p < k; p++) {
      for (int i = 0; i < MR; i++) {
        int r = i0 + i;
        *Ap++ = r < m ? (ta ? A[p * lda + r] : A[r * lda + p]) : 0.0;
      }
    }
  }
}

// Packs op(B) (k x n) into ceil(n/4) panels of k x 4 values, columns padded with zeros.
static void pack_b(int tb, int k, int n, const double *B, int ldb, double *Bp) {
  for (int j0 = 0; j0 < n; j0 += NR) {
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < NR; j++) {
        int c = j0 + j;
        *Bp++ = c < n ? (tb ? B[c * ldb + p] : B[p * ldb + c]) : 0.0;
      }
    }
  }
}

// 4x4 block of alpha * Ap Bp (+ beta C); rows/cols beyond mr/nr are not written.
static void micro(int k, const double *Ap, const double *Bp, double alpha, double beta, double *C, int ldc, int mr, int nr) {
  v128_t c00 = wasm_f64x2_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int p = 0; p < k; p++) {
    v128_t b0 = wasm_v128_load(Bp), b1 = wasm_v128_load(Bp + 2);
    v128_t a0 = wasm_f64x2_splat(Ap[0]), a1 = wasm_f64x2_splat(Ap[1]);
    v128_t a2 = wasm_f64x2_splat(Ap[2]), a3 = wasm_f64x2_splat(Ap[3]);
    c00 = wasm_f64x2_add(c00, wasm_f64x2_mul(a0, b0)); c01 = wasm_f64x2_add(c01, wasm_f64x2_mul(a0, b1));
    c10 = wasm_f64x2_add(c10, wasm_f64x2_mul(a1, b0)); c11 = wasm_f64x2_add(c11, wasm_f64x2_mul(a1, b1));
    c20 = wasm_f64x2_add(c20, wasm_f64x2_mul(a2, b0)); c21 = wasm_f64x2_add(c21, wasm_f64x2_mul(a2, b1));
    c30 = wasm_f64x2_add(c30, wasm_f64x2_mul(a3, b0)); c31 = wasm_f64x2_add(c31, wasm_f64x2_mul(a3, b1));
    Ap += MR;
    Bp += NR;
  }
  double t[MR * NR];
  wasm_v128_store(t + 0, c00); wasm_v128_store(t + 2, c01);
  wasm_v128_store(t + 4, c10); wasm_v128_store(t + 6, c11);
  wasm_v128_store(t + 8, c20); wasm_v128_store(t + 10, c21);
  wasm_v128_store(t + 12, c30); wasm_v128_store(t + 14, c31);
  for (int i = 0; i < mr; i++) {
    for (int j = 0; j < nr; j++) {
      double v = alpha * t[i * NR + j];
      // beta = 0 never reads C, so stale NaNs in the output cannot leak in.
      C[i * ldc + j] = beta == 0.0 ? v : v + beta * C[i * ldc + j];
    }
  }
}

/** Doubles of scratch dgemm needs for m x n x k. */
int dmf_gemm_scratch(int m, int n, int k) {
  return ((m + MR - 1) / MR) * MR * k + ((n + NR - 1) / NR) * NR * k;
}

/**
 * C = alpha op(A) op(B) + beta C, row-major, op(X) = X^T when its flag is set;
 * scratch holds dmf_gemm_scratch(m, n, k) doubles, 16-byte aligned.
 */
void dmf_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *A, int lda, const double *B, int ldb,
               double beta, double *C, int ldc, double *scratch) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) C[i * ldc + j] = beta == 0.0 ? 0.0 : beta * C[i * ldc + j];
    return;
  }
  double *Ap = scratch;
  double *Bp = scratch + ((m + MR - 1) / MR) * MR * k;
  pack_a(ta, m, k, A, lda, Ap);
  pack_b(tb, k, n, B, ldb, Bp);
  for (int j0 = 0; j0 < n; j0 += NR) {
    const double *bp = Bp + (j0 / NR) * NR * k;
    int nr = n - j0 < NR ? n - j0 : NR;
    for (int i0 = 0; i0 < m; i0 += MR) {
      int mr = m - i0 < MR ? m - i0 : MR;
      micro(k, Ap + (i0 / MR) * MR * k, bp, alpha, beta, C + i0 * ldc + j0, ldc, mr, nr);
    }
  }
}

/**
 * The gradient-flow vector field, the same sequence of products as
 * src/model/field/blasField.ts (Arora, Cohen & Hazan 2018): P_l = W_l P_{l-1}
 * forwards (P_1 = W_1 in y), G = P_Omega(W - W*) into H, then
 * dW_l = -H_l P_{l-1}^T and H_{l-1} = W_l^T H_l backwards. All pointers are
 * into this module's memory; pOff[l] is P_l's offset in P (l = 2..L).
 * Returns the loss 1/2 ||G||^2.
 */
double dmf_field(int L, int n, const int *dims, const int *offsets, const int *pOff, double *P, const double *y,
                 double *dy, double *H, double *H2, int nObs, const int *obsIdx, const double *tObs, double *scratch) {
  int m = dims[L];
  for (int l = 2; l <= L; l++) {
    const double *src = l == 2 ? y + offsets[0] : P + pOff[l - 1];
    dmf_dgemm(0, 0, dims[l], n, dims[l - 1], 1.0, y + offsets[l - 1], dims[l - 1], src, n, 0.0, P + pOff[l], n, scratch);
  }
  const double *W = L == 1 ? y + offsets[0] : P + pOff[L];
  for (int i = 0; i < m * n; i++) H[i] = 0.0;
  double loss = 0.0;
  for (int p = 0; p < nObs; p++) {
    double r = W[obsIdx[p]] - tObs[p];
    H[obsIdx[p]] = r;
    loss += r * r;
  }
  for (int l = L; l >= 1; l--) {
    int dl = dims[l], dl1 = dims[l - 1], ol = offsets[l - 1];
    if (l == 1) {
      for (int i = 0; i < dl * n; i++) dy[ol + i] = -H[i];
      break;
    }
    const double *src = l == 2 ? y + offsets[0] : P + pOff[l - 1];
    dmf_dgemm(0, 1, dl, dl1, n, -1.0, H, n, src, n, 0.0, dy + ol, dl1, scratch);
    dmf_dgemm(1, 0, dl1, n, dl, 1.0, y + ol, dl1, H, n, 0.0, H2, n, scratch);
    double *tmp = H; H = H2; H2 = tmp;
  }
  return 0.5 * loss;
}

/*
 * Dormand–Prince arithmetic for the ensemble lanes (src/ode/ensemble.ts):
 * states in struct-of-arrays layout, component i of lane l at i * L + l, L
 * even, two lanes per f64x2 operation. Each lane's values are computed with
 * exactly the operations, in the same order, of src/ode/dopri5.ts's loops
 * (no contraction or reassociation: plain IEEE multiplies and adds, the
 * coefficients passed in from dopri5.ts), so results are bit-identical to
 * the one-at-a-time stepper. h, atol, rtol and err hold one value per lane.
 * Only lanes below `upto` (even, <= L) are computed: the others are idle.
 */
#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store(p, v)
#define ADD wasm_f64x2_add
#define MUL wasm_f64x2_mul
#define SPLAT wasm_f64x2_splat

/* out = y + h * c1 * k1 (the second stage: (h c1) k1, as dopri5.ts writes it). */
void dmf_ens_stage1(int n, int L, int upto, double *out, const double *y, const double *h, const double *k1, double c1) {
  v128_t c = SPLAT(c1);
  for (int i = 0; i < n; i++)
    for (int l = 0; l < upto; l += 2) {
      int x = i * L + l;
      ST(out + x, ADD(LD(y + x), MUL(MUL(LD(h + l), c), LD(k1 + x))));
    }
}

/* out = y + h * (c[0] k[0] + c[1] k[1] + ... + c[m-1] k[m-1]), summed left to right; 2 <= m <= 5. */
void dmf_ens_stage(int n, int L, int upto, double *out, const double *y, const double *h, int m, const double *const *k, const double *c) {
  v128_t c0 = SPLAT(c[0]), c1 = SPLAT(c[1]), c2 = SPLAT(m > 2 ? c[2] : 0), c3 = SPLAT(m > 3 ? c[3] : 0), c4 = SPLAT(m > 4 ? c[4] : 0);
  const double *k0 = k[0], *k1 = k[1], *k2 = m > 2 ? k[2] : 0, *k3 = m > 3 ? k[3] : 0, *k4 = m > 4 ? k[4] : 0;
  for (int i = 0; i < n; i++)
    for (int l = 0; l < upto; l += 2) {
      int x = i * L + l;
      v128_t s = ADD(MUL(c0, LD(k0 + x)), MUL(c1, LD(k1 + x)));
      if (m > 2) s = ADD(s, MUL(c2, LD(k2 + x)));
      if (m > 3) s = ADD(s, MUL(c3, LD(k3 + x)));
      if (m > 4) s = ADD(s, MUL(c4, LD(k4 + x)));
      ST(out + x, ADD(LD(y + x), MUL(LD(h + l), s)));
    }
}

/*
 * err[l] = sum over i of (e_i / sk_i)^2 with e = h (c[0] k[0] + ... + c[5] k[5])
 * and sk = atol + rtol max(|y|, |y1|): the error norm's sum before its
 * square root (Hairer II.4 (4.11)), each lane's terms added in order of i.
 */
void dmf_ens_error(int n, int L, int upto, const double *h, const double *atol, const double *rtol, const double *y, const double *y1,
                   const double *const *k, const double *c, double *err) {
  v128_t c0 = SPLAT(c[0]), c1 = SPLAT(c[1]), c2 = SPLAT(c[2]), c3 = SPLAT(c[3]), c4 = SPLAT(c[4]), c5 = SPLAT(c[5]);
  const double *k0 = k[0], *k1 = k[1], *k2 = k[2], *k3 = k[3], *k4 = k[4], *k5 = k[5];
  for (int l = 0; l < upto; l += 2) ST(err + l, SPLAT(0.0));
  for (int i = 0; i < n; i++)
    for (int l = 0; l < upto; l += 2) {
      int x = i * L + l;
      v128_t s = ADD(ADD(ADD(ADD(ADD(MUL(c0, LD(k0 + x)), MUL(c1, LD(k1 + x))), MUL(c2, LD(k2 + x))), MUL(c3, LD(k3 + x))), MUL(c4, LD(k4 + x))), MUL(c5, LD(k5 + x)));
      v128_t e = MUL(LD(h + l), s);
      v128_t sk = ADD(LD(atol + l), MUL(LD(rtol + l), wasm_f64x2_max(wasm_f64x2_abs(LD(y + x)), wasm_f64x2_abs(LD(y1 + x)))));
      v128_t q = wasm_f64x2_div(e, sk);
      ST(err + l, ADD(LD(err + l), MUL(q, q)));
    }
}

/*
 * Runge–Kutta–Chebyshev arithmetic for src/ode/rkc.ts: each value is computed
 * with the operations, in the order, of rkc.ts's TypeScript loops (plain IEEE
 * multiplies, adds and divides; wasm has no fused multiply-add to contract
 * into, and build.mjs passes -ffp-contract=off besides), so both paths give
 * the same bits. Sums are accumulated one component at a time in order of i,
 * as the loops do: the f64x2 operations compute two terms, added in turn.
 */

/*
 * The scalars come through memory (c, filled by the caller), not as arguments:
 * a double argument or result would be a heap number on the JavaScript side,
 * an allocation per call.
 */

/* out = y + c[0] f (RKC's first stage with c[0] = muT_1 h; the power iteration's shifted point). */
void dmf_rkc_axpy(int n, double *out, const double *y, const double *f, const double *c) {
  double c0 = c[0];
  v128_t cc = SPLAT(c0);
  int i = 0;
  for (; i + 2 <= n; i += 2) ST(out + i, ADD(LD(y + i), MUL(cc, LD(f + i))));
  for (; i < n; i++) out[i] = y[i] + c0 * f[i];
}

/* out = a y + mu p1 + nu p2 + mt fj + gt f0 with c = (a, mu, nu, mt, gt), added left to right (stage j from Y_{j-1} = p1, Y_{j-2} = p2). */
void dmf_rkc_stage(int n, double *out, const double *y, const double *p1, const double *p2, const double *fj, const double *f0, const double *c) {
  double a = c[0], mu = c[1], nu = c[2], mt = c[3], gt = c[4];
  v128_t va = SPLAT(a), vmu = SPLAT(mu), vnu = SPLAT(nu), vmt = SPLAT(mt), vgt = SPLAT(gt);
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    v128_t s = ADD(MUL(va, LD(y + i)), MUL(vmu, LD(p1 + i)));
    s = ADD(s, MUL(vnu, LD(p2 + i)));
    s = ADD(s, MUL(vmt, LD(fj + i)));
    ST(out + i, ADD(s, MUL(vgt, LD(f0 + i))));
  }
  for (; i < n; i++) out[i] = a * y[i] + mu * p1[i] + nu * p2[i] + mt * fj[i] + gt * f0[i];
}

/*
 * The error estimate's sum, into c[2]: over i of (e_i / sk_i)^2 with
 * e = 0.8 (y - y1) + c[1] (f0 + f1), c[1] = 0.4 h, and sk = atol_i + c[0] max(|y|, |y1|), c[0] = rtol.
 */
void dmf_rkc_error(int n, const double *y, const double *y1, const double *f0, const double *f1, const double *atol, double *c) {
  double rtol = c[0];
  v128_t v08 = SPLAT(0.8), vc = SPLAT(c[1]), vr = SPLAT(rtol);
  double sum = 0.0;
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    v128_t a = LD(y + i), b = LD(y1 + i);
    v128_t e = ADD(MUL(v08, wasm_f64x2_sub(a, b)), MUL(vc, ADD(LD(f0 + i), LD(f1 + i))));
    v128_t sk = ADD(LD(atol + i), MUL(vr, wasm_f64x2_max(wasm_f64x2_abs(a), wasm_f64x2_abs(b))));
    v128_t q = wasm_f64x2_div(e, sk);
    q = MUL(q, q);
    sum += wasm_f64x2_extract_lane(q, 0);
    sum += wasm_f64x2_extract_lane(q, 1);
  }
  if (i < n) {
    /* The odd last component through the same f64x2 operations (f64x2.max and .abs are JavaScript's Math.max and Math.abs). */
    v128_t a = wasm_f64x2_make(y[i], 0.0), b = wasm_f64x2_make(y1[i], 0.0);
    v128_t e = ADD(MUL(v08, wasm_f64x2_sub(a, b)), MUL(vc, ADD(wasm_f64x2_make(f0[i], 0.0), wasm_f64x2_make(f1[i], 0.0))));
    v128_t sk = ADD(wasm_f64x2_make(atol[i], 1.0), MUL(vr, wasm_f64x2_max(wasm_f64x2_abs(a), wasm_f64x2_abs(b))));
    v128_t q = wasm_f64x2_div(e, sk);
    sum += wasm_f64x2_extract_lane(MUL(q, q), 0);
  }
  c[2] = sum;
}

/* v = fv - f0; the sum of v_i^2 in order of i into c[0] (the power iteration's difference quotient). */
void dmf_rkc_diff(int n, double *v, const double *fv, const double *f0, double *c) {
  double sum = 0.0;
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    v128_t d = wasm_f64x2_sub(LD(fv + i), LD(f0 + i));
    ST(v + i, d);
    v128_t q = MUL(d, d);
    sum += wasm_f64x2_extract_lane(q, 0);
    sum += wasm_f64x2_extract_lane(q, 1);
  }
  for (; i < n; i++) { double d = fv[i] - f0[i]; v[i] = d; sum += d * d; }
  c[0] = sum;
}

/* The sum of x_i^2 in order of i, into c[0] (the power iteration's norms). */
void dmf_rkc_sumsq(int n, const double *x, double *c) {
  double sum = 0.0;
  for (int i = 0; i < n; i++) sum += x[i] * x[i];
  c[0] = sum;
}

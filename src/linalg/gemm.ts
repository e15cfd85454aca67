// A row-major general matrix product in TypeScript loops with BLAS's dgemm
// signature, for code written once against "a gemm" (hessianVector.ts) that
// runs on the native binding where it loads and on these loops elsewhere.

import type { NativeBlas } from './native.js';

export type Gemm = NativeBlas['dgemm'];

/** C = alpha op(A) op(B) + beta C (C is m x n, op(A) m x k, op(B) k x n), row-major with leading dimensions. */
export const gemmLoops: Gemm = (transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < n; j++) C[ci + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) C[ci + j] *= beta;
    for (let p = 0; p < k; p++) {
      const a = alpha * (transA ? A[aOff + p * lda + i] : A[aOff + i * lda + p]);
      if (a === 0) continue;
      if (transB) {
        for (let j = 0; j < n; j++) C[ci + j] += a * B[bOff + j * ldb + p];
      } else {
        const bp = bOff + p * ldb;
        for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
      }
    }
  }
};

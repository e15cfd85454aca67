// Dense row-major kernels on Float64Array with explicit offsets, so that
// layers can live inside one packed state vector without copies.
// Loop orders keep the innermost loop contiguous in memory.

/** C (p x r) = A (p x q) B (q x r). */
export function matmul(
  A: Float64Array, ao: number, B: Float64Array, bo: number, C: Float64Array, co: number,
  p: number, q: number, r: number,
): void {
  for (let i = 0; i < p; i++) {
    const ci = co + i * r;
    for (let j = 0; j < r; j++) C[ci + j] = 0;
    const ai = ao + i * q;
    for (let k = 0; k < q; k++) {
      const a = A[ai + k];
      if (a === 0) continue;
      const bk = bo + k * r;
      for (let j = 0; j < r; j++) C[ci + j] += a * B[bk + j];
    }
  }
}

/** C (p x r) = A^T B with A (q x p), B (q x r). */
export function matmulTN(
  A: Float64Array, ao: number, B: Float64Array, bo: number, C: Float64Array, co: number,
  p: number, q: number, r: number,
): void {
  const end = co + p * r;
  for (let i = co; i < end; i++) C[i] = 0;
  for (let k = 0; k < q; k++) {
    const ak = ao + k * p;
    const bk = bo + k * r;
    for (let i = 0; i < p; i++) {
      const a = A[ak + i];
      if (a === 0) continue;
      const ci = co + i * r;
      for (let j = 0; j < r; j++) C[ci + j] += a * B[bk + j];
    }
  }
}

/** C (p x q) = scale * A B^T with A (p x r), B (q x r). */
export function matmulNT(
  A: Float64Array, ao: number, B: Float64Array, bo: number, C: Float64Array, co: number,
  p: number, q: number, r: number, scale = 1,
): void {
  for (let i = 0; i < p; i++) {
    const ai = ao + i * r;
    const ci = co + i * q;
    for (let j = 0; j < q; j++) {
      const bj = bo + j * r;
      let acc = 0;
      for (let k = 0; k < r; k++) acc += A[ai + k] * B[bj + k];
      C[ci + j] = scale * acc;
    }
  }
}

/** Frobenius norm of x - y over [0, len). */
export function diffNorm(x: ArrayLike<number>, y: ArrayLike<number>, len = x.length): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += (x[i] - y[i]) ** 2;
  return Math.sqrt(s);
}

export function norm2(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** Rows of an r x c row-major block as nested arrays. */
export function toRows(x: ArrayLike<number>, r: number, c: number, offset = 0): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < r; i++) {
    const row = new Array<number>(c);
    for (let j = 0; j < c; j++) row[j] = x[offset + i * c + j];
    out.push(row);
  }
  return out;
}

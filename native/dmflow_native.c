// Native BLAS for dmflow's large vector fields: a thin N-API binding of
// OpenBLAS's cblas_dgemm on Float64Array views (no copies). Optional: when it
// is not built, dmflow uses its TypeScript kernels (src/linalg/native.ts).

#include <cblas.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

void openblas_set_num_threads(int num_threads);

static bool get_f64(napi_env env, napi_value v, double **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, &buffer, &offset) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "dgemm: expected a Float64Array");
    return false;
  }
  *data = (double *)raw;
  return true;
}

static bool get_i(napi_env env, napi_value v, int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "dgemm: expected an integer");
    return false;
  }
  return true;
}

// dgemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc):
// C[cOff..] = alpha op(A) op(B) + beta C, row-major, op(X) = X or X^T.
static napi_value dgemm(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 16) {
    napi_throw_error(env, NULL, "dgemm: expected 16 arguments");
    return NULL;
  }
  bool ta, tb;
  napi_get_value_bool(env, argv[0], &ta);
  napi_get_value_bool(env, argv[1], &tb);
  int64_t m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
  double alpha, beta, *A, *B, *C;
  size_t la, lb, lc;
  if (!get_i(env, argv[2], &m) || !get_i(env, argv[3], &n) || !get_i(env, argv[4], &k)) return NULL;
  napi_get_value_double(env, argv[5], &alpha);
  if (!get_f64(env, argv[6], &A, &la) || !get_i(env, argv[7], &aOff) || !get_i(env, argv[8], &lda)) return NULL;
  if (!get_f64(env, argv[9], &B, &lb) || !get_i(env, argv[10], &bOff) || !get_i(env, argv[11], &ldb)) return NULL;
  napi_get_value_double(env, argv[12], &beta);
  if (!get_f64(env, argv[13], &C, &lc) || !get_i(env, argv[14], &cOff) || !get_i(env, argv[15], &ldc)) return NULL;
  // Bounds: the last element each operand touches must lie inside its array.
  int64_t aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
  if (m <= 0 || n <= 0 || k <= 0 || aOff < 0 || bOff < 0 || cOff < 0 || lda < aCols || ldb < bCols || ldc < n ||
      aOff + (aRows - 1) * lda + aCols > (int64_t)la || bOff + (bRows - 1) * ldb + bCols > (int64_t)lb ||
      cOff + (m - 1) * ldc + n > (int64_t)lc) {
    napi_throw_range_error(env, NULL, "dgemm: operand out of bounds");
    return NULL;
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
              alpha, A + aOff, (int)lda, B + bOff, (int)ldb, beta, C + cOff, (int)ldc);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t t = 1;
  if (argc == 1) napi_get_value_int64(env, argv[0], &t);
  openblas_set_num_threads(t < 1 ? 1 : (int)t);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dgemm", NULL, dgemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

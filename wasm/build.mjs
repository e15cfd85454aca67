// Builds wasm/dmflow_kernels.wasm from wasm/dmflow_kernels.c with Debian's
// clang/lld (clang 14 verified; docs/kernels.md, "Building the kernels").
// The .wasm is committed (13 KB) and shipped; test/wasmKernels.test.ts rebuilds
// it and checks the bytes are the same. Usage: node wasm/build.mjs [out.wasm]
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, 'dmflow_kernels.wasm'));
const clang = process.env.CLANG ?? 'clang';
const args = [
  '--target=wasm32', '-nostdlib', '-O3', '-msimd128',
  // wasm has no fused multiply-add; said explicitly, as the kernels' results must equal the TypeScript loops' bit for bit.
  '-ffp-contract=off',
  // Without -fno-builtin clang turns loops into memset/memcpy calls that wasm-ld cannot resolve.
  '-fno-builtin',
  '-Wl,--no-entry', '-Wl,--strip-debug',
  '-Wl,--export=dmf_dgemm', '-Wl,--export=dmf_field', '-Wl,--export=dmf_gemm_scratch', '-Wl,--export=__heap_base',
  '-Wl,--export=dmf_ens_stage1', '-Wl,--export=dmf_ens_stage', '-Wl,--export=dmf_ens_error',
  '-Wl,--export=dmf_rkc_axpy', '-Wl,--export=dmf_rkc_stage', '-Wl,--export=dmf_rkc_error', '-Wl,--export=dmf_rkc_diff', '-Wl,--export=dmf_rkc_sumsq',
  // Four pages to start (stack + statics); each field grows the memory once to what it needs.
  '-Wl,--initial-memory=262144', '-Wl,--max-memory=2147483648',
  '-o', out, 'dmflow_kernels.c',
];
// Relative source path and fixed cwd: the bytes depend on nothing but the source and the compiler.
const r = spawnSync(clang, args, { cwd: here, encoding: 'utf8' });
if (r.error || r.status !== 0) {
  console.error(`dmflow: wasm build failed: ${(r.error?.message ?? r.stderr ?? '').trim() || `exit ${r.status}`}`);
  process.exit(1);
}
console.log(`dmflow: built ${out}`);

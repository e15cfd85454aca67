// Builds the prebuilt binding shipped in the package (`npm run build:prebuild`,
// also run by `prepack`): dmflow_native.c linked statically against Debian's
// OpenBLAS (libopenblas-pthread-dev 0.3.21: PIC, DYNAMIC_ARCH, so one binary
// picks Prescott..Cooperlake kernels at run time), into
// prebuilds/linux-x64/dmflow_native.glibc.node with OpenBLAS's license beside
// it. Its only NEEDED library is libc (glibc >= 2.34); --exclude-libs keeps
// OpenBLAS's symbols private, so it cannot clash with another BLAS in the process.
// docs/kernels.md, "Building the kernels". Usage: node native/prebuild.mjs [outDir]
// DMFLOW_PREBUILD=0 skips it (a tarball packed elsewhere, e.g. macOS, without the binary).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fail = (msg) => { console.error(`dmflow: build:prebuild: ${msg}`); process.exit(1); };
// A tarball without the prebuild still works (wasm kernels), but it is not what
// we publish: packing without one must be asked for explicitly.
if (process.env.DMFLOW_PREBUILD === '0') {
  // A binary left from an earlier build would otherwise be packed after all.
  rmSync(join(here, '..', 'prebuilds'), { recursive: true, force: true });
  console.log('dmflow: DMFLOW_PREBUILD=0, packing without the prebuilt native binding (wasm kernels will be used)');
  process.exit(0);
}

const glibc = process.report?.getReport()?.header?.glibcVersionRuntime;
if (process.platform !== 'linux' || process.arch !== 'x64' || !glibc) {
  fail(`expected linux-x64 with glibc (the one prebuilt target), got ${process.platform}-${process.arch}${glibc ? '' : ' without glibc'}`);
}
const archive = process.env.DMFLOW_OPENBLAS_A ?? '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.a';
const include = process.env.DMFLOW_OPENBLAS_INCLUDE ?? '/usr/include/x86_64-linux-gnu/openblas-pthread';
if (!existsSync(archive)) fail(`expected OpenBLAS's static library at ${archive} (apt-get install libopenblas-pthread-dev, or set DMFLOW_OPENBLAS_A)`);
const nodeInclude = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')]
  .filter(Boolean).map((d) => join(d, 'include', 'node')).find((d) => existsSync(join(d, 'node_api.h')));
if (!nodeInclude) fail("expected Node's headers (include/node/node_api.h) next to this node or in npm_config_nodedir");

const outDir = resolve(process.argv[2] ?? join(here, '..', 'prebuilds', 'linux-x64'));
mkdirSync(outDir, { recursive: true });
const out = join(outDir, 'dmflow_native.glibc.node');
// Linked under a temporary name two levels up (outside prebuilds/, which npm packs) and
// renamed: a pack running meanwhile sees the old binary or the new one, never half of one.
const tmp = resolve(outDir, '..', '..', `.dmflow_native.${process.pid}.tmp`);
const cc = process.env.CC ?? 'gcc';
const args = [
  '-shared', '-fPIC', '-O3', '-s', `-I${include}`, `-I${nodeInclude}`,
  join(here, 'dmflow_native.c'), archive, '-lpthread', '-lm', '-Wl,--exclude-libs,ALL', '-o', tmp,
];
const r = spawnSync(cc, args, { encoding: 'utf8' });
if (r.error || r.status !== 0) {
  rmSync(tmp, { force: true });
  fail(`${cc} failed: ${(r.error?.message ?? r.stderr ?? '').trim() || `exit ${r.status}`}`);
}
renameSync(tmp, out);
copyFileSync(join(here, 'OpenBLAS-LICENSE.txt'), join(outDir, 'OpenBLAS-LICENSE.txt'));
console.log(`dmflow: built ${out}`);

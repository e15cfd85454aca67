// Browser builds with the pinned esbuild (npm run build:web; scripts/build.mjs
// runs it after the TypeScript emit):
//   dist/browser/dmflow.js  the library for browsers (src/browser.ts), the
//                           package's "browser" export condition;
//   dist/web/               the explorer page (web/), a static folder that
//                           `dmflow explore` serves and any static host can.
// A module foo.ts with a foo.browser.ts beside it is replaced by that file
// (the Node-specific leaves: native binding, wasm bytes, files, memory size,
// checkpoints). The build FAILS when anything bundled for the browser imports
// a Node built-in, and when the page's JavaScript is over its budget.
import { existsSync, mkdirSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The page's JavaScript, gzipped, wasm aside (issue budget). */
export const WEB_JS_BUDGET_GZIP = 1.5e6;

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Substitutes foo.browser.ts for foo.ts, and refuses Node built-ins with the
 * importing file named (esbuild's own error for platform "browser" does not
 * say which chain pulled it in).
 */
export const browserPlugin = {
  name: 'dmflow-browser',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!/\.[cm]?ts$/.test(args.importer)) return undefined;
      const base = join(args.resolveDir, args.path.replace(/\.js$/, ''));
      const variant = `${base}.browser.ts`;
      if (existsSync(variant)) return { path: variant };
      return undefined;
    });
    build.onResolve({ filter: /.*/ }, (args) => {
      // A package's own guarded require of a built-in is mapped away by its
      // package.json "browser" field (seedrandom's crypto), which esbuild
      // applies; one without that mapping fails esbuild's browser resolution.
      if (!NODE_BUILTINS.has(args.path) || args.importer.includes('/node_modules/')) return undefined;
      return { errors: [{ text: `Node built-in "${args.path}" imported by ${relative(root, args.importer)}: the browser bundle must not use Node (give the module a .browser.ts variant, or keep it out of src/browser.ts)` }] };
    });
  },
};

/** Options shared by every browser bundle. */
export function common() {
  return {
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    plugins: [browserPlugin],
    loader: { '.wasm': 'binary' },
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  };
}

/** Inputs of a metafile that are Node built-ins (none, or the build already failed): a second line of defence. */
export function nodeInputs(metafile) {
  return Object.keys(metafile.inputs).filter((p) => p.startsWith('node:') || NODE_BUILTINS.has(p));
}

function sizes(metafile, outRoot) {
  return Object.keys(metafile.outputs)
    .filter((f) => !f.endsWith('.map'))
    .map((f) => {
      const bytes = readFileSync(join(root, f));
      return { file: relative(outRoot, join(root, f)), bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

export async function buildWeb({ quiet = false } = {}) {
  const log = quiet ? () => {} : (s) => process.stdout.write(s + '\n');
  const lib = join(root, 'dist', 'browser');
  const web = join(root, 'dist', 'web');
  rmSync(lib, { recursive: true, force: true });
  rmSync(web, { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  mkdirSync(web, { recursive: true });

  // The page's own code is type-checked with the DOM library (the root tsconfig is Node's).
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const tc = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(root, 'web', 'tsconfig.json')], { encoding: 'utf8' });
  if (tc.status !== 0) throw new Error(`build:web: web/ does not type-check:\n${tc.stdout}${tc.stderr}`);

  const results = [];
  try {
    results.push(await esbuild.build({
      ...common(),
      entryPoints: { dmflow: join(root, 'src', 'browser.ts') },
      outdir: lib,
    }));
    results.push(await esbuild.build({
      ...common(),
      entryPoints: { app: join(root, 'web', 'main.ts'), worker: join(root, 'web', 'worker.ts') },
      outdir: web,
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      minify: true,
    }));
  } catch (e) {
    const errors = e.errors?.map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`).join('\n') ?? e.message;
    throw new Error(`build:web failed:\n${errors}`);
  }
  for (const r of results) {
    const bad = nodeInputs(r.metafile);
    if (bad.length > 0) throw new Error(`build:web: the browser bundle imports Node built-ins: ${bad.join(', ')}`);
  }
  for (const f of ['index.html']) copyFileSync(join(root, 'web', f), join(web, f));

  const libSizes = sizes(results[0].metafile, lib);
  const webSizes = sizes(results[1].metafile, web);
  const js = webSizes.filter((s) => s.file.endsWith('.js'));
  const jsGzip = js.reduce((a, s) => a + s.gzip, 0);
  log('build:web: dist/browser (library, browser condition)');
  for (const s of libSizes) log(`  ${s.file.padEnd(36)} ${kb(s.bytes).padStart(11)}  gzip ${kb(s.gzip).padStart(10)}`);
  log('build:web: dist/web (explorer page)');
  for (const s of webSizes) log(`  ${s.file.padEnd(36)} ${kb(s.bytes).padStart(11)}  gzip ${kb(s.gzip).padStart(10)}`);
  log(`build:web: page JavaScript ${kb(js.reduce((a, s) => a + s.bytes, 0))}, gzip ${kb(jsGzip)} (budget ${kb(WEB_JS_BUDGET_GZIP)}; the wasm kernels, 10 KiB, are inlined in the worker)`);
  if (jsGzip > WEB_JS_BUDGET_GZIP) throw new Error(`build:web: the page's JavaScript is ${jsGzip} bytes gzipped, over the budget of ${WEB_JS_BUDGET_GZIP}`);
  return { lib: libSizes, web: webSizes, jsGzip };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await buildWeb();
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}

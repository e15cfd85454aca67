// Why the explorer page and the CLI agree to rounding and not bit for bit:
// the library bundle (dist/browser/dmflow.js) runs the default spec and a
// 20x20 completion on the wasm kernel in Node and in Chromium, first with each
// engine's own Math, then with Math.pow/exp/log/log10/log2/hypot/sin/cos replaced
// by one pure-JS implementation (basic IEEE operations only) in both. Prints
// whether the matrices are then bit-identical (they are: the two V8 versions
// round those functions differently, and nothing else differs).
import { chromium } from 'playwright-core';
import { staticServer } from '../dist/src/cli/commands/explore.js';
// Run after npm run build (it loads dist/browser/dmflow.js in both engines): node bench/browserLibm.mjs
const DET = `(() => {
  const f64 = new Float64Array(1), u32 = new Uint32Array(f64.buffer);
  const LN2 = 0.6931471805599453;
  function log(x) {
    if (!(x > 0)) return x === 0 ? -Infinity : NaN;
    if (x === Infinity) return Infinity;
    let e = 0;
    if (x < 2.2250738585072014e-308) { x *= 18014398509481984; e = -54; }
    f64[0] = x; const hi = u32[1];
    e += ((hi >>> 20) & 0x7ff) - 1023;
    u32[1] = (hi & 0x800fffff) | 0x3ff00000; let m = f64[0];
    if (m > 1.4142135623730951) { m /= 2; e += 1; }
    const s = (m - 1) / (m + 1), s2 = s * s;
    let term = s, sum = 0;
    for (let k = 1; k < 60; k += 2) { sum += term / k; term *= s2; }
    return 2 * sum + e * LN2;
  }
  function exp(y) {
    if (y !== y) return NaN; if (y > 709.8) return Infinity; if (y < -745.2) return 0;
    const k = Math.round(y / LN2); const r = y - k * LN2;
    let term = 1, sum = 1; for (let i = 1; i < 30; i++) { term *= r / i; sum += term; }
    let kk = k, out = sum;
    while (kk > 1000) { out *= 2 ** 1000; kk -= 1000; } while (kk < -1000) { out *= 2 ** -1000; kk += 1000; }
    f64[0] = 1; u32[1] = (kk + 1023) << 20; u32[0] = 0;
    return kk >= -1022 ? out * f64[0] : out * 2 ** kk;
  }
  function pow(x, y) {
    if (y === 0) return 1; if (x !== x || y !== y) return NaN;
    if (x === 0) return y > 0 ? 0 : Infinity;
    if (Number.isInteger(y) && Math.abs(y) <= 64) { let r = 1, b = y > 0 ? x : 1 / x, n = Math.abs(y); while (n) { if (n & 1) r *= b; b *= b; n >>= 1; } return r; }
    if (x < 0) return NaN;
    return exp(y * log(x));
  }
  const TWO_PI = 6.283185307179586;
  function sincos(x, wantSin) {
    const k = Math.round(x / TWO_PI); const r = x - k * TWO_PI;
    let term = wantSin ? r : 1, sum = term; const r2 = r * r;
    for (let i = wantSin ? 2 : 1; i < 60; i += 1) { const a = wantSin ? 2 * i - 2 : 2 * i - 1; const b = wantSin ? 2 * i - 1 : 2 * i; term *= -r2 / (a * b); sum += term; }
    return sum;
  }
  Math.sin = (x) => sincos(x, true); Math.cos = (x) => sincos(x, false);
  Math.log = log; Math.exp = exp; Math.pow = pow;
  Math.log10 = (x) => log(x) / 2.302585092994046; Math.log2 = (x) => log(x) / LN2;
  Math.hypot = (...a) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
})();`;
const specs = {
  default: null,
  completion: { target: { kind: 'low-rank', size: [20, 20], rank: 2, seed: 1 }, observed: { kind: 'random', count: 200, seed: 2 }, depth: 3, init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { rtol: 1e-8, atol: 1e-10, lossTol: 1e-10 } },
};
const body = async (det, specs) => {
  if (det) (0, eval)(det);
  const lib = await import('/browser/dmflow.js');
  const out = {};
  for (const [k, s] of Object.entries(specs)) { const r = lib.run(s ?? lib.DEFAULT_SPEC, { kernel: 'wasm' }); out[k] = { t: r.t, nfev: r.nfev, matrix: r.matrix }; }
  return out;
};
const server = staticServer(new URL('../dist/', import.meta.url).pathname.replace(/\/$/, ''));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/web/index.html`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const det of [null, DET]) {
  const page = await browser.newPage();
  await page.goto(url);
  const chrome = await page.evaluate(`(${body.toString()})(${JSON.stringify(det)}, ${JSON.stringify(specs)})`);
  await page.close();
  const node = await (async () => {
    const { execFileSync } = await import('node:child_process');
    const code = `const body = ${body.toString().replace("'/browser/dmflow.js'", "'" + new URL('../dist/browser/dmflow.js', import.meta.url).href + "'")}; body(${JSON.stringify(det)}, ${JSON.stringify(specs)}).then((o) => process.stdout.write(JSON.stringify(o)));`;
    return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  })();
  for (const k of Object.keys(specs)) {
    const a = chrome[k], b = node[k];
    let maxAbs = 0, scale = 0, same = true;
    a.matrix.forEach((row, i) => row.forEach((v, j) => { scale = Math.max(scale, Math.abs(b.matrix[i][j])); maxAbs = Math.max(maxAbs, Math.abs(v - b.matrix[i][j])); if (!Object.is(v, b.matrix[i][j])) same = false; }));
    console.log(`${det ? 'same pure-JS pow/exp/log' : "each engine's own Math"}: ${k}: matrix bit-identical ${same}, max rel ${(maxAbs / scale).toExponential(2)}, t ${a.t} vs ${b.t}, nfev ${a.nfev} vs ${b.nfev}`);
  }
}
await browser.close();
server.close();

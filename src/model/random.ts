// Seeded pseudo-random numbers, so that the same spec and seed give
// bit-identical output on every machine. sfc32 (Chris Doty-Humphrey's Small
// Fast Counter, PractRand-clean) seeded through splitmix32; normals by the
// Box–Muller transform on 53-bit uniforms.

import { portableLog, sinCosTurns } from '../numeric/portableMath.js';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;
  /** sin and cos of the last angle (no allocation per draw). */
  private readonly sinCos = new Float64Array(2);

  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    // Fold the high part of large integer seeds in too.
    const hi = Math.floor(Math.abs(seed) / 4294967296) >>> 0;
    this.a = next();
    this.b = next() ^ hi;
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal. */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    // Box–Muller with logarithm, sine and cosine that give the same bits in every engine (portableMath.ts).
    const r = Math.sqrt(-2 * portableLog(u));
    sinCosTurns(v, this.sinCos);
    this.spare = r * this.sinCos[0];
    return r * this.sinCos[1];
  }

  /** Integer uniform on [0, k). */
  below(k: number): number {
    return Math.floor(this.uniform() * k);
  }
}

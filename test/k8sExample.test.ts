// The Kubernetes example without a cluster: the Indexed Job's container
// command, run through /bin/sh once per completion index with the variables
// the Job controller and the manifest set, then the merge Job's command,
// must give the same results as a single-process run. (The image itself,
// examples/k8s/Dockerfile, is not built here.)

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSweep, runSweep } from '../src/index.js';
import { BIN } from './helpers/cli.js';

const example = (name: string) => readFileSync(new URL(`../examples/k8s/${name}`, import.meta.url), 'utf8');

/** The folded ">-" script under "args:" of the manifest's container, as one line. */
function containerScript(yaml: string): string {
  const m = /args:\n\s*- >-\n((?:\s{14,}.*\n)+)/.exec(yaml);
  if (!m) throw new Error('no folded args script in the manifest');
  return m[1].split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

describe('examples/k8s', () => {
  it('the image\'s entry point and the manifests run the bin package.json names (the build in dist/)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { dmflow: string } };
    const entry = `/opt/dmflow/${pkg.bin.dmflow}`;
    expect(example('Dockerfile')).toContain(`ENTRYPOINT ["node", "${entry}"]`);
    expect(example('Dockerfile')).toMatch(/RUN npm ci /); // its "dependencies" script builds dist/ there
    for (const manifest of ['job.yaml', 'merge-job.yaml']) expect(containerScript(example(manifest))).toContain(`node ${entry} `);
  });

  it('the Indexed Job\'s shards and the merge Job give the single-process results', async () => {
    const job = example('job.yaml');
    const completions = Number(/completions: (\d+)/.exec(job)![1]);
    expect(Number(/name: DMFLOW_SHARD_COUNT\n\s*value: "(\d+)"/.exec(job)![1])).toBe(completions);
    expect(job).toContain('completionMode: Indexed');
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-k8s-'));
    mkdirSync(join(dir, 'sweep'));
    mkdirSync(join(dir, 'results'));
    const sweep = { base: { target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 } }, grid: { depth: [2, 3, 4] }, trials: 3 };
    writeFileSync(join(dir, 'sweep', 'sweep.json'), JSON.stringify(sweep));
    const localize = (script: string) => script
      .replaceAll('node /opt/dmflow/dist/src/cli/bin.js', `'${process.execPath}' '${BIN}'`)
      .replaceAll('/sweep/', `${dir}/sweep/`).replaceAll('/results/', `${dir}/results/`);
    const shard = localize(containerScript(job));
    for (let i = 0; i < completions; i++) {
      execFileSync('/bin/sh', ['-c', shard], { env: { ...process.env, JOB_COMPLETION_INDEX: String(i), DMFLOW_SHARD_COUNT: String(completions) }, stdio: 'pipe' });
    }
    execFileSync('/bin/sh', ['-c', localize(containerScript(example('merge-job.yaml')))], { stdio: 'pipe' });
    const single = join(dir, 'single.jsonl');
    await runSweep(parseSweep(sweep), { out: single, workers: 1 });
    expect(readFileSync(join(dir, 'results', 'all.jsonl'), 'utf8')).toBe(readFileSync(single, 'utf8'));
    expect(readFileSync(join(dir, 'results', 'summary.csv'), 'utf8')).toMatch(/^depth,n,failed,nonfinite,/);
  });
});

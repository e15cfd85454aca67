// A real Slurm on this machine (Debian's slurm-wlm + munge, as root; .ci/run
// sets it up): the examples/slurm scripts run a small sweep as
// an array of shards plus a merge job, and the merged file must equal a
// single-process run cell by cell. Skipped, saying why, where Slurm is not
// installed or this is not root; .ci/run installs it. The daemons this test
// starts are stopped by their PIDs; a munged that was already running is left alone.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonical, parseSweep, readResults, runSweep } from '../src/index.js';
import { BIN } from './helpers/cli.js';

const SBIN = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/sinfo'];
const EXAMPLES = new URL('../examples/slurm/', import.meta.url).pathname;

function whySkip(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (slurmd runs jobs as root here)';
  const missing = SBIN.filter((p) => !existsSync(p));
  if (missing.length) return `Slurm is not installed (missing ${missing.join(', ')}; apt-get install slurm-wlm munge)`;
  return null;
}
const skip = whySkip();
if (skip) console.warn(`slurm.test.ts skipped: ${skip}`);

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await sleep(250);
  }
}

describe.skipIf(skip !== null)('a real Slurm runs the examples/slurm scripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-slurm-'));
  const conf = join(dir, 'slurm.conf');
  const started: { name: string; pid: number }[] = [];
  let env: NodeJS.ProcessEnv;

  const munged = () => spawnSync('/usr/bin/munge', ['-n'], { encoding: 'utf8' }).status === 0;

  beforeAll(async () => {
    // munge: reuse a running daemon, else start one (and stop it afterwards).
    if (!munged()) {
      if (!existsSync('/etc/munge/munge.key')) execFileSync('/bin/sh', ['-c', 'dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null && chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key']);
      execFileSync('/bin/sh', ['-c', 'mkdir -p /run/munge && chown munge:munge /run/munge']);
      execFileSync('runuser', ['-u', 'munge', '--', '/usr/sbin/munged', '--force']);
      started.push({ name: 'munged', pid: Number(readFileSync('/run/munge/munged.pid', 'utf8')) });
      await until('munged', munged, 20);
    }
    // Our own cluster: config, state and spool in a temp dir, ports nobody uses.
    const node = hostname().split('.')[0];
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    for (const d of ['state', 'spool']) mkdirSync(join(dir, d));
    writeFileSync(conf, [
      'ClusterName=dmflowtest', `SlurmctldHost=${node}`, `SlurmctldPort=${ctldPort}`, `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root', 'SlurmdUser=root', `StateSaveLocation=${dir}/state`, `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`, `SlurmdPidFile=${dir}/slurmd.pid`, `SlurmctldLogFile=${dir}/slurmctld.log`, `SlurmdLogFile=${dir}/slurmd.log`,
      'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'AuthType=auth/munge', 'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core', 'ReturnToService=2', 'MpiDefault=none',
      `NodeName=${node} CPUs=${availableParallelism()} State=UNKNOWN`, `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`, '',
    ].join('\n'));
    env = { ...process.env, SLURM_CONF: conf, DMFLOW: `${process.execPath} ${BIN}` };
    for (const d of ['slurmctld', 'slurmd']) {
      execFileSync(`/usr/sbin/${d}`, [], { env });
      await until(`${d}.pid`, () => existsSync(join(dir, `${d}.pid`)), 20);
      started.push({ name: d, pid: Number(readFileSync(join(dir, `${d}.pid`), 'utf8')) });
    }
    await until('the node to be idle', () => spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim() === 'idle', 60);
  }, 120_000);

  afterAll(async () => {
    // Stop what this test started, by PID, daemons before munged.
    for (const { name, pid } of [...started].reverse()) {
      if (!alive(pid)) continue;
      process.kill(pid, 'SIGTERM');
      try {
        await until(`${name} (pid ${pid}) to stop`, () => !alive(pid) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z', 30);
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    }
  }, 120_000);

  it('sbatch array + merge job: the merged file equals a single-process run cell by cell', async () => {
    const sweep = {
      base: { target: { kind: 'low-rank', size: [4, 4], rank: 1, seed: 3 }, observed: { kind: 'random', count: 10, seed: 1 }, depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-9, atol: 1e-12, lossTol: 1e-12 } },
      grid: { depth: [2, 3], 'init.productScale': [0.1, 0.01] }, trials: 3,
    };
    const sweepFile = join(dir, 'sweep.json');
    writeFileSync(sweepFile, JSON.stringify(sweep));
    const t0 = Date.now();
    const ids = execFileSync(join(EXAMPLES, 'submit.sh'), [sweepFile, join(dir, 'results'), '4'], { env, cwd: dir, encoding: 'utf8' }).trim().split(' ');
    expect(ids).toHaveLength(2);
    await until('the array and merge jobs', () => spawnSync('squeue', ['-h', '-j', ids.join(',')], { env, encoding: 'utf8' }).stdout.trim() === '', 300);
    const seconds = (Date.now() - t0) / 1000;
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log') && f.startsWith('dmflow-')).sort();
    const logText = logs.map((f) => `${f}: ${readFileSync(join(dir, f), 'utf8').trim()}`).join('\n');
    console.log(`slurm: jobs ${ids.join(', ')} (array of 4 shards, then merge) done in ${seconds.toFixed(1)} s\n${logText}`);
    expect(logs.filter((f) => f.startsWith('dmflow-sweep-'))).toHaveLength(4);
    expect(logText).toContain('dmflow merge: 12 of 12 cells written');
    const merged = join(dir, 'results', 'all.jsonl');
    const single = join(dir, 'single.jsonl');
    await runSweep(parseSweep(sweep), { out: single, workers: 1 });
    const want = new Map(readResults(single).map((l) => [canonical(l.cell), JSON.stringify(l.result)]));
    const got = readResults(merged);
    expect(got).toHaveLength(12);
    for (const l of got) expect(JSON.stringify(l.result), canonical(l.cell)).toBe(want.get(canonical(l.cell)));
    expect(new Set(got.map((l) => canonical(l.cell))).size).toBe(12);
    expect(readFileSync(merged, 'utf8')).toBe(readFileSync(single, 'utf8'));
    expect(readFileSync(join(dir, 'results', 'summary.csv'), 'utf8').split('\n')[0]).toMatch(/^depth,init\.productScale,n,failed,nonfinite,/);
  }, 400_000);
});

// Which shard of a sweep this process runs: "i/n" from the command line, or
// "auto" from a scheduler's environment (a Slurm job array, a Kubernetes
// Indexed Job). Shard i runs the cells whose index is i mod n.

import { InputError } from '../model/errors.js';

/** Environment variables by name; the shape of process.env, without naming Node's types in the package's .d.ts (a consumer may not have @types/node). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Parse "i/n" (0 <= i < n), or "auto": the shard from the scheduler's environment (shardFromEnv). */
export function parseShard(text: string, env: Environment = process.env): { index: number; count: number } {
  if (text.trim() === 'auto') return shardFromEnv(env);
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count || !Number.isSafeInteger(count)) throw new InputError('--shard', `expected i/n with 0 <= i < n (e.g. 0/4) or "auto", got "${text}"`);
  return { index, count };
}

/**
 * The shard of this task under a scheduler: a Slurm job array (task
 * SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT; the
 * ids must be contiguous, so a stepped array such as --array=0-10:2 is
 * refused) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX of
 * DMFLOW_SHARD_COUNT, which the manifest sets to its completions).
 */
export function shardFromEnv(env: Environment): { index: number; count: number } {
  const int = (name: string): number => {
    const text = env[name] ?? '';
    const v = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(v) || v < 0) throw new InputError(`--shard auto: ${name}`, `expected a whole number >= 0, got "${text}"`);
    return v;
  };
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = int('SLURM_ARRAY_TASK_ID'), min = int('SLURM_ARRAY_TASK_MIN'), max = int('SLURM_ARRAY_TASK_MAX'), count = int('SLURM_ARRAY_TASK_COUNT');
    const step = env.SLURM_ARRAY_TASK_STEP !== undefined ? int('SLURM_ARRAY_TASK_STEP') : 1;
    if (step !== 1 || max - min + 1 !== count) {
      throw new InputError('--shard auto', `expected a Slurm array of contiguous ids (e.g. --array=0-${count - 1}), got ids ${min}-${max}${step !== 1 ? ` step ${step}` : ''} for ${count} tasks; use --shard i/n for other layouts`);
    }
    if (id < min || id > max) throw new InputError('--shard auto', `expected SLURM_ARRAY_TASK_ID in ${min}..${max}, got ${id}`);
    return { index: id - min, count };
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = int('JOB_COMPLETION_INDEX');
    if (env.DMFLOW_SHARD_COUNT === undefined) throw new InputError('--shard auto', 'expected DMFLOW_SHARD_COUNT (the Indexed Job\'s completions) next to JOB_COMPLETION_INDEX, got nothing');
    const count = int('DMFLOW_SHARD_COUNT');
    if (count < 1 || index >= count) throw new InputError('--shard auto', `expected JOB_COMPLETION_INDEX < DMFLOW_SHARD_COUNT, got ${index} of ${count}`);
    return { index, count };
  }
  throw new InputError('--shard auto', 'expected a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with DMFLOW_SHARD_COUNT), got none of these variables');
}

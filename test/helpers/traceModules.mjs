// Loaded with `node --import` ahead of the bin: reports on stderr every
// package a run resolves, as "dmflow-trace: <package>", so that a test can
// check which packages a command loads (e.g. that only `conjecture` and `ode`
// load mathjs, whose start-up cost other commands should not pay).
import { register } from 'node:module';

register(new URL('./traceHooks.mjs', import.meta.url));

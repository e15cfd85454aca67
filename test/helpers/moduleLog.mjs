// `node --import ./moduleLog.mjs ...` (or NODE_OPTIONS): log loaded modules (moduleLogHooks.mjs).
import { register } from 'node:module';

register('./moduleLogHooks.mjs', import.meta.url);

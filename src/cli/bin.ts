#!/usr/bin/env node
// The `dmflow` executable (package.json "bin" points at its build in dist/).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));

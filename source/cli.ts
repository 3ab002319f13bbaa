#!/usr/bin/env node
import { startFast } from './start-fast.js';
import { VERSION } from './version.js';

// Before any command imports its modules: Node's compile cache and a resolve hook, where Node has them.
startFast();

// A lone `--version` (what scripts and package managers ask most) answers before commander and the
// commands load; anything else, `--version` among other options too, goes through commands.ts.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) console.log(VERSION);
else await import('./commands.js');

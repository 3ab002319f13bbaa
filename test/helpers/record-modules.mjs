/**
 * `node --import ./test/helpers/record-modules.mjs …` with CHAT_TUI_MODULE_LOG=<file>:
 * appends the URL of every module the ES loader loads (the program's own, and each
 * package it imports, CommonJS ones included at their entry point) to that file, one a line.
 * The start-up test uses it to check what each subcommand loads.
 */
import { register } from 'node:module';

const file = process.env.CHAT_TUI_MODULE_LOG;
if (file) register('./record-modules-hooks.mjs', import.meta.url, { data: { file } });

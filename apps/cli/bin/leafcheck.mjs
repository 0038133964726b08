#!/usr/bin/env node
// The `leafcheck` command from any directory: loads tsx (the repo's TypeScript runner), then the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));

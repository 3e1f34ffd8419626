#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so a fresh
// clone needs no build step and the code that runs is the code in src/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);

#!/usr/bin/env node
// The `lastmile` command. Node 24 runs the TypeScript sources directly (type stripping), so there
// is no build step between a checkout and a working command.
import '../src/main.ts';

// Process entry: the CLI (cli/program.ts) decides what to run.
import { run } from './cli/program.ts';

process.exitCode = await run(process.argv.slice(2));

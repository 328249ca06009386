/** Runs `sheetpipe serve` in its own process (what the CLI's `serve` command calls). */
import { serveCommand } from '../../../src/service/serve-command.js';

process.exitCode = await serveCommand(process.argv.slice(2));

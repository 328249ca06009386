/** The service under test, in its own process: exactly what `sheetpipe serve` runs. */
import { serveCommand } from '../../src/service/serve-command.js';

process.exitCode = await serveCommand(process.argv.slice(2));

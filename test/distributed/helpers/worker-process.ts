/** `sheetpipe worker` in its own process (what the CLI's `worker` command runs). */
import { workerCommand } from '../../../src/service/distributed/worker-command.js';

process.exitCode = await workerCommand(process.argv.slice(2));

import { processIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { overrideWorkerEntry } from '../../src/worker/launcher.js';
import { hookedSweepWorkerEntry, hookedWorkerEntry } from './test_hooks.js';

/**
 * `sps` for the crash tests: the real CLI, whose workers are the tests' hooked entries
 * (fault injection from SPS_TEST_HOOKS). The shipped `sps` never injects faults.
 */
overrideWorkerEntry('train', hookedWorkerEntry());
overrideWorkerEntry('sweep', hookedSweepWorkerEntry());
process.exitCode = await runCli(process.argv.slice(2), processIO);

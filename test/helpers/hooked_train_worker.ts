import { serveTrainingWorker } from '../../src/worker/worker_main.js';
import { testHooksFromEnv } from './test_hooks.js';

/** The training worker with the tests' fault injection (SPS_TEST_HOOKS), for the crash-safety tests only. */
serveTrainingWorker({ hooks: (log) => testHooksFromEnv(process.env, log) });

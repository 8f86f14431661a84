import { serveSweepWorker } from '../../src/worker/sweep_worker_main.js';
import { testHooksFromEnv } from './test_hooks.js';

/** The sweep worker with the tests' fault injection (SPS_TEST_HOOKS), for the crash tests only. */
serveSweepWorker({ hooks: (log) => testHooksFromEnv(process.env, log) });

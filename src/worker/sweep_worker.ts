import { serveSweepWorker } from './sweep_worker_main.js';

/** The shipped sweep process entry: no fault injection, whatever the environment says. */
serveSweepWorker();

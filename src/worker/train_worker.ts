import { serveTrainingWorker } from './worker_main.js';

/** The shipped training process entry: no fault injection, whatever the environment says. */
serveTrainingWorker();

/** The typed op builders: one import for model code and gradient rules. */
export * from './elementwise.js';
export * from './linalg.js';
export * from './reduce.js';
export * from './shape.js';
export * from './nn.js';

export * from './creation.js';
export * from './elementwise.js';
export * from './shape.js';
export * from './reduce.js';
export * from './linalg.js';
export * from './nn.js';

export * from './kinds.js';
export * from './identity.js';
export * from './errors.js';

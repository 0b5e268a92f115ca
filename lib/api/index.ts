/**
 * The wire contract between the registry and its clients (the CLI, the tracker's
 * whitelist): routes, path builders, bodies and header names.
 */
export * from './agent.js';
export * from './bodies.js';
export * from './events.js';
export * from './headers.js';
export * from './image-config.js';
export * from './paths.js';
export * from './routes.js';

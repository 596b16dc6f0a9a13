export * from './create-http-app.js';
export * from './error-body.js';
export * from './decimal-multiple-of.js';
export * from './text-rules.js';
export * from './keyset-pagination.js';
export * from './request-tracing.js';

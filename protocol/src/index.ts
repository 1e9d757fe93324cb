export * from './auth';
export * from './blobs';
export * from './common';
export * from './errors';
export * from './sync';
export * from './version';

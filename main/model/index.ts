/**
 * The model: one zod schema per data type, and each type inferred from its schema. Import from
 * here or from the file that defines a type; never restate a shape elsewhere.
 */
export * from './evidence';
export * from './anomaly';
export * from './stream';
export * from './verify';
export * from './report';
export * from './api';
export * from './plan';

export * from './create';
export { astype, broadcastTo } from './broadcast';
export * from './elementwise';
export * from './activations';
export * from './reduce';
export * from './shape';

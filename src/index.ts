/** tensorlaw: immutable tensors and composable transformations. */
export * from './tensor';
export * from './grad';

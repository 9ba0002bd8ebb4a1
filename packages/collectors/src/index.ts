/**
 * `@npurun/collectors`: the collector framework and the four shared collectors.
 *
 * @packageDocumentation
 */
export * from './collector';

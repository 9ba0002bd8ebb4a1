/**
 * `@npurun/runner-a5`: the a5 runner (issue 5 builds it on runner-base).
 *
 * @packageDocumentation
 */
export {};

/**
 * `@npurun/runner-a2a3`: the a2a3 runner (issue 5 builds it on runner-base).
 *
 * @packageDocumentation
 */
export {};

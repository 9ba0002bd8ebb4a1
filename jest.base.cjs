// Shared jest settings: ts-jest transpiles test files only (type-checking is the `lint` task's job),
// and tests import sibling packages through their built `dist/` like a user would.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', }],
  },
  testTimeout: 60000,
};

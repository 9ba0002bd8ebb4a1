module.exports = { ...require('../../jest.base.cjs'), testTimeout: 600000 };

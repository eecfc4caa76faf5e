module.exports = { name: 'cycle-a', version: '1.0.0', requires: ['cycle-b'], start() {} };

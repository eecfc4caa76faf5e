module.exports = { name: 'cycle-b', version: '1.0.0', requires: ['cycle-a'], start() {} };

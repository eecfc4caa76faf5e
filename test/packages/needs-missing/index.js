module.exports = { name: 'needs-missing', version: '1.0.0', requires: ['no-such-package'], start() {} };

// Opens a TCP server outside ctx: the image builder must refuse and name it.
const net = require('node:net');
module.exports = {
  name: 'leaky-server',
  version: '1.0.0',
  start() {
    net.createServer().listen(0, '127.0.0.1');
  },
};

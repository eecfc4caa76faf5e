// Opens a timer outside ctx: the image builder must refuse and name it.
module.exports = {
  name: 'leaky',
  version: '1.0.0',
  start() {
    setInterval(function leakyPoll() {}, 1000);
  },
};

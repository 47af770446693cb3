// Starts kinesalite's own CLI (its path is the first argument, its options follow), keeping the server up when a
// client disconnects in the middle of a request. kinesalite rethrows the request's 'aborted' error from an event
// handler, which ends the whole process: a test that kills a runner (kill -9) while a PutRecords body is on the wire
// then took the emulator down for every test after it.
process.on('uncaughtException', (err) => {
  if (err && (err.code === 'ECONNRESET' || err.message === 'aborted')) {
    console.error(`kinesalite: a client disconnected in the middle of a request (${err.message}); still serving`);
    return;
  }
  console.error(err);
  process.exit(1);
});

const cli = process.argv[2];
process.argv.splice(1, 2, cli); // as if node had been given cli.js itself: its options follow
require(cli);

// Starts @elastic/mockotlpserver (an OTLP decoder that fluxtrace did not write) on a free loopback port and
// prints, one JSON line each, every trace request it decodes, normalized by mockotlpserver itself.
// Protocol on stdout: "LISTENING <url>" once, then "TRACE <json>" per request. Ends when stdin closes.
const {MockOtlpServer, normalizeTrace} = require('@elastic/mockotlpserver');

async function main() {
  const server = new MockOtlpServer({
    logLevel: 'warn',
    services: ['http'],
    httpHostname: '127.0.0.1',
    httpPort: 0,
    onTrace: (trace) => {
      process.stdout.write('TRACE ' + JSON.stringify(normalizeTrace(trace)) + '\n');
    },
  });
  await server.start();
  process.stdout.write('LISTENING ' + server.httpUrl + '\n');
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await server.close();
    process.exit(0);
  });
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});

// Receives the sandbox's webhook events (run.sh starts it with --webhook-url pointing here):
// keeps each request's raw body and X-Signature-V2 header, answers 200.
import http from "node:http";

const port = Number(process.env.SANDBOX_WEBHOOK_PORT ?? 0);

/** Starts the receiver, or returns null when run.sh gave no webhook port. */
export async function startWebhookReceiver() {
  if (!port) return null;
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({
        body,
        event: JSON.parse(body),
        signature: req.headers["x-signature-v2"],
        contentType: req.headers["content-type"],
      });
      // No keep-alive: nothing left open to hold the test process.
      res.writeHead(200, { connection: "close" }).end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    /** The first delivery whose parsed event matches, waiting up to 10 s for it. */
    async next(matches) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = received.find((r) => matches(r.event));
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(`no matching webhook among ${received.length} received`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

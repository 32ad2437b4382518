// A fresh plain `node` (no tsx loader) that loads an FCM client and builds it, as a Lambda's init does.
// Argument: JSON { module, serviceAccount }: `module` is a bundle (file path) exporting init(path), or
// "firebase-admin" to import firebase-admin/app and firebase-admin/messaging from node_modules.
const input = JSON.parse(process.argv[2] ?? '{}');
const t0 = performance.now();
if (input.module === 'firebase-admin') {
  const { cert, initializeApp } = await import('firebase-admin/app');
  const { getMessaging } = await import('firebase-admin/messaging');
  getMessaging(initializeApp({ credential: cert(input.serviceAccount) }, 'load-probe'));
} else {
  const { init } = await import(input.module);
  init(input.serviceAccount);
}
const loadMs = performance.now() - t0;
process.stderr.write(`BENCH_RESULT ${JSON.stringify({ loadMs })}\n`);
process.exit(0);

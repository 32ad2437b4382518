// Stops the services process that global-setup started, so no emulator outlives the run.
export default async function globalTeardown() {
  const child = globalThis.__servicesProcess;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

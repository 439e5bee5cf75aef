/**
 * Child process for host-limits.test.ts: installs the host's last-resort handler, throws an error
 * nobody catches and rejects a promise nobody awaits, then shows it is still running by printing
 * "still serving" a moment later.
 */
import { keepServingOnUnexpectedErrors } from '../../../src-main/host/server';

keepServingOnUnexpectedErrors();
setTimeout(() => {
  throw new Error('a bug no handler caught');
}, 10);
setTimeout(() => void Promise.reject(new Error('a rejection nobody awaited')), 20);
setTimeout(() => process.stdout.write('still serving\n'), 200);

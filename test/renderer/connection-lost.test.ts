/**
 * What a page says once its host is gone (killed or restarted): a run that was going is shown as
 * last known, not as still running; a section that cannot be loaded says why in the work area
 * instead of leaving the section before on screen.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { statusLabel } from '../../src-renderer/lib/runs';
import { useViewError } from '../../src-renderer/composables/useViewError';

describe('a page that lost its host', () => {
  it('shows a going run as last known while not connected, and an ended one as it is', () => {
    expect(statusLabel('running', true)).toBe('running');
    expect(statusLabel('running', false)).toBe('connection lost — last known: running');
    expect(statusLabel('queued', false)).toBe('connection lost — last known: queued');
    expect(statusLabel('paused', false)).toBe('connection lost — last known: paused');
    expect(statusLabel('finished', false)).toBe('finished');
    expect(statusLabel('interrupted', false)).toBe('interrupted');
  });

  it('says in the work area which section could not be opened and why, until a navigation ends', async () => {
    const Shown = { render: () => null };
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/training', name: 'training', component: Shown },
        { path: '/runs', name: 'runs', component: () => Promise.reject(new TypeError('Unable to preload CSS for /assets/RunsView-DeRltUwf.css')) },
      ],
    });
    const error = useViewError(router);
    await router.push('/training');
    await expect(router.push('/runs')).rejects.toThrow(/preload CSS/);
    expect(error.value).toBe('Runs could not be opened: Unable to preload CSS for /assets/RunsView-DeRltUwf.css');
    expect(router.currentRoute.value.name).toBe('training');
    // the section shown before, chosen again (the same route: a duplicated navigation), brings it back
    await router.push('/training');
    expect(error.value).toBeNull();
  });
});

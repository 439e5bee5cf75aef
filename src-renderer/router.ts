/**
 * Sections of the workbench. Hash history so that the app works from file:// in
 * Electron as well as from the browser-mode host.
 */
import { createRouter, createWebHashHistory } from 'vue-router';
import type { RouteRecordRaw } from 'vue-router';
import StructuresView from './views/StructuresView.vue';

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/structures' },
  { path: '/structures', name: 'structures', component: StructuresView },
  { path: '/graph', name: 'graph', component: () => import('./views/GraphView.vue') },
  { path: '/datasets', name: 'datasets', component: () => import('./views/DatasetsView.vue') },
  { path: '/models', name: 'models', component: () => import('./views/ModelsView.vue') },
  { path: '/training', name: 'training', component: () => import('./views/TrainingView.vue') },
  { path: '/runs', name: 'runs', component: () => import('./views/RunsView.vue') },
  { path: '/simulate', name: 'simulate', component: () => import('./views/SimulateView.vue') },
  { path: '/predict', name: 'predict', component: () => import('./views/PredictView.vue') },
  { path: '/:rest(.*)*', redirect: '/structures' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });

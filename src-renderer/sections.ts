/** The sections of the product, in navigation order. */
export interface Section {
  id: string;
  path: string;
  title: string;
  /** One-line description (navigation tooltip). */
  summary: string;
}

export const SECTIONS: Section[] = [
  {
    id: 'structures',
    path: '/structures',
    title: 'Structures',
    summary: 'Import crystals and molecules and look at them in 3D.',
  },
  {
    id: 'graph',
    path: '/graph',
    title: 'Graph',
    summary: 'The crystal graph the model sees, and its receptive field.',
  },
  {
    id: 'datasets',
    path: '/datasets',
    title: 'Datasets',
    summary: 'Import training data and check it before training.',
  },
  {
    id: 'models',
    path: '/models',
    title: 'Models',
    summary: 'Configure a graph neural network.',
  },
  {
    id: 'training',
    path: '/training',
    title: 'Training',
    summary: 'Train a model and watch it learn.',
  },
  {
    id: 'runs',
    path: '/runs',
    title: 'Runs',
    summary: 'Every run, its settings and results, side by side.',
  },
  {
    id: 'simulate',
    path: '/simulate',
    title: 'Simulate',
    summary: 'Relax a structure, run molecular dynamics or an equation of state with a potential.',
  },
  {
    id: 'predict',
    path: '/predict',
    title: 'Predict',
    summary: 'Get a property from a structure with a trained model.',
  },
];

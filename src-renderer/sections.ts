/** The sections of the product, in navigation order, with what each placeholder promises. */
export interface Section {
  id: string;
  path: string;
  title: string;
  /** One-line description (navigation tooltip, placeholder lead). */
  summary: string;
  /** True while the section is a placeholder. */
  placeholder: boolean;
  /** What the section will do (shown by the placeholder). */
  plans: string[];
}

export const SECTIONS: Section[] = [
  {
    id: 'structures',
    path: '/structures',
    title: 'Structures',
    summary: 'Import crystals and molecules and look at them in 3D.',
    placeholder: false,
    plans: [],
  },
  {
    id: 'graph',
    path: '/graph',
    title: 'Graph',
    summary: 'The crystal graph the model sees, and its receptive field.',
    placeholder: false,
    plans: [],
  },
  {
    id: 'datasets',
    path: '/datasets',
    title: 'Datasets',
    summary: 'Import training data and check it before training.',
    placeholder: false,
    plans: [
      'Import a CGCNN folder (id_prop.csv, atom_init.json and CIFs), an extended XYZ file with per-frame properties (energy, energy per atom, any key) and per-atom arrays such as forces, or a CSV of file names and targets.',
      'Progress bar with cancellation, then an import report: parsed and failed files (with reasons), partial occupancies, elements missing from the chosen atom embedding, duplicate structures (by hash) and identical structures across the train, validation and test splits.',
      'A histogram of the target, graph statistics (degree, edges per structure) and the estimated memory for the chosen graph options.',
    ],
  },
  {
    id: 'models',
    path: '/models',
    title: 'Models',
    summary: 'Configure a graph neural network.',
    placeholder: false,
    plans: [
      'A form generated from the model configuration schema, starting from presets (CGCNN, and others as they are added), with validation messages next to each field.',
      'Parameter count, estimated time per epoch and memory for a chosen dataset, and the difference from the preset shown field by field.',
      'Saved configurations to reuse across runs.',
    ],
  },
  {
    id: 'training',
    path: '/training',
    title: 'Training',
    summary: 'Train a model and watch it learn.',
    placeholder: false,
    plans: [
      'Start a run on a dataset with a configuration; the tensor backend in use is shown.',
      'Live curves of training and validation loss and metrics per epoch and per batch, and the learning rate; progress with ETA and structures per second; cancel, pause and resume.',
      'When a run ends: a parity plot (predicted against true on the test set), an error histogram and the worst predictions, each linking to its structure in the viewer.',
    ],
  },
  {
    id: 'runs',
    path: '/runs',
    title: 'Runs',
    summary: 'Every run, its settings and results, side by side.',
    placeholder: false,
    plans: [
      'A sortable, filterable and searchable table of all runs: status, dataset, key parameters, best metrics, duration, tags and notes.',
      'Compare two or more runs: overlaid curves, a parameter diff and parallel coordinates over parameters and metrics.',
      'Delete and archive runs; export runs and metrics as CSV. Runs live in the local SQLite file, whose schema is documented for any SQLite tool.',
    ],
  },
  {
    id: 'predict',
    path: '/predict',
    title: 'Predict',
    summary: 'Get a property from a structure with a trained model.',
    placeholder: false,
    plans: [
      "Choose a model: CGCNN's published models (formation energy, band gap and others) ship with the app, plus every model you train.",
      'The prediction with its unit, the spread for ensembles, and per-atom contributions painted on the atoms in the viewer with a colour legend.',
      'Many structures at once: a table of predictions with CSV export.',
    ],
  },
];

/**
 * Models and model configurations: the architectures and the config schema's form descriptors
 * (from the core's registry), presets, the draft configuration the
 * Models form edits (shared with the Training view), its validation by the core
 * (`models.checkConfig`: messages, parameter count, differences from the preset), saved
 * configs, and the list of model files (built-in, imported, trained). Module-level state.
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import type { ArchitecturesView, ConfigCheck, ModelRecord, PresetView, SavedConfig } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { watchForApp, whenConnected } from './whenConnected';
import { setAt } from '../lib/configSchema';
import type { Path } from '../lib/configSchema';
import { errorMessage } from '../lib/format';

type Config = Record<string, unknown>;

const architectures = shallowRef<ArchitecturesView | null>(null);
const architecturesError = ref<string | null>(null);
const presets = shallowRef<PresetView[]>([]);
const presetsError = ref<string | null>(null);
const saved = shallowRef<SavedConfig[]>([]);
const savedError = ref<string | null>(null);
const models = shallowRef<ModelRecord[]>([]);
const modelsError = ref<string | null>(null);
const presetId = ref<string | null>(null);
const draft = shallowRef<Config | null>(null);
const draftName = ref('');
/**
 * Fields of the form whose text is no value (an emptied or unparsable number): dotted path → the
 * problem. The draft keeps the field's last value, so these are added to the core's check (the form
 * shows them as problems) and starting a run from the form is refused while there are any.
 */
const inputProblems = shallowRef<Readonly<Record<string, string>>>({});
const check = shallowRef<ConfigCheck | null>(null);
const checkError = ref<string | null>(null);
const checking = ref(false);
const saveError = ref<string | null>(null);
const importError = ref<string | null>(null);
const importing = ref(false);
let started = false;

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

async function loadPresets(): Promise<void> {
  try {
    presets.value = await getApi().models.presets({});
    presetsError.value = null;
    if (!draft.value && presets.value.length > 0) usePreset(presets.value[0].id);
  } catch (e) {
    presetsError.value = errorMessage(e);
  }
}

async function loadArchitectures(): Promise<void> {
  try {
    architectures.value = await getApi().models.architectures({});
    architecturesError.value = null;
  } catch (e) {
    architecturesError.value = errorMessage(e);
  }
}

async function loadSaved(): Promise<void> {
  try {
    saved.value = await getApi().models.listConfigs({});
    savedError.value = null;
  } catch (e) {
    savedError.value = errorMessage(e);
  }
}

async function loadModels(): Promise<void> {
  try {
    models.value = await getApi().models.list({});
    modelsError.value = null;
  } catch (e) {
    modelsError.value = errorMessage(e);
  }
}

function refreshAll(): void {
  void loadArchitectures();
  void loadPresets();
  void loadSaved();
  void loadModels();
}

/** Replaces the draft with a preset's full configuration. */
function usePreset(id: string): void {
  const p = presets.value.find((x) => x.id === id);
  if (!p) return;
  presetId.value = id;
  draft.value = clone(p.config);
  draftName.value = '';
  inputProblems.value = {};
}

function useSaved(id: number): void {
  const s = saved.value.find((x) => x.id === id);
  if (!s) return;
  presetId.value = s.presetId;
  draft.value = clone(s.config);
  draftName.value = s.name;
  inputProblems.value = {};
}

function setField(path: Path, value: unknown): void {
  draft.value = setAt(draft.value ?? {}, path, value);
  const id = path.join('.');
  if (id in inputProblems.value) inputProblems.value = Object.fromEntries(Object.entries(inputProblems.value).filter(([k]) => k !== id));
}

/** A field's text is no value (see `inputProblems`); the draft keeps its last value. */
function setInputProblem(path: Path, problem: string): void {
  inputProblems.value = { ...inputProblems.value, [path.join('.')]: problem };
}

function replaceDraft(config: Config): void {
  draft.value = config;
  inputProblems.value = {};
}

/** The core's check with the form's input problems first (a field that is no value makes the config invalid). */
export function withInputProblems(check: ConfigCheck, problems: Readonly<Record<string, string>>): ConfigCheck {
  const issues = Object.entries(problems).map(([path, message]) => ({ path, message }));
  return issues.length ? { ...check, ok: false, issues: [...issues, ...check.issues] } : check;
}

let checkTimer: ReturnType<typeof setTimeout> | null = null;
let checkToken = 0;
function scheduleCheck(): void {
  if (checkTimer) clearTimeout(checkTimer);
  checkTimer = setTimeout(() => void runCheck(), 200);
}

async function runCheck(): Promise<void> {
  checkTimer = null;
  const config = draft.value;
  if (!config) return;
  const token = ++checkToken;
  checking.value = true;
  try {
    const problems = inputProblems.value;
    const r = await checkConfig(config, presetId.value);
    if (token === checkToken) {
      check.value = withInputProblems(r, problems);
      checkError.value = null;
    }
  } catch (e) {
    if (token === checkToken) {
      check.value = null;
      checkError.value = errorMessage(e);
    }
  } finally {
    if (token === checkToken) checking.value = false;
  }
}

/** Validates any configuration (the Training view checks what it is about to start). */
function checkConfig(config: Config, preset: string | null): Promise<ConfigCheck> {
  return getApi().models.checkConfig({ config, ...(preset ? { presetId: preset } : {}) });
}

async function saveDraft(name: string): Promise<SavedConfig | null> {
  if (!draft.value) return null;
  try {
    const s = await getApi().models.saveConfig({ name, presetId: presetId.value, config: draft.value });
    saved.value = [...saved.value.filter((x) => x.id !== s.id), s];
    saveError.value = null;
    draftName.value = s.name;
    return s;
  } catch (e) {
    saveError.value = errorMessage(e);
    return null;
  }
}

async function importModel(path: string, name?: string): Promise<ModelRecord | null> {
  importing.value = true;
  try {
    const m = await getApi().models.import({ path, ...(name ? { name } : {}) });
    models.value = [...models.value.filter((x) => x.id !== m.id), m];
    importError.value = null;
    return m;
  } catch (e) {
    importError.value = errorMessage(e);
    return null;
  } finally {
    importing.value = false;
  }
}

async function deleteModel(id: number): Promise<void> {
  try {
    await getApi().models.delete({ id });
    models.value = models.value.filter((m) => m.id !== id);
  } catch (e) {
    modelsError.value = errorMessage(e);
  }
}

export function useModels() {
  if (!started) {
    started = true;
    getApi().models.onChanged(() => void loadModels());
    whenConnected(refreshAll);
    watchForApp([draft, presetId, inputProblems], scheduleCheck);
  }
  return {
    architectures: computed(() => architectures.value),
    architecturesError: readonly(architecturesError),
    presets: computed(() => presets.value),
    presetsError: readonly(presetsError),
    saved: computed(() => saved.value),
    savedError: readonly(savedError),
    models: computed(() => models.value),
    modelsError: readonly(modelsError),
    presetId: readonly(presetId),
    preset: computed(() => presets.value.find((p) => p.id === presetId.value) ?? null),
    draft: computed(() => draft.value),
    draftName,
    inputProblems: computed(() => inputProblems.value),
    check: computed(() => check.value),
    checkError: readonly(checkError),
    checking: readonly(checking),
    saveError: readonly(saveError),
    importError: readonly(importError),
    importing: readonly(importing),
    usePreset,
    useSaved,
    setField,
    setInputProblem,
    replaceDraft,
    checkConfig,
    saveDraft,
    importModel,
    deleteModel,
    refresh: refreshAll,
    loadModels,
  };
}

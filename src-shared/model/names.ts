/**
 * The one rule for a model's name, wherever it is given: the app (Import model, a run's name, whose
 * model is "NAME (best)") and the command line (`train --name`, `import-model --name`). A name is
 * stored as given, in any script ("résumé", "名前モデル"): surrounding spaces are dropped; it must
 * not be empty, is at most {@link MODEL_NAME_MAX} characters and holds no control characters (a
 * line break or a tab would break the lines of `latticework models` and the tables of the app).
 * Names are unique in the store (`model_name` index). A model's name never becomes a file name:
 * models are rows of the database, and a file is written only where the user names it (`--out`).
 */
import { z } from 'zod';

export const MODEL_NAME_MAX = 200;

export const modelNameSchema = z
  .string()
  .trim()
  .min(1, { error: 'a model name must not be empty' })
  .max(MODEL_NAME_MAX, { error: (issue) => `a model name is at most ${MODEL_NAME_MAX} characters (this one has ${String(issue.input).length})` })
  .regex(/^\P{Cc}*$/u, { error: 'a model name must not hold control characters (line breaks, tabs)' });

/** `given` as a model's name (trimmed), or an Error saying what is wrong with it. */
export function parseModelName(given: string): string {
  const parsed = modelNameSchema.safeParse(given);
  if (!parsed.success) throw new Error(`"${given}" is not usable as a model name: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** Lower-case slug for loose name matching ("CGCNN band gap" ~ "cgcnn-band-gap", "Modèle α" ~ "modèle-α"). */
export function modelNameSlug(name: string): string {
  return name.trim().replace(/[^\p{L}\p{N}._-]+/gu, '-').toLowerCase();
}

/** A model file's name without its `.pth.tar` / `.lwm` ending, in lower case: the short name the file gives its model. */
export function modelFileStem(file: string): string {
  return file.replace(/\.pth\.tar$/i, '').replace(/\.lwm$/i, '').toLowerCase();
}

/**
 * A name as the model lookup tells names apart (`latticework --model` / `--from`: exact name, then
 * {@link modelNameSlug}, then {@link modelFileStem}): case, runs of spaces and punctuation and a
 * `.pth.tar` / `.lwm` ending set aside. Two names of one key may find each other's model, so a new
 * model is refused a name whose key is a built-in model's name's or short name's
 * (store/models.ts `builtinAnsweringTo`): "band-gap", "Band Gap", "cgcnn-band-gap" and "band-gap.lwm"
 * all name the built-in "CGCNN band gap" (from band-gap.pth.tar).
 */
export function modelNameKey(name: string): string {
  return modelFileStem(modelNameSlug(name));
}

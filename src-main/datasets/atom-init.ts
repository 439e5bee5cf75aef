/**
 * CGCNN's standard atom embedding (atom_init.json of txie-93/cgcnn, MIT): the table a CGCNN model
 * uses when a dataset brings none. One copy in the tree, the engine's
 * (src-main/engine/import/cgcnn-atom-init.json, which its checkpoint importer also uses).
 */
import table from '../engine/import/cgcnn-atom-init.json';

/** The standard table as JSON text (the form a dataset's own atom_init.json is kept in). */
export const CGCNN_ATOM_INIT_TEXT: string = JSON.stringify(table);

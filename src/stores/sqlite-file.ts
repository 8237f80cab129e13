// The embedded default's stores: one SQLite file in the data folder, named here so that a check of the folder
// loads no driver.
export const SQLITE_FILE = 'numberflow.sqlite';

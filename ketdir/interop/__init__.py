"""HSDS 3.0 / Open Referral UK import and export, spreadsheet import, validation. No Qt here.

    read_any(path) ──► Dataset ──► validate(dataset, session) ──► plan_import(...) ──► apply_import(...)
                                                                                        (one transaction)
    export_datapackage(session, path) / export_json(session, path)

Readers (one job each): read_datapackage (folder or zip of CSV + datapackage.json), read_json (one
service, a list, API pages), read_legacy (Open Referral UK v1 / HSDS 1.x), read_spreadsheet (CSV/XLSX
through a ColumnMapping). load.read_any picks one. dataset.Dataset is the one in-memory model they
all produce. validate checks and coerces it (errors block, warnings do not); extensions carries ketdir's
own fields through HSDS as attributes; taxonomy_map maps foreign taxonomy terms to need types
(data/taxonomy_map.csv); apply plans and applies (remembering which services came from which source in
store.models.ImportSource/ImportedService, and retiring what a source no longer lists); bulk holds the fast
SQL writes; stage keeps a large datapackage on disk instead of in memory (a first import), and staged_reimport
compares and writes a large re-import a part at a time; export and schema_check write
and check HSDS. The people-facing use cases (policy, progress, problems) are ketdir.app.imports and
ketdir.app.exports, which `ketdir import`/`export` and the window's import dialog call.
"""

"""Course pages: the catalog, authoring and file downloads."""

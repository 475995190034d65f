"""arq workers: thin job functions that call services."""

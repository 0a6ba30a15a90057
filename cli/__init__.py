"""The command-line door: `./run URL_FILE` (Phase-1 NDJSON ratings)."""

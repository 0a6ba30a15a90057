"""Storage ports and their adapters: SQLite + files (embedded) and DynamoDB + S3 (AWS)."""

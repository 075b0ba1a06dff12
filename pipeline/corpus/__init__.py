"""Gold corpus layer: JSONL read/write and validation, DocBin build, stats, converters."""

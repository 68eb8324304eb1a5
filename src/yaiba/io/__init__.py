"""Files in and out: post files (CSV, JSONL, text), the public dataset loaders, atomic writes."""

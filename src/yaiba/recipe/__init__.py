"""How the shipped model is built: its training recipe and the nudge-rule derivation (build tools, not runtime)."""

"""Text before the model: normalisation, MeCab tokens, the attack-cue lexicon, phrase segments, display helpers."""

"""Trust-and-safety tools around a model: the pre-post nudge, transparency counts, help resources."""

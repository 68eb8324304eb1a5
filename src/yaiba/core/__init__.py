"""The scoring engine: features, the estimator, the model-file codec and container, cache, workers, explanations, phrase attribution."""

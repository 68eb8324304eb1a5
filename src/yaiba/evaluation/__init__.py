"""Measuring models: metrics, curves, thresholds, cross-validation, evaluation reports and their plots."""

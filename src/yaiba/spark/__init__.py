"""Scoring on Apache Spark: :func:`score_dataframe` (needs ``yaiba[spark]``; pyspark is imported lazily)."""

from yaiba.spark.dataframe import output_columns, score_dataframe

__all__ = ["output_columns", "score_dataframe"]

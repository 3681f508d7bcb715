"""The Spark backend for linkage at a scale beyond one machine.

Set ``LINKAGE_BACKEND=spark`` and ``SPARK_MASTER`` (``local[*]`` by default, so one machine's
cores; ``spark://host:7077`` or ``yarn`` for a cluster). The same Splink model and pipeline
run unchanged; Splink's string-similarity functions come from the jar Splink ships, added to
the session here. PySpark is an optional dependency (``pip install pyspark``), needing Java
17 or later.
"""

from __future__ import annotations

from typing import Any


def spark_session(master: str | None = None) -> Any:
    from django.conf import settings
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    master = master or str(getattr(settings, "JOINEDUP_SPARK_MASTER", "local[*]"))
    return (
        SparkSession.builder.master(master)
        .appName("joinedup-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.default.parallelism", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", getattr(settings, "JOINEDUP_SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )


def spark_api(master: str | None = None) -> Any:
    """A Splink ``SparkAPI`` on the configured session."""
    from splink import SparkAPI

    session = spark_session(master)
    import atexit
    import shutil
    import tempfile

    checkpoints = tempfile.mkdtemp(prefix="joinedup-spark-")
    atexit.register(shutil.rmtree, checkpoints, True)
    session.sparkContext.setCheckpointDir(checkpoints)
    return SparkAPI(spark_session=session, break_lineage_method="persist")

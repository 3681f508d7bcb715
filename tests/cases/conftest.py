from ..assessments.conftest import scale  # noqa: F401  (the shipped scale fixture)

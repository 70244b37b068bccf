"""The ``skmine`` command line (``python -m skmine``)."""

"""Demo data for ``manage.py seed_demo``: the data (``data``) and how it is applied (``seed``)."""

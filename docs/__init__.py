"""The technical write-up and the script that regenerates it (``python -m docs.make_report``)."""

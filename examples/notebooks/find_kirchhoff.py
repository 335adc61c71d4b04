"""`from find_kirchhoff import kirchhoff`: the kirchhoff package for the study scripts beside this
file, installed (pip install .) or, failing that, the copy every build puts in the checkout's
build/release/python."""
import os
import sys

try:
    import kirchhoff
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "build", "release", "python"))
    import kirchhoff  # noqa: F401  (what the importer takes)

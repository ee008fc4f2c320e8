"""星图 (Xingtu): the enterprise-cultivation ledger. See README.md.

The one entry: ``python main.py``, the installed ``xingtu`` script and the frozen program (packaging/).
"""
import sys

from desktop.cli import main
from desktop.streams import ensure_streams

if __name__ == "__main__":
    ensure_streams(sys.argv[1:])
    sys.exit(main())

"""星图 (Xingtu): the enterprise-cultivation ledger. See README.md."""
import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())

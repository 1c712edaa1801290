"""``python -m r2pkg`` runs the command line."""

from r2pkg.cli import main

main()

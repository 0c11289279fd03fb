"""`python -m emberlint` runs the command line."""

from emberlint.cli import main

main()

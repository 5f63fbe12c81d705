"""``python -m concord.cli``: the same as the ``concord`` script."""

from concord.cli import main

main()

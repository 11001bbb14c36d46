"""``python -m conveyor`` runs the CLI (how the consumers runner spawns its children)."""

from conveyor.cli import main

main()

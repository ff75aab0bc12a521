"""The commands and the quarterly run: the CLI, the run that sequences every stage, demo, lab, guides."""

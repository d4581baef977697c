"""Mutation testing of a problem's hidden suite (``judge mutants``).

generate.py makes mutants of the reference (operators.py, ml_operators.py),
catalogue.py reads the problem's mutants.yaml, run.py judges the mutants with
the pipeline (cached), lock.py writes and checks mutants.lock, cli.py prints.
"""

"""Code that runs inside the sandbox. Imports nothing else from the judge.

Mounted into the sandbox as the package ``mljudge_harness``; in the repository
it is ``judge.harness``. Only relative imports, so both names work.
"""

"""Shared by every test folder.

pytest imports this file with its folder (tests/) on sys.path, so test modules anywhere
below can import the shared tables and helpers kept here: `from op_records import ...`.
"""

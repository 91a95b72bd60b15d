"""Cloud tests: a package, so its conftest does not take the name of tests/conftest.py."""

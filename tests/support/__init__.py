"""Helpers shared by every test suite: `servers` (start, wait for and stop a server, one way),
`clock` (a clock tests move by hand), `postgres` (throwaway databases) and `registry` (a
registry data directory, its live server and kiosks). A suite's `conftest.py` holds only its
fixtures; anything two suites need lives here, so no suite imports another's conftest."""

"""The version of this distribution, defined here only (hatch reads it for pyproject.toml).

2.0.0 because this is the successor of the PyPI `flowscale` 1.x line and the twin of npm
`flowscale` 2.x; a pre-release (PEP 440 `b1`) until it is published, so that no `pip install
flowscale` picks it by accident before then (pip skips pre-releases unless asked: `--pre` or an
exact pin), while 2.0.0 itself will sort above 1.1.4. Beta rather than a release candidate:
issues 10 and 12 still build on the 2.0 API.
"""

__version__ = "2.0.0b1"

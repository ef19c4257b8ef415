"""Package list for setuptools: `ember` is core/, `ember.compute` is backends/ (see pyproject.toml).

Every subpackage (a directory with __init__.py) under either tree is included automatically.
"""

from setuptools import find_packages, setup


def _tree(prefix: str, where: str) -> list[str]:
    return [prefix, *(f"{prefix}.{p}" for p in find_packages(where))]


setup(packages=_tree("ember", "core") + _tree("ember.compute", "backends"))

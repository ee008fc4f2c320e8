"""Data shipped with 星图: the default catalogs (catalog.json, streets.json, targets.json) and the icon.

A package so that the files travel as package data (wheel, frozen app) and are read with
``importlib.resources.files("resources")``, never by a path relative to the source tree.
"""

"""Inputs: the files people make (litcoder.toml, reference files, source texts, the
codebook, codings, coverage, settlements, decisions) → tidy rows and frames, with every
problem met named by file and line. Also the writers that append to those files.
"""

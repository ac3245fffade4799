"""`python -m litcoder`: the `litcoder` command, for where its script is not on the PATH (git's merge driver)."""

from .cli import main

if __name__ == "__main__":
    main()

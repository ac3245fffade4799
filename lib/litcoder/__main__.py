"""`python -m litcoder`: the `litcoder` command, for where its script is not on the PATH (git's
merge driver and notebook filter, which run often and so start without the rest of litcoder)."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] in (["merge-file"], ["strip-notebook"]):
        from .merging import main
    else:
        from .cli import main
    main()

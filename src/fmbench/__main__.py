"""Entry point for ``python -m fmbench``."""

from fmbench.cli import main

if __name__ == "__main__":
    main()

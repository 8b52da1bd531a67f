"""``python -m jaxaug``: the jaxaug command line (``python -m jaxaug preview --help``)."""

from jaxaug._src.preview import main

if __name__ == "__main__":
    raise SystemExit(main())

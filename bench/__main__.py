"""`python -m bench`: run the benchmark suite and print its JSON figures (see bench/README.md)."""

from bench.suite import main

if __name__ == "__main__":
    main()
